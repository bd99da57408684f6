"""Keeping the served graph equal to the stored one, across processes.

Every API process holds an immutable :class:`GraphIndex`. A write through any
process bumps ``graph_state.revision`` in the database; each process reads
that number at most every ``interval`` seconds (one indexed row: cheap) and,
when it moved, builds a new index and swaps it in. Readers keep whichever
index they started with, so a reload never shows a half-built graph.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from graph.errors import StoreUnavailable
from graph.index import GraphIndex, load_index
from graph.store import stored_revision


class GraphReloader:
    def __init__(self, engine: Engine, *, interval: float = 0.25) -> None:
        self.engine = engine
        self.interval = interval
        self._lock = threading.Lock()
        self._next_check = 0.0

    def load(self) -> GraphIndex:
        with Session(self.engine) as session:
            return load_index(session)

    def due(self) -> bool:
        return time.monotonic() >= self._next_check

    def current(self, state) -> GraphIndex | None:
        """``state.index``, reloaded first if the stored revision moved since it was built."""
        if state.index is None or not self.due():
            return state.index
        with self._lock:
            if not self.due():  # another thread checked while we waited
                return state.index
            try:
                with self.engine.connect() as conn:
                    revision = stored_revision(conn)
                if state.index is not None and revision != state.index.stored_revision:
                    state.index = self.load()
            except DBAPIError as exc:  # checked again on the next request
                raise StoreUnavailable() from exc
            self._next_check = time.monotonic() + self.interval
        return state.index

    def reload(self, state) -> GraphIndex:
        """Rebuild now: after this process's own write, so it reads its writes at once."""
        with self._lock:
            state.index = self.load()
            self._next_check = time.monotonic() + self.interval
        return state.index
