"""Keeping the served graph equal to the stored one, across processes, without stalling readers.

Every API process holds one :class:`GraphIndex`. A write through any process
bumps ``graph_state.revision`` and logs the ids it touched (``graph/storage/changes.py``).
Each process reads that number at most every ``interval`` seconds (one
indexed row: cheap) and, when it moved, a background thread moves the index
forward: it reads the touched rows in one snapshot, then takes the index's
lock for writing just long enough to apply them (milliseconds for an
article). Requests never wait for that work; they are served the index as it
stands, and a reader inside the lock never sees half a revision.

Where the change log cannot say what changed (pruned, or a change too large
to apply piecemeal, like a bulk ingest of thousands of articles), the thread
builds a whole new index off the request path and swaps it in when done.

The same check watches the database itself. When it cannot read the revision
(the PostgreSQL server stopped, the SQLite file moved away or replaced), the
process is *down*: the connection pool is dropped, and every read answers a 503
problem (``StoreUnavailable``) rather than a graph that may no longer be the
stored one, until a check succeeds again. Checks go on at the same interval,
so the process recovers by itself, without a restart, once the database is
back.

The reloader owns none of this state: it reads the served index from the
:class:`~app.runtime.Runtime` and hands it a new one through ``Runtime.serve``.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from graph.errors import StoreUnavailable
from graph.indexing.index import GraphIndex, load_index, read_changes
from graph.storage import changes
from graph.storage.store import stored_revision

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger("storygraph.api")

REBUILD_PAST = 50_000  # touched ids past which a fresh index is built instead (bulk ingests)
LOCK_TRY = 0.05  # seconds an apply waits for readers inside before letting new ones in again


class GraphReloader:
    def __init__(self, engine: Engine, *, interval: float = 0.25, rebuild_past: int = REBUILD_PAST) -> None:
        self.engine = engine
        self.interval = interval
        self.rebuild_past = rebuild_past
        self._lock = threading.Lock()
        self._next_check = 0.0
        self._down: str | None = None  # why the last check failed; None while the database answers
        self._worker: threading.Thread | None = None
        self.rebuilds = 0  # full rebuilds after start (bench and tests read it)
        self.applied = 0  # revisions moved forward by the change log

    @contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        """One read transaction: every read in it sees one revision (PostgreSQL: REPEATABLE READ)."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def load(self) -> GraphIndex:
        with self._snapshot() as conn:
            ix = load_index(conn)
        _settle(ix)
        return ix

    def due(self) -> bool:
        return time.monotonic() >= self._next_check

    @property
    def down(self) -> bool:
        return self._down is not None

    def current(self, runtime: Runtime, *, force: bool = False) -> GraphIndex | None:
        """``runtime.index``; if the stored revision moved since it was built, moving it forward starts.

        Raises :class:`StoreUnavailable` while the database cannot be read (checked
        again every ``interval``); ``force`` checks now, whatever the interval.
        """
        if runtime.index is None or not (force or self.due()):
            return self._served(runtime)
        with self._lock:
            if force or self.due():  # else another thread checked while we waited
                self._check(runtime)
        return self._served(runtime)

    def catch_up(self, runtime: Runtime, *, timeout: float = 60.0) -> GraphIndex | None:
        """After this process's own write: move forward now and wait, so it reads its writes at once."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                revision = self._check(runtime)
                worker = self._worker
            if worker is not None:
                worker.join(max(0.0, deadline - time.monotonic()))
            ix = runtime.index
            if revision is None or ix is None or ix.stored_revision >= revision or time.monotonic() >= deadline:
                return self._served(runtime)

    def _served(self, runtime: Runtime) -> GraphIndex | None:
        if self._down is not None:
            raise StoreUnavailable("The database cannot be reached; retry shortly")
        return runtime.index

    def _check(self, runtime: Runtime) -> int | None:
        """Read the stored revision (None: the database is down); start moving forward if it moved."""
        revision = None
        try:
            with self.engine.connect() as conn:
                revision = stored_revision(conn)
        except PoolTimeout as exc:  # every pooled connection is busy: the database is there, the pool is full
            log.warning("No pooled connection for the revision check; serving revision %s: %s",
                        runtime.index.stored_revision if runtime.index else None, _first_line(exc))
            self._next_check = time.monotonic() + self.interval
            return None
        except SQLAlchemyError as exc:
            if self._down is None:
                log.error("The database cannot be reached; answering 503 until it is back: %s",
                          _first_line(exc))
                self.engine.dispose()  # no pooled connection to a dead server or a vanished file outlives this
            self._down = _first_line(exc)
        else:
            if self._down is not None:
                log.warning("The database is back; serving revision %s", revision)
            self._down = None
            ix = runtime.index
            if ix is not None and revision != ix.stored_revision and not (self._worker and self._worker.is_alive()):
                self._worker = threading.Thread(target=self._advance, args=(runtime,), daemon=True,
                                                name="storygraph-index")
                self._worker.start()
        self._next_check = time.monotonic() + self.interval
        return revision

    def _advance(self, runtime: Runtime) -> None:
        """Move ``runtime.index`` to the stored revision (in a thread of its own)."""
        ix = runtime.index
        if ix is None:  # shut down meanwhile
            return
        try:
            with self._snapshot() as conn:
                target = stored_revision(conn)
                if target == ix.stored_revision:
                    return
                found = changes.since(conn, ix.stored_revision, target)
                if found is None or len(found) > self.rebuild_past:
                    new = load_index(conn)
                    rows = None
                else:
                    rows, redirects = read_changes(conn, found)
            if rows is None:
                runtime.serve(new)  # readers inside the old index finish there
                ix.lock.acquire_write()  # ... and once they have, nothing holds it: it can be collected
                ix.lock.release_write()
                del ix
                _settle(new)
                self.rebuilds += 1
                log.info("Rebuilt the graph at revision %s (%s)", new.revision,
                         "the change log did not cover it" if found is None else f"{len(found)} ids changed")
                return
            while not ix.lock.acquire_write(timeout=LOCK_TRY):
                if runtime.index is not ix:
                    return
                time.sleep(LOCK_TRY)  # a long reader is inside: let the others flow, then try again
            assert found is not None  # rows were read from it
            try:
                replaced = ix.apply(found, rows, redirects)
            finally:
                ix.lock.release_write()
            del replaced  # freed here, with readers back in
            self.applied += 1
        except SQLAlchemyError as exc:  # the next check finds the database down, or tries again
            log.warning("Could not move the graph forward: %s", _first_line(exc))
        except Exception:  # pragma: no cover - a bug: serve the old graph, rebuild at the next check
            log.exception("Could not move the graph forward; rebuilding")
            try:
                runtime.serve(self.load())
                self.rebuilds += 1
            except SQLAlchemyError as exc:
                log.warning("Could not rebuild the graph: %s", _first_line(exc))


def _settle(ix: GraphIndex) -> None:
    """Keep the index (and what the process has loaded) out of the garbage collector's full passes.

    A full collection walks every container object: over a million
    relations' dicts that was a pause of 0.5-1 s in whatever request
    triggered it (bench/, p99). Even the seed's process (mostly the
    libraries' own objects) paused ~400 ms, and the event loop with it:
    ``/healthz`` p99 under ``bench.hostile`` was 400 ms, 53 ms frozen; at
    50,000 relations, 505 ms and 222 ms. ``gc.freeze`` moves what exists now, the
    index, to a generation no pass visits; it is unfrozen first, so the
    index this one replaced can still be collected.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _first_line(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
