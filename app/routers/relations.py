"""Relations: triple-pattern queries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from graph.algorithms import queries

from ..deps import (
    REF_DOC,
    IndexDep,
    PageDep,
    WindowDep,
    reads_index,
    resolve_optional,
)
from ..problems import responses
from ..schemas import Page, Relation

router = APIRouter(prefix="/relations", tags=["relations"], responses=responses(422, 500, 503))


@router.get("", response_model=Page[Relation], summary="Relations matching a triple pattern",
            operation_id="listRelations", responses=responses(404, 409))
@reads_index
def match_relations(
    ix: IndexDep,
    window: WindowDep,
    page: PageDep,
    subject: Annotated[str | None, Query(description=REF_DOC)] = None,
    predicate: Annotated[str | None, Query(description="A predicate of /v1/predicates")] = None,
    object: Annotated[str | None, Query(description=REF_DOC)] = None,
) -> Page[dict[str, Any]]:
    """Any part may be omitted; with none, every relation. `from`/`to` keep the relations whose
    `qualifiers.time` overlaps the window; relations without one follow `include_undated`."""
    found = queries.match_relations(
        ix, subject=resolve_optional(ix, subject, "subject"), predicate=predicate,
        object=resolve_optional(ix, object, "object"), window=window,
    )
    return page.page(found)
