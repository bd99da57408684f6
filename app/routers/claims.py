"""Claims: propositions, who asserts them and who denies them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from graph.algorithms import queries
from graph.algorithms.queries import ClaimStatus
from graph.errors import NotFound

from ..deps import (
    REF_DOC,
    IndexDep,
    PageDep,
    WindowDep,
    reads_index,
    resolve,
    resolve_optional,
)
from ..problems import responses
from ..schemas import Claim, Page

router = APIRouter(prefix="/claims", tags=["claims"], responses=responses(422, 500, 503))



@router.get("", response_model=Page[Claim], summary="Claims", responses=responses(404, 409))
@reads_index
def list_claims(
    ix: IndexDep,
    window: WindowDep,
    page: PageDep,
    about: Annotated[str | None, Query(description="Only claims about this entity. " + REF_DOC)] = None,
    status: Annotated[ClaimStatus | None, Query(
        description="Derived: disputed when distinct agents assert and deny it")] = None,
) -> Page[dict[str, Any]]:
    """`from`/`to` filter by when a claim was said: the `qualifiers.time` of its asserts/denies
    relations (`attributions`); a claim is kept when one of them overlaps the window. A claim with
    an undated attribution, or none, counts as undated (`include_undated`)."""
    return page.page(queries.claims(ix, about=resolve_optional(ix, about, "about"), status=status, window=window))


@router.get("/{ref}", response_model=Claim, summary="One claim", responses=responses(404, 409))
@reads_index
def get_claim(ix: IndexDep, ref: Annotated[str, Path(description="Claim id or alias. " + REF_DOC)]
              ) -> dict[str, Any]:
    node = resolve(ix, ref, "ref")
    if ix.g.nodes[node]["type"] != "claim":
        raise NotFound("claim", ref)
    return queries.claim(ix, node)
