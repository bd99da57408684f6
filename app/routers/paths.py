"""Paths: how two entities are connected."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from graph.algorithms import queries

from ..deps import REF_DOC, IndexDep, reads_index, resolve
from ..gates import slot
from ..piecewise import answer
from ..problems import responses
from ..schemas import Paths

router = APIRouter(prefix="/paths", tags=["paths"], responses=responses(422, 500, 503))


@router.get("", response_model=Paths, summary="Connections between two entities",
            responses=responses(404, 409), dependencies=[slot("paths")])
@reads_index
def find_paths(
    ix: IndexDep,
    source: Annotated[str, Query(description=REF_DOC)],
    target: Annotated[str, Query(description=REF_DOC)],
    max_length: Annotated[int, Query(ge=1, le=8, description="Most hops per path")] = 4,
    limit: Annotated[int, Query(ge=1, le=100, description="Most paths")] = 10,
) -> Response:
    """Shortest first, ignoring edge direction; each hop lists every relation between its two
    entities, with evidence."""
    found = queries.paths(ix, resolve(ix, source, "source"), resolve(ix, target, "target"),
                          max_length=max_length, limit=limit)
    return answer(Paths, {"paths": found}, "paths")
