"""Keeping the served graph equal to the stored one, across processes.

Every API process holds an immutable :class:`GraphIndex`. A write through any
process bumps ``graph_state.revision`` in the database; each process reads
that number at most every ``interval`` seconds (one indexed row: cheap) and,
when it moved, builds a new index and swaps it in. Readers keep whichever
index they started with, so a reload never shows a half-built graph.

The same check watches the database itself. When it cannot read the revision
(the PostgreSQL server stopped, the SQLite file moved away or replaced), the
process is *down*: the connection pool is dropped, and every read answers a 503
problem (``StoreUnavailable``) rather than a graph that may no longer be the
stored one, until a check succeeds again. Checks go on at the same interval,
so the process recovers by itself, without a restart, once the database is
back; if the revision moved meanwhile, the graph is rebuilt first.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from graph.errors import StoreUnavailable
from graph.index import GraphIndex, load_index
from graph.store import stored_revision

log = logging.getLogger("storygraph.api")


class GraphReloader:
    def __init__(self, engine: Engine, *, interval: float = 0.25) -> None:
        self.engine = engine
        self.interval = interval
        self._lock = threading.Lock()
        self._next_check = 0.0
        self._down: str | None = None  # why the last check failed; None while the database answers

    def load(self) -> GraphIndex:
        with Session(self.engine) as session:
            return load_index(session)

    def due(self) -> bool:
        return time.monotonic() >= self._next_check

    @property
    def down(self) -> bool:
        return self._down is not None

    def current(self, state, *, force: bool = False) -> GraphIndex | None:
        """``state.index``, reloaded first if the stored revision moved since it was built.

        Raises :class:`StoreUnavailable` while the database cannot be read (checked
        again every ``interval``); ``force`` checks now, whatever the interval.
        """
        if state.index is None or not (force or self.due()):
            return self._served(state)
        with self._lock:
            if force or self.due():  # else another thread checked while we waited
                self._check(state)
        return self._served(state)

    def _served(self, state) -> GraphIndex | None:
        if self._down is not None:
            raise StoreUnavailable("The database cannot be reached; retry shortly")
        return state.index

    def _check(self, state) -> None:
        try:
            with self.engine.connect() as conn:
                revision = stored_revision(conn)
            if state.index is not None and revision != state.index.stored_revision:
                state.index = self.load()
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
        self._next_check = time.monotonic() + self.interval

    def reload(self, state) -> GraphIndex:
        """Rebuild now: after this process's own write, so it reads its writes at once."""
        with self._lock:
            state.index = self.load()
            self._down = None
            self._next_check = time.monotonic() + self.interval
        return state.index


def _first_line(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
