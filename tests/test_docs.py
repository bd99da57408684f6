"""The README stays true: its commands, and the vocabulary it documents."""

from pathlib import Path

from graph.vocabulary import PREDICATES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


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


def test_every_predicate_is_documented():
    for name, p in PREDICATES.items():
        assert f"| `{name}` | {p.meaning} |" in README, name


def test_the_limits_table_is_the_gates():
    from app.gates import LIMITS

    for kind, lim in LIMITS.items():
        row = f"| {kind} | {lim.what} | {lim.slots} | {lim.queue} | {lim.wait:g} s | {lim.retry_after} s |"
        assert row in README, row


def test_the_readme_node_link_example_loads_the_graph(tmp_path, monkeypatch):
    """The README's Python for node-link runs as written, on the file its curl saves."""
    import re

    import networkx as nx

    from graph.exports import node_link_bytes
    from graph.testing import seed_index

    examples = [b for b in re.findall(r"^```python\n(.*?)^```", README, re.M | re.S) if "node_link_graph" in b]
    assert len(examples) == 1, "the README shows how to load node-link with NetworkX"
    ix = seed_index()
    (tmp_path / "g.json").write_bytes(node_link_bytes(ix, ix.g))
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(examples[0], "README.md", "exec"), scope)
    g = scope["g"]
    assert isinstance(g, nx.MultiDiGraph) and nx.utils.graphs_equal(g, ix.g)
    assert 'edges="edges"' in examples[0] and 'link="edges"' in examples[0]
