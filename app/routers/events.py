"""Events: the timeline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from graph.algorithms import queries

from ..deps import FromParam, IndexDep, PageDep, ToParam, UndatedParam, reads_index
from ..problems import responses
from ..schemas import Event, Page

router = APIRouter(prefix="/events", tags=["events"], responses=responses(422, 500, 503))

@router.get("", response_model=Page[Event], summary="Timeline of events")
@reads_index
def list_events(
    ix: IndexDep,
    page: PageDep,
    start: FromParam = None,
    end: ToParam = None,
    include_undated: UndatedParam = None,
) -> Page[dict[str, Any]]:
    """Events in date order, kept when their date interval overlaps [from, to] (an event dated
    2023-11 overlaps from=2023-11-15; an open end may overlap any window on that side). Undated
    events come after the dated ones: by default listed without a window and left out with one."""
    return page.page(queries.events(ix, start=start, end=end, include_undated=include_undated))
