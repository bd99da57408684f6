"""Dates with honest precision: a small EDTF (ISO 8601-2) subset.

The article says "Tuesday, Jan. 30, 2024", "November", "late 2019" and "over
the summer". Each becomes an EDTF string that keeps its precision, and an
interval [earliest, latest] for filtering and ordering.

Supported: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, seasons ``YYYY-21..24``
(spring, summer, autumn, winter; northern hemisphere, by meteorological
months), the qualifiers ``?`` (uncertain), ``~`` (approximate) and ``%``
(both), and intervals ``A/B`` whose ends may be open (``..``).

>>> parse_edtf("2023-11").earliest, parse_edtf("2023-11").latest
(datetime.date(2023, 11, 1), datetime.date(2023, 11, 30))
>>> parse_edtf("2024-22").precision
'season'
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_SINGLE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?(?P<q>[?~%])?$")
# (first month, last month, year offset of the last month); winter runs into the next year.
_SEASONS = {21: (3, 5, 0), 22: (6, 8, 0), 23: (9, 11, 0), 24: (12, 2, 1)}
SEASON_NAMES = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}


@dataclass(frozen=True, slots=True)
class EdtfDate:
    edtf: str
    precision: str  # day | month | season | year | interval
    earliest: dt.date | None  # None: open (unknown) start
    latest: dt.date | None  # None: open (unknown) end
    approximate: bool = False
    uncertain: bool = False

    def overlaps(self, start: dt.date | None, end: dt.date | None) -> bool:
        """Whether this date's interval meets [start, end] (None: unbounded)."""
        before = start is not None and self.latest is not None and self.latest < start
        after = end is not None and self.earliest is not None and self.earliest > end
        return not (before or after)

    @property
    def sort_key(self) -> tuple[dt.date, dt.date]:
        first = self.earliest or self.latest or dt.date.min
        return (first, self.latest or dt.date.max)


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _single(text: str) -> EdtfDate:
    m = _SINGLE.match(text)
    if not m:
        raise ValueError(f"'{text}' is not an EDTF date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-21..24)")
    year, month, day, q = int(m["y"]), m["m"], m["d"], m["q"]
    flags = {"approximate": q in ("~", "%"), "uncertain": q in ("?", "%")}
    if month is None:
        return EdtfDate(text, "year", dt.date(year, 1, 1), dt.date(year, 12, 31), **flags)
    mo = int(month)
    if mo in _SEASONS and day is None:
        first, last, spill = _SEASONS[mo]
        end_year = year + spill
        return EdtfDate(text, "season", dt.date(year, first, 1),
                        dt.date(end_year, last, _last_day(end_year, last)), **flags)
    if not 1 <= mo <= 12:
        raise ValueError(f"'{text}' has month {mo}: use 01-12, or 21-24 for a season")
    if day is None:
        return EdtfDate(text, "month", dt.date(year, mo, 1), dt.date(year, mo, _last_day(year, mo)), **flags)
    try:
        d = dt.date(year, mo, int(day))
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a calendar date: {exc}") from None
    return EdtfDate(text, "day", d, d, **flags)


def parse_edtf(text: str) -> EdtfDate:
    """Parse an EDTF date or interval; raise ``ValueError`` naming what is wrong.

    >>> parse_edtf("../2024-01-30").earliest is None
    True
    """
    if "/" not in text:
        return _single(text)
    left, _, right = text.partition("/")
    if left == right == "..":
        raise ValueError(f"'{text}' is open at both ends")
    start = None if left == ".." else _single(left)
    end = None if right == ".." else _single(right)
    earliest = start.earliest if start else None
    latest = end.latest if end else None
    if earliest and latest and earliest > latest:
        raise ValueError(f"'{text}' ends before it starts")
    return EdtfDate(
        text, "interval", earliest, latest,
        approximate=any(p and p.approximate for p in (start, end)),
        uncertain=any(p and p.uncertain for p in (start, end)),
    )


def parse_partial_date(text: str, *, end: bool = False) -> dt.date:
    """A filter bound such as ``2023``, ``2023-11`` or ``2023-11-15``.

    A partial date stands for its whole period: as a start it means the first
    day, as an end (``end=True``) the last.
    """
    d = _single(text)
    if d.approximate or d.uncertain:
        raise ValueError(f"'{text}' is qualified; a filter bound must be a plain date")
    return d.latest if end else d.earliest  # type: ignore[return-value]
