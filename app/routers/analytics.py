"""Key actors: centrality rankings and communities (NetworkX)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from graph.algorithms import analytics

from ..deps import IndexDep, PageDep, reads_index
from ..gates import slot
from ..problems import responses
from ..schemas import EntityRef, Out, Page

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=responses(422, 500, 503),
                   dependencies=[slot("analytics")])

Measure = analytics.Measure

# Each value names at least one thing: an empty `predicate=` is a 422, not "every predicate" in disguise.
Name = Annotated[str, Field(min_length=1)]
PredicateFilter = Annotated[list[Name] | None, Query(
    description="Only relations of these predicates (repeat the parameter or separate with commas; "
                "see /v1/predicates)")]
TypeFilter = Annotated[list[Name] | None, Query(
    description="Only relations between entities of these types (repeat or separate with commas)")]


class Centrality(Out):
    entity: EntityRef
    score: float
    rank: int = Field(description="1 + the number of entities scoring strictly higher (ties share a rank)")


class Community(Out):
    id: int = Field(description="Position in this answer, from 0")
    size: int
    members: list[EntityRef] = Field(description="Most central first (degree in the selected graph), ties by id")
    label: str = Field(description="The name of its most central member")


class Communities(Out):
    communities: list[Community]
    seed: int = Field(description="Louvain's fixed random seed")
    resolution: float


@router.get("/centrality", response_model=Page[Centrality], summary="Entities ranked by centrality",
            operation_id="getCentrality")
@reads_index
def centrality(
    ix: IndexDep,
    page: PageDep,
    measure: Annotated[Measure, Query(description="degree: relations in and out over n-1; betweenness: on the "
                                                  "undirected simple graph, who brokers; pagerank: along the "
                                                  "relations' direction")] = "degree",
    predicate: PredicateFilter = None,
    type: TypeFilter = None,
) -> Page[dict[str, Any]]:
    """Computed on the graph of the selected relations (every relation when unfiltered), highest
    score first, ties by entity id. Answers are cached per graph revision and filters."""
    return page.page(analytics.centrality(ix, measure, predicates=predicate, types=type))


@router.get("/communities", response_model=Communities, summary="Communities (Louvain, fixed seed)",
            operation_id="getCommunities")
@reads_index
def communities(
    ix: IndexDep,
    predicate: PredicateFilter = None,
    type: TypeFilter = None,
    resolution: Annotated[float, Query(gt=0, le=100, description="Above 1 favours smaller communities")] = 1.0,
) -> dict[str, Any]:
    """`networkx.community.louvain_communities` on the undirected graph of the selected relations
    (weighted by how many relations link two entities), with a fixed seed so the answer is stable;
    largest community first."""
    found = analytics.communities(ix, predicates=predicate, types=type, resolution=resolution)
    return {"communities": found, "seed": analytics.SEED, "resolution": resolution}
