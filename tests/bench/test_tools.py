"""The runner prints its table; the load script finishes clean; both talk to 127.0.0.1 only."""

from __future__ import annotations

import pytest

from bench import load, run
from bench.http import loopback_only


def test_loopback_only():
    assert loopback_only("http://127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert loopback_only("http://localhost:81/x") == ("127.0.0.1", 81)
    for url in ("http://10.0.0.1:8000", "http://example.com", "https://127.0.0.1", "http://0.0.0.0:80"):
        with pytest.raises(ValueError):
            loopback_only(url)
    with pytest.raises(ValueError):
        load.main(["--url", "http://192.168.1.2:8000"])


def test_run_prints_one_table_with_every_column(tmp_path, capsys):
    code = run.main(["--scale", "6", "--workdir", str(tmp_path), "--duration", "0.3", "--concurrency", "4",
                     "--tail", "2", "--tail-path", "1", "--kuzu-budget", "1", "--time-limit", "120"])
    assert code == 0
    out = capsys.readouterr().out
    table = [line for line in out.splitlines() if line.startswith("|")]
    assert len(table) == 3  # header, rule, one row
    header = [c.strip() for c in table[0].strip("|").split("|")]
    assert header == run.COLUMNS
    row = [c.strip() for c in table[2].strip("|").split("|")]
    assert len(row) == len(header) and row[0] == "6"
    cells = dict(zip(header, row))
    for name in run.ENDPOINTS + [f"Kùzu {q}" for q in run.KUZU_QUERIES] + ["cold s", "RSS MB", "DB MB",
                                                                           "write_story rel/s at size"]:
        assert cells[name] not in ("–", ""), name
    assert " E" not in " ".join(cells[e] for e in run.ENDPOINTS)  # no errors
    assert not list(tmp_path.glob("*.db"))  # databases removed


def test_load_finishes_without_errors_or_lost_writes(tmp_path, capsys):
    code = load.main(["--articles", "8", "--connections", "4", "--duration", "3", "--write-interval", "0.5",
                      "--settle", "15", "--workdir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "| **all** |" in out
    writes = next(line for line in out.splitlines() if line.startswith("writes:"))
    sent = int(writes.split()[1])
    assert sent >= 3 and f"{sent} stored and served" in writes and "0 lost" in writes
