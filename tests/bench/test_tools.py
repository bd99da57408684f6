"""The runner prints its table; the load script finishes clean; both talk to 127.0.0.1 only."""

from __future__ import annotations

import pytest

from bench import load, run, wrk
from bench.http import loopback_only


def test_loopback_only():
    assert loopback_only("http://127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert loopback_only("http://localhost:81/x") == ("127.0.0.1", 81)
    for url in ("http://10.0.0.1:8000", "http://example.com", "https://127.0.0.1", "http://0.0.0.0:80"):
        with pytest.raises(ValueError):
            loopback_only(url)
    with pytest.raises(ValueError):
        load.main(["--url", "http://192.168.1.2:8000"])


def test_run_prints_one_table_and_judges_every_goal(tmp_path, capsys):
    """A tiny scale point end to end: real servers (the product and the bare app), wrk, writes, the CLI's ingest,
    exports and Kùzu. The figures are not checked (they are the bench's to print), only that each was measured."""
    try:
        wrk.wrk_path()
    except wrk.WrkMissing as exc:
        pytest.skip(str(exc))
    code = run.main(["--scale", "6", "--workdir", str(tmp_path / "work"), "--stores", str(tmp_path / "stores"),
                     "--duration", "1", "--repeats", "1", "--connections", "4", "--writes", "2",
                     "--ingest-articles", "2", "--kuzu-budget", "1"])
    assert code == 0
    out = capsys.readouterr().out
    table = [line for line in out.splitlines() if line.startswith("|")]
    header = [c.strip() for c in table[0].strip("|").split("|")]
    assert header == ["measure", "6"]
    body = [[c.strip() for c in line.strip("|").split("|")] for line in table[2:]]
    assert [r[0] for r in body] == [name for name, _ in run.rows([run.Point("6")])]
    for name, cell in body:
        assert cell not in ("–", ""), name  # every figure was measured
        assert " E" not in cell and "HTTP" not in cell, (name, cell)  # no errors, every export a 200
    verdicts = [line for line in out.splitlines() if line.startswith(("- MET: ", "- MISSED: "))]
    assert "Goals at 6 (sqlite)" in out and len(verdicts) >= 24
    assert "- MET: no errors in the read mix — 0" in verdicts
    assert any(v.startswith("- MET: POST of a 50-relation article") or "2/2 created" in v for v in verdicts)
    assert any("2 of 2 articles stored, exit 0" in v for v in verdicts)  # the CLI stored both, all or nothing
    assert not list((tmp_path / "work").glob("*.db"))  # the run's database removed


def test_load_finishes_without_errors_or_lost_writes(tmp_path, capsys):
    """Three writes are sent however slow the machine is (--min-writes), and every one is confirmed served."""
    code = load.main(["--articles", "8", "--connections", "4", "--duration", "3", "--write-interval", "0.5",
                      "--min-writes", "3", "--settle", "120", "--workdir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "| **all** |" in out
    writes = next(line for line in out.splitlines() if line.startswith("writes:"))
    sent = int(writes.split()[1])
    assert sent >= 3 and f"{sent} stored and served" in writes and "0 refused" in writes and "0 lost" in writes
