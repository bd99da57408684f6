"""Dependencies the routers share: the graph index, a database session, pagination, entity references
(and the 308 for a merged one), the time window of the lists.

Routers import from here (and from the small app/ modules: exports, negotiation), never from one
another: tests/api/test_layering.py checks it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, ParamSpec, TypeVar
from urllib.parse import quote

from fastapi import Depends, Query, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from graph.algorithms import queries
from graph.errors import StoreUnavailable
from graph.indexing.index import GraphIndex

from .errors import EntityMoved
from .runtime import Runtime
from .runtime import of as runtime_of
from .schemas import Page

T = TypeVar("T")
P = ParamSpec("P")

# The API's version prefix, declared once: app.main mounts every router but health's under it.
V1 = "/v1"


def get_runtime(request: Request) -> Runtime:
    return runtime_of(request.app)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def current_index(runtime: RuntimeDep) -> GraphIndex:
    """The index this process serves now, without holding it: for writers, which must not read under a lock."""
    ix = runtime.current_index()
    if ix is None:
        raise StoreUnavailable("The graph is not loaded yet")
    return ix


def get_index(runtime: RuntimeDep) -> GraphIndex:
    """The index an endpoint reads, not yet held: :func:`reads_index` holds it while the endpoint runs."""
    return current_index(runtime)


def reads_index(endpoint: Callable[P, T]) -> Callable[P, T]:
    """Run a (plain ``def``) endpoint that takes ``ix: IndexDep`` with the index held for reading.

    The lock is taken in the worker thread that runs the endpoint and let go as
    it returns, so it is held only while the endpoint computes (about a
    millisecond), never while the request waits for the event loop or for a
    thread. Held from the dependency to the response instead, it spanned
    several such waits: under 64 readers each held it ~200 ms while computing
    0.2 ms, there was never a moment with no reader inside, and a write's
    catch-up (app/reload.py) waited 5-60 s for one. What the endpoint returns
    is plain data that a revision replaces and never mutates, so it is
    serialized and sent with nothing held.
    """
    if "ix" not in inspect.signature(endpoint).parameters or inspect.iscoroutinefunction(endpoint):
        raise TypeError(f"{endpoint.__name__}: reads_index wraps a plain def endpoint with an 'ix' parameter")

    @functools.wraps(endpoint)
    def held(*args: P.args, **kwargs: P.kwargs) -> T:
        ix = kwargs["ix"]
        assert isinstance(ix, GraphIndex)
        with ix.lock.reading():
            return endpoint(*args, **kwargs)

    READERS.add(held)
    return held


READERS: set[Callable[..., object]] = set()  # the endpoints reads_index wraps (tests/api/test_layering.py)


def get_engine(runtime: RuntimeDep) -> Engine:
    if runtime.engine is None:
        raise StoreUnavailable()
    return runtime.engine


IndexDep = Annotated[GraphIndex, Depends(get_index)]  # read it in an endpoint wrapped in @reads_index
CurrentIndexDep = Annotated[GraphIndex, Depends(current_index)]
EngineDep = Annotated[Engine, Depends(get_engine)]


def get_session(engine: EngineDep) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def resolve(ix: GraphIndex, ref: str, parameter: str) -> str:
    """The entity id ``ref`` names: an id, a name or an alias (404/409 problems name ``parameter``).

    An id merged into another entity names that entity (``GraphIndex.redirects``)."""
    redirects = ix.redirects
    if ref not in ix.g and ref in redirects:
        return redirects[ref]
    return ix.names.resolve(ref, parameter=parameter)


def resolve_optional(ix: GraphIndex, ref: str | None, parameter: str) -> str | None:
    return None if ref is None else resolve(ix, ref, parameter)


# Larger offsets overflow the databases' integers (a 500 before this bound); no list is that long.
MAX_OFFSET = 2**31 - 1


class Pagination:
    """``limit`` (1..500, default 50) and ``offset`` (0..2**31-1) on every list."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500, description="Items per page")] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
    ) -> None:
        self.limit, self.offset = limit, offset

    def page(self, items: Sequence[T]) -> Page[T]:
        return Page(items=list(items[self.offset : self.offset + self.limit]), total=len(items),
                    limit=self.limit, offset=self.offset)


PageDep = Annotated[Pagination, Depends()]

# An entity reference in the path: id, canonical name or alias, any case, punctuation ignored.
REF_DOC = "Entity id, canonical name or alias; case and punctuation are ignored (\"us\" finds \"U.S.\")"

# A header on the answers that may be cut (a neighbourhood, a picture, a SPARQL answer).
TRUNCATED_HEADER = "Storygraph-Truncated"

ENTITIES = V1 + "/entities/"


def redirect_merged(request: Request, ix: IndexDep) -> None:
    """308 to the merge target when the path's ``{ref}`` is an id merged away (and not an entity again).

    A dependency of the entities router: ``GET /v1/entities/{old id}`` and its sub-resources."""
    ref = request.path_params.get("ref")
    with ix.lock.reading():  # only while it looks (see reads_index)
        if not ref or ref in ix.g or ref not in getattr(ix, "redirects", {}):
            return
        new = ix.redirects[ref]
    parts = request.url.path.split("/")  # ['', 'v1', 'entities', ref, ...rest]
    location = ENTITIES + quote(new, safe="") + "".join("/" + p for p in parts[4:])
    if request.url.query:
        location += "?" + request.url.query
    raise EntityMoved(ref, new, location)


_BOUND = "A date or partial date: 2023, 2023-11 or 2023-11-15"
_UNDATED = ("Keep items without a date. Default: true when neither `from` nor `to` is given, "
            "false when one is")

# The time window the lists of relations, claims and events share (see graph.algorithms.queries.TimeWindow).
FromParam = Annotated[str | None, Query(alias="from", description=_BOUND + "; items ending before it are left out")]
ToParam = Annotated[str | None, Query(alias="to", description=_BOUND + "; items starting after it are left out")]
UndatedParam = Annotated[bool | None, Query(description=_UNDATED)]


def time_window(start: FromParam = None, end: ToParam = None, include_undated: UndatedParam = None
                ) -> queries.TimeWindow:
    """The window of ``from``/``to``/``include_undated``; a malformed date is a 422 naming its parameter."""
    return queries.TimeWindow.parse(start, end, include_undated)


# The three parameters and their window, for an endpoint that filters by time (relations, claims, entity relations).
WindowDep = Annotated[queries.TimeWindow, Depends(time_window)]
