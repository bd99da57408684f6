"""Entities: search, one entity, its relations, its neighbourhood."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response

from graph.algorithms import pathfind, queries
from graph.algorithms.paging import LazyList
from graph.indexing.index import GraphIndex
from graph.vocabulary import EntityType

from ..deps import (
    REF_DOC,
    TRUNCATED_HEADER,
    IndexDep,
    PageDep,
    WindowDep,
    reads_index,
    redirect_merged,
    resolve,
)
from ..exports import AcceptHeader, FormatQuery, choose_format, media_responses, neighborhood_export
from ..gates import slot
from ..piecewise import answer
from ..problems import MOVED, responses
from ..schemas import Entity, EntityHit, Neighborhood, NodeLinkGraph, Page, Relation

# An id merged into another entity answers 308 to it on every route with {ref} (app.deps.redirect_merged).
router = APIRouter(prefix="/entities", tags=["entities"], responses=responses(422, 500, 503),
                   dependencies=[Depends(redirect_merged)])

RefPath = Annotated[str, Path(description=REF_DOC, examples=["jen-daskal", "Daskal", "us"])]


@router.get("", response_model=Page[EntityHit], summary="Search or list entities", operation_id="searchEntities")
@reads_index
def list_entities(
    ix: IndexDep,
    page: PageDep,
    q: Annotated[str | None, Query(description="Matched against names and aliases: exact, then prefix, then fuzzy",
                                   max_length=200)] = None,
    type: Annotated[EntityType | None, Query(description="Only entities of this type")] = None,
) -> Page[dict[str, Any]]:
    """With `q`, entities ranked by how well `q` matches a name or alias, each with its `score`;
    without it, every entity sorted by name (`score` null)."""
    if q is not None and q.strip():
        total, matches = ix.names.search_page(q, offset=page.offset, limit=page.limit,
                                              type=type.value if type is not None else None)
        return Page(items=[queries.entity(ix, m.id) | {"score": m.score} for m in matches], total=total,
                    limit=page.limit, offset=page.offset)
    by_name = ix.orders.names if type is None else ix.orders.types.get(type.value)
    keys = by_name.keys if by_name is not None else []
    return page.page(LazyList(keys, lambda k: queries.entity(ix, k[-1]) | {"score": None}))


@router.get("/{ref}", response_model=Entity, summary="One entity", responses={**responses(404, 409), **MOVED})
@reads_index
def get_entity(ix: IndexDep, ref: RefPath) -> dict[str, Any]:
    return queries.entity(ix, resolve(ix, ref, "ref"))


@router.get("/{ref}/relations", response_model=Page[Relation], summary="An entity's relations",
            operation_id="listEntityRelations", responses={**responses(404, 409), **MOVED})
@reads_index
def entity_relations(
    ix: IndexDep,
    window: WindowDep,
    page: PageDep,
    ref: RefPath,
    direction: Annotated[Literal["out", "in", "both"], Query(
        description="out: it is the subject; in: the object")] = "both",
    predicate: Annotated[str | None, Query(description="Only this predicate (see /v1/predicates)")] = None,
) -> Page[dict[str, Any]]:
    """`from`/`to` keep the relations whose `qualifiers.time` overlaps the window; relations without
    one follow `include_undated`."""
    node = resolve(ix, ref, "ref")
    return page.page(queries.relations_of(ix, node, direction=direction, predicate=predicate, window=window))


_CUT_DOC = media_responses("The neighbourhood: `{nodes, edges}` JSON, or a file in `format`", skip_json=True)
_CUT_DOC[200]["headers"] = {TRUNCATED_HEADER: {
    "description": "`true` when entities or relations within `depth` were left out (a hub: "
                   "more than 200 entities or 500 relations)",
    "schema": {"type": "string", "enum": ["true", "false"]}}}


@router.get("/{ref}/neighborhood", response_model=Neighborhood | NodeLinkGraph, summary="Entities within depth hops",
            operation_id="getNeighborhood", responses={**responses(404, 409), **MOVED, **_CUT_DOC},
            dependencies=[slot("neighbourhoods")])
@reads_index
def entity_neighborhood(
    ix: IndexDep,
    ref: RefPath,
    depth: Annotated[int, Query(ge=1, le=3, description="Hops, either direction")] = 1,
    format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    """The entities within `depth` hops of the entity (ignoring direction) and every relation among them.

    Nearest entities first, then by id: at most 200 entities (the entity included) and 500 relations among
    them (those of the nearest entities first). Around a hub the answer is cut there, and the
    `Storygraph-Truncated` header (`true`/`false`, on every format) says whether anything was left out.

    Without `format` (and with no `Accept`, or `application/json`), the `{nodes, edges}` JSON below.
    With `format` (or an `Accept` naming an export media type), the neighbourhood as a subgraph in that
    export format, as `GET /v1/graph` answers the whole graph: `format=node-link` is NetworkX node-link JSON.
    So the `application/json` answer is one of two shapes, chosen by `format`: `Neighborhood` (no `format`)
    or `NodeLinkGraph` (`format=node-link`); only the latter has `directed` (`"directed" in data` tells them apart)."""
    node = resolve(ix, ref, "ref")
    fmt = choose_format(format, accept)
    if fmt is not None:
        out = neighborhood_export(ix, node, depth, fmt)
        out.headers[TRUNCATED_HEADER] = _truncated(ix, node, depth, None)
        return out
    nodes, edges = queries.neighborhood(ix, node, depth=depth)
    return answer(Neighborhood, {"nodes": nodes, "edges": edges}, "nodes", "edges",
                  headers={TRUNCATED_HEADER: _truncated(ix, node, depth, (len(nodes), len(edges)))})


def _truncated(ix: GraphIndex, node: str, depth: int, counts: tuple[int, int] | None) -> str:
    """``true`` when the neighbourhood was cut; the walk is only repeated when an answer is at a cap."""
    if counts is not None and counts[0] < pathfind.BALL_MAX_NODES and counts[1] < pathfind.BALL_MAX_RELATIONS:
        return "false"
    return "true" if pathfind.neighbourhood(ix.g, node, depth)[2] else "false"
