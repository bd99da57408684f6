"""What the process runs on, in one typed object: settings, engine, tokens, gates, reloader, the served index.

``create_app`` builds one :class:`Runtime` and stores it once (``app.state.runtime``);
startup fills in the engine, the reloader and the first index, shutdown clears them.
Everything else reads it through :func:`of` (middleware, the lifespan) or the typed
dependencies of app/deps.py (``RuntimeDep``, ``IndexDep``, ``EngineDep``): one place
that says what exists and when it may be missing, instead of a ``getattr`` with a
default at each reader.

The served index changes only through :meth:`Runtime.serve`, which the reloader
(app/reload.py) calls when it has built or moved forward a newer one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.engine import Engine

from graph.indexing.index import GraphIndex

from .settings import Settings

if TYPE_CHECKING:  # app.auth and app.gates import FastAPI's request machinery; the runtime does not need them
    from .auth import Token
    from .gates import Gate
    from .reload import GraphReloader


@dataclass(eq=False)
class Runtime:
    settings: Settings
    gates: dict[str, Gate]
    engine: Engine | None = None  # None until startup, and after shutdown
    reloader: GraphReloader | None = None
    tokens: list[Token] | None = None  # read on the first write (app.auth), then kept
    startup_error: str | None = None  # why startup failed, logged once (app.problems.StartupFailure)
    readiness: asyncio.Future[Any] | None = None  # the /readyz check under way (app.routers.health)
    _index: GraphIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> GraphIndex | None:
        """The index served now, as it stands (``current_index`` also checks the stored revision)."""
        return self._index

    def serve(self, index: GraphIndex | None) -> None:
        """Serve ``index`` from now on; readers inside the one it replaces finish there."""
        self._index = index

    def current_index(self) -> GraphIndex | None:
        """The index to read now; through the reloader, which starts moving it forward if the store moved."""
        return self.reloader.current(self) if self.reloader is not None else self._index

    def catch_up(self) -> GraphIndex | None:
        """After this process's own write: move the index forward now, so the next read sees the write."""
        return self.reloader.catch_up(self) if self.reloader is not None else self._index


def of(app: Any) -> Runtime:
    """The runtime of a FastAPI (or Starlette) application ``create_app`` built."""
    return cast(Runtime, app.state.runtime)
