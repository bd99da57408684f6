"""The storygraph command, run in-process with a real SQLite file."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import cli
from graph.testing import SEEDS
from tests.graph.conftest import SHEET, write_story

runner = CliRunner()
SEED = str(SEEDS / "fentanyl-talks-2024-01-31")


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_check_passes_the_seed():
    result = runner.invoke(cli, ["check", SEED])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: fentanyl-talks-2024-01-31: ")
    assert "24/24 sentences cited" in result.output


def test_check_lists_faults_one_per_line_and_exits_1(tmp_path):
    sheet = json.loads(json.dumps(SHEET))
    sheet["relations"][0]["predicate"] = "commanded"
    sheet["relations"][1]["evidence"] = ["nowhere"]
    d = write_story(tmp_path / "bad", sheet)
    result = runner.invoke(cli, ["check", str(d)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"{d}/facts.yaml: fact 'lee-led-delegation': predicate: 'commanded' is not in the vocabulary (GET /v1/predicates)"
    assert lines[1] == f"{d}/facts.yaml: fact 'delegation-met-envoy': evidence[0].quote: quote not found in the article: 'nowhere'"
    assert lines[2] == "rejected: 2 fault(s); nothing was written"


def test_coverage_shows_every_sentence_and_the_share():
    result = runner.invoke(cli, ["coverage", SEED, "--fail-under", "100"])
    assert result.exit_code == 0, result.output
    assert result.output.count("✓ [") == 24 and "✗" not in result.output
    assert result.output.rstrip().endswith("coverage: 24/24 sentences = 100.0%")
    assert "daskal-led-us-delegation" in result.output


def test_coverage_fails_under_the_threshold(tmp_path):
    sheet = json.loads(json.dumps(SHEET))
    sheet["relations"] = [r for r in sheet["relations"] if r["id"] != "critics-deny-useful"]
    sheet["entities"] = [e for e in sheet["entities"] if e["id"] != "critics"]
    d = write_story(tmp_path / "partial", sheet)
    result = runner.invoke(cli, ["coverage", str(d), "--fail-under", "100"])
    assert result.exit_code == 1
    assert "✗ [ 5] Critics deny this." in result.output
    assert "coverage: 5/6 sentences = 83.3%" in result.output


def test_ingest_then_again_writes_nothing_then_export(db, tmp_path):
    first = runner.invoke(cli, ["ingest", SEED, "--database-url", db])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("created: fentanyl-talks-2024-01-31: ")
    again = runner.invoke(cli, ["ingest", SEED, "--database-url", db])
    assert again.output.startswith("unchanged: fentanyl-talks-2024-01-31: ")
    out = tmp_path / "graph.json"
    exported = runner.invoke(cli, ["export", "--format", "cytoscape", "-o", str(out), "--database-url", db])
    assert exported.exit_code == 0, exported.output
    data = json.loads(out.read_text())
    assert any(n["data"]["id"] == "jen-daskal" for n in data["elements"]["nodes"])


def test_export_rejects_an_unknown_format(db):
    result = runner.invoke(cli, ["export", "--format", "xml", "--database-url", db])
    assert result.exit_code == 2
    assert "--format: 'xml' is not one of node-link, cytoscape" in result.stderr
