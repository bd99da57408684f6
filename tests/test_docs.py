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
