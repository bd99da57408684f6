"""Dependencies: the graph index, a database session, pagination, entity references."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from graph.errors import StoreUnavailable
from graph.index import GraphIndex

from .schemas import Page

T = TypeVar("T")


def current_index(request: Request) -> GraphIndex:
    """The index this process serves now, without holding it: for writers, which must not read under a lock."""
    state = request.app.state
    reloader = getattr(state, "reloader", None)
    ix = reloader.current(state) if reloader is not None else getattr(state, "index", None)
    if ix is None:
        raise StoreUnavailable("The graph is not loaded yet")
    return ix


def get_index(request: Request) -> Iterator[GraphIndex]:
    """The index, held for reading while the endpoint runs: a revision applied meanwhile waits for it.

    Scoped to the endpoint function (not the response): what the endpoint returns is
    plain data, so sending it to a slow client holds nothing.
    """
    ix = current_index(request)
    with ix.lock.reading():
        yield ix


def get_engine(request: Request) -> Engine:
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        raise StoreUnavailable()
    return engine


IndexDep = Annotated[GraphIndex, Depends(get_index, scope="function")]
CurrentIndexDep = Annotated[GraphIndex, Depends(current_index)]
EngineDep = Annotated[Engine, Depends(get_engine)]


def get_session(engine: EngineDep) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def resolve(ix: GraphIndex, ref: str, parameter: str) -> str:
    """The entity id ``ref`` names: an id, a name or an alias (404/409 problems name ``parameter``).

    An id merged into another entity names that entity (``GraphIndex.redirects``)."""
    redirects = getattr(ix, "redirects", None) or {}
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
