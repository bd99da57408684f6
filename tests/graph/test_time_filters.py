"""Time windows on relations, claims and events: interval overlap with precision, one undated rule."""

from __future__ import annotations

import datetime as dt

import pytest

from graph.algorithms import queries
from graph.algorithms.queries import TimeWindow
from graph.dates import parse_edtf
from graph.errors import InvalidParameter
from graph.testing import seed_index


@pytest.fixture(scope="module")
def ix():
    return seed_index()


def dated_relations(ix) -> dict[str, str | None]:
    """Relation id -> EDTF of its time qualifier, read straight from the graph."""
    return {d["id"]: ((d["qualifiers"].get("time") or {}).get("edtf")) for _, _, d in ix.g.edges(data=True)}


def expected(edtfs: dict[str, str | None], lo: dt.date | None, hi: dt.date | None, undated: bool) -> list[str]:
    """Interval overlap computed independently of TimeWindow."""
    out = []
    for i, e in edtfs.items():
        if e is None:
            if undated:
                out.append(i)
            continue
        d = parse_edtf(e)
        if ((lo is None or d.latest is None or d.latest >= lo)
                and (hi is None or d.earliest is None or d.earliest <= hi)):
            out.append(i)
    return sorted(out)


def test_window_parses_partial_dates_as_periods():
    w = TimeWindow.parse("2023", "2023-11")
    assert (w.start, w.end, w.include_undated) == (dt.date(2023, 1, 1), dt.date(2023, 11, 30), False)
    assert TimeWindow.parse(None, "2024-02").end == dt.date(2024, 2, 29)  # a leap year
    assert TimeWindow.parse(None, None).include_undated is True
    assert TimeWindow.parse("2024", None, include_undated=True).include_undated is True
    assert TimeWindow.parse(None, None, include_undated=False).include_undated is False


@pytest.mark.parametrize("start, end, parameter", [
    ("2023-13", None, "from"), ("yesterday", None, "from"), (None, "2024-02-30", "to"), (None, "2024~", "to"),
    ("2024", "2023", "to"), ("", None, "from"), ("2024-01-31T10:00", None, "from"),
])
def test_malformed_bounds_name_their_parameter(start, end, parameter):
    with pytest.raises(InvalidParameter) as exc:
        TimeWindow.parse(start, end)
    assert exc.value.parameter == parameter


def test_month_precision_overlaps_a_day_inside_it():
    w = TimeWindow.parse("2023-11-15", "2023-11-15")
    assert w.keeps({"edtf": "2023-11"}) and w.keeps({"edtf": "2023"}) and w.keeps({"edtf": "2023-23"})  # autumn
    assert not w.keeps({"edtf": "2023-10"}) and not w.keeps({"edtf": "2023-11-16"})
    assert w.keeps({"edtf": "../2024-01-30"}) and w.keeps({"edtf": "2019-09~/.."})  # open ends reach any window
    assert not w.keeps({"edtf": "2024-01/.."})
    assert not w.keeps(None)


@pytest.mark.parametrize("start, end", [("2024-01-31", None), (None, "2024-01-30"), ("2019", "2019"),
                                        ("2024-01", "2024-01"), ("2020", "2023"), (None, None)])
def test_relations_overlap_the_window(ix, start, end):
    w = TimeWindow.parse(start, end)
    found = [r["id"] for r in queries.match_relations(ix, window=w)]
    assert found == expected(dated_relations(ix), w.start, w.end, undated=start is None and end is None)


def test_relations_said_on_the_wednesday(ix):
    found = {r["id"] for r in queries.match_relations(ix, window=TimeWindow.parse("2024-01-31", "2024-01-31"))}
    assert {"daskal-asserts-talks-substantive", "daskal-asserts-much-more-needs-to-be-done"} <= found
    assert "daskal-met-with-wang" not in found  # on the Tuesday
    assert "working-group-marks-cooperation" not in found  # "since late 2019" bounds a gap: not its time
    assert all(r["qualifiers"]["time"] for r in queries.match_relations(ix, window=TimeWindow.parse("2024", None)))


def test_undated_relations_by_the_explicit_parameter(ix):
    edtfs = dated_relations(ix)
    undated = {i for i, e in edtfs.items() if e is None}
    everything = {r["id"] for r in queries.match_relations(ix)}
    assert everything == set(edtfs)  # no window: every relation, undated included
    w = TimeWindow.parse("2024", None, include_undated=True)
    with_undated = {r["id"] for r in queries.match_relations(ix, window=w)}
    assert undated < with_undated
    dated_only = {r["id"] for r in queries.match_relations(ix, window=TimeWindow(include_undated=False))}
    assert dated_only == set(edtfs) - undated


def test_an_entitys_relations_in_a_window(ix):
    w = TimeWindow.parse(None, "2024-01-30")
    found = queries.relations_of(ix, "jen-daskal", window=w)
    assert [r["id"] for r in found] == ["daskal-met-with-wang"]
    everything = queries.relations_of(ix, "jen-daskal")
    assert len(everything) == ix.g.degree("jen-daskal")
    out = queries.relations_of(ix, "jen-daskal", direction="out", predicate="asserts",
                               window=TimeWindow.parse("2024-01-31", None))
    assert {r["id"] for r in out} == {"daskal-asserts-talks-substantive", "daskal-asserts-much-more-needs-to-be-done"}


def test_claims_are_dated_by_their_sayings(ix):
    def saying_times(c):
        return [(a["qualifiers"].get("time") or {}).get("edtf") for a in c["attributions"]]

    everything = queries.claims(ix)
    assert len(everything) == sum(1 for _, t in ix.g.nodes(data="type") if t == "claim")
    wednesday = queries.claims(ix, window=TimeWindow.parse("2024-01-31", "2024-01-31"))
    assert [c["id"] for c in wednesday] == ["much-more-needs-to-be-done", "talks-substantive"]
    assert all("2024-01-31" in saying_times(c) for c in wednesday)
    tuesday = [c["id"] for c in queries.claims(ix, window=TimeWindow.parse("2024-01-30", "2024-01-30"))]
    assert "talks-in-depth-and-pragmatic" in tuesday and "talks-substantive" not in tuesday
    undated = [c for c in everything if all(t is None for t in saying_times(c))]
    assert undated  # e.g. the disputed claim: the article does not say when
    with_undated = queries.claims(ix, window=TimeWindow.parse("2024-01-31", "2024-01-31", include_undated=True))
    assert {c["id"] for c in with_undated} >= {c["id"] for c in undated} | {c["id"] for c in wednesday}
    assert "china-primary-source-of-precursors" not in [c["id"] for c in wednesday]


def test_events_default_follows_the_same_rule(ix):
    undated = [e["id"] for e in queries.events(ix, include_undated=True) if e["date"] is None]
    assert undated
    everything = queries.events(ix)
    assert [e["id"] for e in everything][-len(undated):] == undated  # listed, after the dated ones
    windowed = queries.events(ix, start="2023")
    assert windowed and all(e["date"] for e in windowed)  # a window leaves them out
    assert [e["id"] for e in queries.events(ix, start="2023", include_undated=True)][-len(undated):] == undated
    nov = queries.events(ix, start="2023-11-15", end="2023-11-15")
    assert "san-francisco-summit" in [e["id"] for e in nov]  # dated "2023-11"
