"""Run ``storygraph`` or ``uvicorn`` so that it stops at a named point of an ingestion, to be killed there.

    python -m tests.faults.killpoint POINT[:N] -- storygraph ARGS...
    python -m tests.faults.killpoint POINT[:N] -- uvicorn ARGS...

The N-th time (default 1) the process reaches POINT it writes one line,
``POINT <detail>``, to the file descriptor named by ``KILLPOINT_FD`` and then
sleeps until it is killed (``commit-race`` alone goes on at once: the caller
kills it while it commits). The points are patched in here, by wrapping the
product's functions; nothing in the product knows about them:

- ``verify``: the N-th story's verification begins (the stories before it are
  already written, uncommitted; the write lock is held).
- ``rows``: the N-th story's rows are all written (flushed), before its
  full-text documents, its revision bump and the commit; the detail is the
  number of relation rows the transaction sees.
- ``commit``: the ingestion's COMMIT is about to be sent.
- ``commit-race``: the same, but without stopping.
- ``committed``: the COMMIT returned, before the command reports.
"""

from __future__ import annotations

import os
import sys
import time

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession

import graph.ingest
import graph.storage.search
import graph.storage.store
from graph.storage.tables import RelationRow

SLEEP = 120  # seconds: far longer than any test waits; the process is killed long before


def main() -> None:
    spec, separator, program, *args = sys.argv[1:]
    assert separator == "--", __doc__
    point, _, nth = spec.partition(":")
    target = int(nth or 1)
    fd = int(os.environ["KILLPOINT_FD"])
    seen = {"count": 0, "armed": False}

    def reached(name: str, detail: str = "", *, stop: bool = True) -> None:
        if name != point:
            return
        seen["count"] += 1
        if seen["count"] != target:
            return
        os.write(fd, f"{name} {detail}\n".encode())
        if stop:
            time.sleep(SLEEP)
            os._exit(99)  # never reached in a passing test

    verify = graph.ingest.verify

    def verifying(*a, **kw):
        reached("verify")
        return verify(*a, **kw)

    graph.ingest.verify = verifying

    index_article = graph.storage.search.index_article

    def indexing(session, *a, **kw):
        if point == "rows":
            reached("rows", str(session.execute(select(func.count()).select_from(RelationRow)).scalar_one()))
        return index_article(session, *a, **kw)

    graph.storage.search.index_article = indexing

    bump = graph.storage.store.bump_revision

    def bumping(session):
        seen["armed"] = True  # the next commit is the ingestion's
        return bump(session)

    graph.storage.store.bump_revision = bumping

    @event.listens_for(Engine, "commit")
    def committing(_conn):
        if seen["armed"]:
            reached("commit")
            reached("commit-race", stop=False)

    @event.listens_for(OrmSession, "after_commit")
    def committed(_session):
        if seen["armed"]:
            reached("committed")

    if program == "storygraph":
        from app.cli import main as storygraph

        sys.argv = ["storygraph", *args]
        storygraph()
    elif program == "uvicorn":
        from uvicorn.main import main as uvicorn

        sys.argv = ["uvicorn", *args]
        uvicorn()
    else:
        raise SystemExit(f"unknown program {program!r}")


if __name__ == "__main__":
    main()
