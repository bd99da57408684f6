"""Shared by the fault tests: table snapshots, the served graph vs the stored one, killable children."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import Integer, inspect, text
from sqlmodel import Session

from graph.indexing.index import load_index
from graph.readwrite.formats import FORMATS
from graph.storage.store import make_engine
from tests.workers.servers import ROOT

# Columns that differ between two equal ingestions: clocks, and surrogate keys that a PostgreSQL
# sequence hands out outside transactions (a killed writer uses some up).
VOLATILE = {"ingested_at", "changed_at", "merged_at"}
# A table that differs between any two databases: the random per-deployment key (migration 0005).
VOLATILE_TABLES = {"deployment_key"}


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table (the FTS5 shadow tables too), less volatile columns, in a stable order."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            out = {}
            for table in sorted(set(insp.get_table_names()) - VOLATILE_TABLES):
                cols = [c["name"] for c in insp.get_columns(table)
                        if c["name"] not in VOLATILE and not (c["name"] == "id" and isinstance(c["type"], Integer))]
                listed = ", ".join(f'"{c}"' for c in cols)
                rows = conn.execute(text(f'SELECT {listed} FROM "{table}"')).all()
                out[table] = sorted((tuple(r) for r in rows), key=repr)
            return out
    finally:
        engine.dispose()


def stored_graph(url: str) -> dict:
    """The graph a fresh session reads from the database, as node-link JSON."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            ix = load_index(session)
    finally:
        engine.dispose()
    return json.loads(FORMATS["node-link"].render(ix, ix.g))


def killpoint_child(point: str, argv: list[str], env: dict[str, str] | None = None,
                    log: Path | None = None) -> tuple[subprocess.Popen, int]:
    """Start ``python -m tests.faults.killpoint POINT -- argv``; answer it and the read end of its signal pipe."""
    read, write = os.pipe()
    env = {**(env or os.environ), "KILLPOINT_FD": str(write), "PYTHONUNBUFFERED": "1"}
    try:
        with open(log, "wb") if log else nullcontext(subprocess.DEVNULL) as out:  # the child keeps its own copy
            proc = subprocess.Popen([sys.executable, "-m", "tests.faults.killpoint", point, "--", *argv], cwd=ROOT,
                                    env=env, pass_fds=(write,), stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        os.close(write)
    return proc, read


def wait_for_point(proc: subprocess.Popen, read: int, timeout: float = 60) -> str:
    """The line the child writes when it reaches its point (its detail); fails if it ends or stalls first."""
    deadline, buf = time.monotonic() + timeout, b""
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            kill(proc)
            raise AssertionError(f"the child did not reach its kill point within {timeout} s")
        ready, _, _ = select.select([read], [], [], min(left, 0.5))
        if ready:
            chunk = os.read(read, 4096)
            if not chunk:
                raise AssertionError(f"the child exited ({proc.wait(10)}) before reaching its kill point")
            buf += chunk
    return buf.decode().split("\n", 1)[0]


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL, for real, and reap it."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
