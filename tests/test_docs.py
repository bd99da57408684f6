"""The README and docs/ stay true: their commands, their generated tables, their examples and their links."""

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from graph.vocabulary import PREDICATES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
         for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]}


def _page(name: str) -> str:
    return PAGES[f"docs/{name}"]


def _commands() -> list[str]:
    block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    return block.strip().splitlines()


def test_readme_opens_with_the_run_and_test_commands():
    run, test = _commands()
    assert run.startswith("python3 -m venv .venv") and run.endswith("storygraph serve")
    assert test.startswith("python3 -m venv .venv") and test.endswith(".venv/bin/pytest")


def test_ci_runs_the_readme_test_command():
    _, test = _commands()
    assert test in (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()


def test_the_readme_is_a_front_page_not_the_manual():
    assert len(README.splitlines()) <= 150
    assert "](docs/index.md)" in README


def _build_site(root: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of the docs under ``root``: offline (its own theme), a warning fails it."""
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"),
                           "-d", str(out)], cwd=root, capture_output=True, text=True, timeout=120, check=False)


def test_the_docs_build_as_a_site_with_warnings_as_errors(tmp_path: Path):
    built = _build_site(ROOT, tmp_path / "site")
    assert built.returncode == 0, built.stdout + built.stderr
    pages = {p.parent.relative_to(tmp_path / "site").as_posix() for p in (tmp_path / "site").rglob("index.html")}
    assert {"api", "writing", "knowledge-model", "rdf-sparql", "operations", "development"} <= pages
    assert "TypeScript client" in (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("breakage", ["[a page](missing.md)", "[an anchor](api.md#no-such-heading)",
                                      "[the README](../README.md)"])
def test_the_site_build_fails_on_a_broken_link(tmp_path: Path, breakage: str):
    """The check can fail: a copy of the docs with one bad link does not build."""
    copy = tmp_path / "copy"
    (copy / "docs").mkdir(parents=True)
    (copy / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), encoding="utf-8")
    for page in (ROOT / "docs").glob("*.md"):
        (copy / "docs" / page.name).write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    index = copy / "docs" / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + f"\nSee {breakage}.\n", encoding="utf-8")
    built = _build_site(copy, tmp_path / "site")
    assert built.returncode != 0 and "WARNING" in built.stdout + built.stderr


def test_no_page_says_every_endpoint_is_a_get():
    """The write API has POST, PUT and DELETE: the old "All endpoints are `GET`" was wrong beside it."""
    for name, text in PAGES.items():
        assert not re.search(r"all endpoints are `?GET", text, re.I), name


def test_the_generated_tables_match_the_code():
    """cog regenerates the vocabulary, settings and CLI tables (scripts/doc_tables.py); --check fails on drift."""
    checked = subprocess.run([sys.executable, "-m", "cogapp", "--check", "-I", str(ROOT), *PAGES],
                             cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert checked.returncode == 0, (
        f"{checked.stdout}{checked.stderr}\nregenerate: .venv/bin/cog -r -I . README.md docs/*.md")


def test_the_table_script_examples_run():
    """pytest collects doctests from graph/ and tests/ only: the examples of scripts/doc_tables.py run here."""
    import doctest

    from scripts import doc_tables

    result = doctest.testmod(doc_tables)
    assert result.attempted > 0 and result.failed == 0


def test_every_predicate_is_documented():
    for name, p in PREDICATES.items():
        assert f"| `{name}` | {p.meaning} |" in _page("writing.md"), name


def test_every_setting_and_command_is_documented():
    import typer

    from app.cli import cli
    from app.settings import Settings

    operations = _page("operations.md")
    for name in Settings.model_fields:
        assert f"`STORYGRAPH_{name.upper()}`" in operations, name
    for name in typer.main.get_command(cli).commands:
        assert f"`storygraph {name} " in operations, name


def test_the_limits_table_is_the_gates():
    from app.gates import LIMITS

    for kind, lim in LIMITS.items():
        row = f"| {kind} | {lim.what} | {lim.slots} | {lim.queue} | {lim.wait:g} s | {lim.retry_after} s |"
        assert row in _page("operations.md"), row


def test_the_node_link_example_loads_the_graph(tmp_path, monkeypatch):
    """The API page's Python for node-link runs as written, on the file its curl saves."""
    import networkx as nx

    from graph.readwrite.exports import node_link_bytes
    from graph.testing import seed_index

    examples = [(name, b) for name, text in PAGES.items()
                for b in re.findall(r"^```python\n(.*?)^```", text, re.M | re.S) if "node_link_graph" in b]
    assert [name for name, _ in examples] == ["docs/api.md"], "docs/api.md shows how to load node-link with NetworkX"
    ix = seed_index()
    (tmp_path / "g.json").write_bytes(node_link_bytes(ix, ix.g))
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(examples[0][1], "docs/api.md", "exec"), scope)
    g = scope["g"]
    assert isinstance(g, nx.MultiDiGraph) and nx.utils.graphs_equal(g, ix.g)
    assert 'edges="edges"' in examples[0][1] and 'link="edges"' in examples[0][1]


# --- links ------------------------------------------------------------------

def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces to hyphens.

    >>> _slug("Writing: the write API")
    'writing-the-write-api'
    >>> _slug("RDF: JSON-LD and Turtle")
    'rdf-json-ld-and-turtle'
    """
    text = re.sub(r"[`*_]|\[|\]\([^)]*\)", "", heading).strip().lower()
    text = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return text.replace(" ", "-")


def _anchors(text: str) -> set[str]:
    """The anchors of a page's headings (outside code blocks), numbered as GitHub numbers repeats."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in re.findall(r"^#{1,6} (.+)$", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S), re.M):
        slug = _slug(heading)
        anchors.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _links():
    for name, text in PAGES.items():
        prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
        prose = re.sub(r"`[^`\n]*`", "", prose)
        for target in re.findall(r"\]\(([^)\s]+)\)", prose):
            if not re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: are not ours to check
                yield name, target


LINKS = sorted(set(_links()))


def test_the_pages_link_to_each_other():
    assert len(LINKS) > 20


@pytest.mark.parametrize(("page", "target"), LINKS, ids=[f"{p}->{t}" for p, t in LINKS])
def test_every_relative_link_points_at_a_file_and_anchor(page, target):
    path, _, anchor = target.partition("#")
    file = (ROOT / page).parent / path if path else ROOT / page
    assert file.resolve().is_relative_to(ROOT) and file.exists(), f"{page}: no file {path}"
    if anchor:
        assert file.suffix == ".md", f"{page}: an anchor into {path}, which is not a page"
        text = PAGES.get(file.resolve().relative_to(ROOT).as_posix())
        assert text is not None and anchor in _anchors(text), f"{page}: {path or page} has no heading #{anchor}"
