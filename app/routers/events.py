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
_UNDATED = ("Keep items without a date. Default: true when neither `from` nor `to` is given, "
            "false when one is")

# The time window the lists of relations, claims and events share (see graph.queries.TimeWindow).
FromParam = Annotated[str | None, Query(alias="from", description=_BOUND + "; items ending before it are left out")]
ToParam = Annotated[str | None, Query(alias="to", description=_BOUND + "; items starting after it are left out")]
UndatedParam = Annotated[bool | None, Query(description=_UNDATED)]


def time_window(start: str | None, end: str | None, include_undated: bool | None) -> queries.TimeWindow:
    """The window of ``from``/``to``/``include_undated``; a malformed date is a 422 naming its parameter."""
    return queries.TimeWindow.parse(start, end, include_undated)


@router.get("", response_model=Page[Event], summary="Timeline of events")
def list_events(
    ix: IndexDep,
    page: PageDep,
    start: FromParam = None,
    end: ToParam = None,
    include_undated: UndatedParam = None,
):
    """Events in date order, kept when their date interval overlaps [from, to] (an event dated
    2023-11 overlaps from=2023-11-15; an open end may overlap any window on that side). Undated
    events come after the dated ones: by default listed without a window and left out with one."""
    return page.page(queries.events(ix, start=start, end=end, include_undated=include_undated))
