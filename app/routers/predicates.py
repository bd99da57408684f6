"""Predicates: the controlled vocabulary of relations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from graph.algorithms import queries

from ..deps import IndexDep, PageDep, reads_index
from ..problems import responses
from ..schemas import Page, Predicate

router = APIRouter(prefix="/predicates", tags=["predicates"], responses=responses(422, 500, 503))


@router.get("", response_model=Page[Predicate], summary="The predicate vocabulary")
@reads_index
def list_predicates(ix: IndexDep, page: PageDep) -> Page[dict[str, Any]]:
    """Each predicate with its meaning, the entity types it takes as subject (domain) and object
    (range), and how many relations use it."""
    return page.page(queries.predicates(ix))
