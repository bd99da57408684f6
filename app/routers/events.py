"""Events: the timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from graph import queries

from ..deps import IndexDep, PageDep
from ..problems import responses
from ..schemas import Event, Page

router = APIRouter(prefix="/v1/events", tags=["events"], responses=responses(422, 500, 503))

_BOUND = "A date or partial date: 2023, 2023-11 or 2023-11-15"


@router.get("", response_model=Page[Event], summary="Timeline of events")
def list_events(
    ix: IndexDep,
    page: PageDep,
    start: Annotated[str | None, Query(alias="from", description=_BOUND + "; events ending before it are left out")] = None,
    end: Annotated[str | None, Query(alias="to", description=_BOUND + "; events starting after it are left out")] = None,
    include_undated: Annotated[bool, Query(description="Append events without a date")] = False,
):
    """Events in date order, kept when their date interval overlaps [from, to]."""
    return page.page(queries.events(ix, start=start, end=end, include_undated=include_undated))
