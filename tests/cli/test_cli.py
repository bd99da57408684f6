"""The storygraph command, run in-process on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from app.cli import cli
from graph.testing import SEEDS
from tests.graph.conftest import SHEET, write_story

runner = CliRunner()
SEED = str(SEEDS / "fentanyl-talks-2024-01-31")


@pytest.fixture
def db(database_url):
    return database_url("cli")


def test_check_passes_the_seed():
    result = runner.invoke(cli, ["check", SEED])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: fentanyl-talks-2024-01-31: ")
    assert result.output.rstrip().endswith("/58 clauses covered by statements")


def test_check_lists_faults_one_per_line_and_exits_1(tmp_path):
    sheet = json.loads(json.dumps(SHEET))
    sheet["relations"][0]["predicate"] = "commanded"
    sheet["relations"][1]["evidence"] = ["nowhere"]
    d = write_story(tmp_path / "bad", sheet)
    result = runner.invoke(cli, ["check", str(d)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == (f"{d}/facts.yaml: fact 'lee-led-delegation': predicate: 'commanded' is not in the"
                        " predicate vocabulary")
    assert lines[1] == (f"{d}/facts.yaml: fact 'delegation-met-envoy': evidence[0].quote:"
                        " quote not found in the article: 'nowhere'")
    assert lines[2] == "rejected: 2 fault(s); nothing was written"


def test_check_refuses_yaml_aliases_naming_the_line(tmp_path):
    # nested aliases ("billion laughs"): each level multiplies by ten what anything walking the sheet sees
    sheet = json.loads(json.dumps(SHEET))
    sheet["entities"][0]["attributes"] = {"laughs": "LAUGHS"}
    d = write_story(tmp_path / "laughs", sheet)
    levels = "".join(f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}], "
                     for a, b in zip("abcd", "bcde"))
    facts = (d / "facts.yaml").read_text(encoding="utf-8")
    laughs = "{a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol], " + levels + "f: *e}"
    (d / "facts.yaml").write_text(facts.replace("laughs: LAUGHS", f"laughs: {laughs}"), encoding="utf-8")
    line = next(i for i, text in enumerate((d / "facts.yaml").read_text().splitlines(), 1) if "&a" in text)
    result = runner.invoke(cli, ["check", str(d)])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"{d}/facts.yaml: line {line}, column ")
    assert "YAML anchors (&name) and aliases (*name) are not allowed" in lines[0]
    assert lines[1] == "rejected: 1 fault(s); nothing was written"


def test_coverage_shows_every_sentence_and_the_share():
    result = runner.invoke(cli, ["coverage", SEED])
    assert result.exit_code == 0, result.output
    assert len(re.findall(r"^[✓✗] \[", result.output, re.M)) == 24
    assert "clauses = " in result.output.splitlines()[-1]
    assert result.output.rstrip().endswith("/24 sentences cited by a statement")
    assert "daskal-led-us-delegation" in result.output


def test_coverage_counts_statements_not_mentions(tmp_path):
    # The headline is cited only by the `the-story` entity: before, that was enough ("6/6 sentences").
    d = write_story(tmp_path / "small", json.loads(json.dumps(SHEET)))
    result = runner.invoke(cli, ["coverage", str(d), "--fail-under", "100"])
    assert result.exit_code == 1
    assert "✗ [ 0] 0/1 Small talks end well\n       (no statement cites this sentence)\n" \
           "       ✗ 0-20 \"Small talks end well\" (no statement touches this clause)\n" in result.output
    assert result.output.rstrip().endswith(
        "coverage: 5/6 clauses = 83.3% (5 covered, 0 with a reason); 5/6 sentences cited by a statement")


def test_coverage_reads_the_reasons_in_the_sheet(tmp_path):
    d = write_story(tmp_path / "small", json.loads(json.dumps(SHEET)))
    line = len((d / "facts.yaml").read_text(encoding="utf-8").splitlines()) + 2
    with open(d / "facts.yaml", "a", encoding="utf-8") as f:
        f.write('# uncovered: "Small talks" — the headline: Lee\'s words are its sentences\n'
                '# uncovered: "met the U.S. envoy" — stale\n')
    result = runner.invoke(cli, ["coverage", str(d), "--fail-under", "100"])
    assert result.exit_code == 0, result.output
    assert "✓ [ 0] 0/1 Small talks end well" in result.output
    assert "       · 0-20 \"Small talks end well\" — the headline: Lee's words are its sentences\n" in result.output
    assert f'! {d}/facts.yaml: line {line}: "met the U.S. envoy" is covered by delegation-met-envoy; drop the reason' \
        in result.output
    assert "coverage: 6/6 clauses = 100.0% (5 covered, 1 with a reason)" in result.output
    check = runner.invoke(cli, ["check", str(d)])
    assert check.output.rstrip().endswith("5/6 clauses covered by statements, 1 with a reason")


def test_coverage_fails_under_the_threshold(tmp_path):
    sheet = json.loads(json.dumps(SHEET))
    sheet["relations"] = [r for r in sheet["relations"] if r["id"] != "critics-deny-useful"]
    sheet["entities"] = [e for e in sheet["entities"] if e["id"] != "critics"]
    d = write_story(tmp_path / "partial", sheet)
    result = runner.invoke(cli, ["coverage", str(d), "--fail-under", "70"])
    assert result.exit_code == 1
    assert "✗ [ 5] 0/1 Critics deny this." in result.output
    assert "coverage: 4/6 clauses = 66.7% (4 covered, 0 with a reason)" in result.output
    assert runner.invoke(cli, ["coverage", str(d), "--fail-under", "66"]).exit_code == 0


def test_ingest_then_again_writes_nothing_then_export(db, tmp_path):
    first = runner.invoke(cli, ["ingest", SEED, "--database-url", db])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("created: fentanyl-talks-2024-01-31: ")
    lines = first.output.splitlines()
    assert len(lines) == 2 and lines[1].startswith("ingested 1 article (1 created): 77 entities, 126 relations, ")
    again = runner.invoke(cli, ["ingest", SEED, "--database-url", db])
    assert again.output.startswith("unchanged: fentanyl-talks-2024-01-31: ")
    assert "ingested 1 article (1 unchanged)" in again.output.splitlines()[-1]
    out = tmp_path / "graph.json"
    exported = runner.invoke(cli, ["export", "--format", "cytoscape", "-o", str(out), "--database-url", db])
    assert exported.exit_code == 0, exported.output
    data = json.loads(out.read_text())
    assert any(n["data"]["id"] == "jen-daskal" for n in data["elements"]["nodes"])


def test_export_rejects_an_unknown_format(db):
    result = runner.invoke(cli, ["export", "--format", "xml", "--database-url", db])
    assert result.exit_code == 2
    assert "--format: 'xml' is not one of node-link, cytoscape" in result.stderr


# --- export in every registry format ---------------------------------------------------------------

@pytest.fixture
def seeded(db):
    assert runner.invoke(cli, ["ingest", SEED, "--database-url", db]).exit_code == 0
    return db


def _export_formats() -> list[str]:
    import importlib.util

    from graph.readwrite.formats import FORMATS

    rdf = importlib.util.find_spec("graph.semantic.rdf") is not None  # written in parallel
    return [f for f in FORMATS if rdf or f not in ("jsonld", "turtle")]


@pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")  # its JSON-LD parser
@pytest.mark.parametrize("name", _export_formats())
def test_export_writes_every_format_to_a_file(seeded, tmp_path, name):
    from graph.readwrite.formats import FORMATS
    from graph.testing import seed_index

    out = tmp_path / f"graph.{FORMATS[name].extension}"
    result = runner.invoke(cli, ["export", "--format", name, "-o", str(out), "--database-url", seeded])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    g = seed_index().g
    if name in ("jsonld", "turtle"):
        import rdflib

        assert len(rdflib.Graph().parse(data=data, format="turtle" if name == "turtle" else "json-ld")) > 0
    elif name == "csv":
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert z.read("edges.csv").decode().count("\r\n") > g.number_of_edges()
    else:
        import io

        import networkx as nx

        from graph.readwrite.exports import cytoscape_graph, node_link_graph
        from graph.readwrite.xml_exports import graphml_graph

        read = {"node-link": lambda b: node_link_graph(json.loads(b)),
                "cytoscape": lambda b: cytoscape_graph(json.loads(b)),
                "graphml": graphml_graph, "gexf": lambda b: nx.read_gexf(io.BytesIO(b))}[name]
        back = read(data)
        assert set(back) == set(g) and sorted(back.edges(keys=True)) == sorted(g.edges(keys=True))
        if name != "gexf":
            assert nx.utils.graphs_equal(back, g)


def test_export_graphml_of_a_neighbourhood_round_trips(seeded, tmp_path):
    from graph.readwrite.exports import neighborhood_graph
    from graph.readwrite.xml_exports import graphml_graph
    from graph.testing import seed_index

    out = tmp_path / "daskal.graphml"
    result = runner.invoke(cli, ["export", "-f", "graphml", "--entity", "Daskal", "--depth", "2", "-o", str(out),
                                 "--database-url", seeded])
    assert result.exit_code == 0, result.output
    g, expected = graphml_graph(out.read_bytes()), neighborhood_graph(seed_index(), "jen-daskal", depth=2)
    assert dict(g.nodes(data=True)) == dict(expected.nodes(data=True))
    assert sorted(g.edges(keys=True, data="id")) == sorted(expected.edges(keys=True, data="id"))


def test_export_text_formats_go_to_stdout(seeded):
    import io

    import networkx as nx

    result = runner.invoke(cli, ["export", "-f", "gexf", "--entity", "wang-xiaohong", "--database-url", seeded])
    assert result.exit_code == 0, result.output
    g = nx.read_gexf(io.BytesIO(result.stdout_bytes))
    assert set(g) == {"wang-xiaohong", "china", "daskal-wang-meeting", "jen-daskal"}


def test_export_csv_to_a_pipe_is_a_zip(seeded):
    import io
    import zipfile

    result = runner.invoke(cli, ["export", "-f", "csv", "--database-url", seeded])
    assert result.exit_code == 0, result.output
    assert zipfile.ZipFile(io.BytesIO(result.stdout_bytes)).namelist() == ["nodes.csv", "edges.csv"]


def test_export_rejects_an_unknown_entity_and_a_bad_depth(seeded):
    unknown = runner.invoke(cli, ["export", "-f", "graphml", "--entity", "daskl", "--database-url", seeded])
    assert unknown.exit_code == 1
    assert "No entity matches 'daskl'" in unknown.stderr and "Jen Daskal" in unknown.stderr
    deep = runner.invoke(cli, ["export", "-f", "graphml", "--entity", "daskal", "--depth", "4",
                               "--database-url", seeded])
    assert deep.exit_code == 2
    listed = runner.invoke(cli, ["export", "--format", "png", "--database-url", seeded])
    assert listed.exit_code == 2
    assert "is not one of node-link, cytoscape, graphml, gexf, jsonld, turtle, csv" in listed.stderr


def test_a_read_only_database_is_one_line_not_a_traceback(tmp_path):
    """The operator's condition, named in one line (as the API's 503 names it), exit 1, nothing written."""
    import subprocess
    import sys
    from pathlib import Path

    storygraph = str(Path(sys.executable).parent / "storygraph")
    path = tmp_path / "ro.db"
    subprocess.run([storygraph, "db", "upgrade", "--database-url", f"sqlite:///{path}"], check=True,
                   capture_output=True)
    ro = f"sqlite:///file:{path}?mode=ro&uri=true"  # what a read-only file or mount gives (as root, chmod does not)
    done = subprocess.run([storygraph, "ingest", SEED, "--database-url", ro], capture_output=True, text=True,
                          timeout=300, check=False)  # it must fail, and say why
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "storygraph: The database is read-only (its file, folder or server takes no writes); nothing was written. "
        "Reads still work."]
    listed = subprocess.run([storygraph, "export", "--format", "node-link", "--database-url", ro],
                            capture_output=True, text=True, timeout=300, check=False)
    assert listed.returncode == 0 and json.loads(listed.stdout)["nodes"] == []
