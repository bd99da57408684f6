"""from / to / include_undated on relations, an entity's relations, claims and events."""

from __future__ import annotations

import pytest
from apitools import INVALID, every, invalid

from graph.dates import parse_edtf, parse_partial_date

LISTS = ["/v1/relations", "/v1/entities/china/relations", "/v1/claims", "/v1/events"]


def relation_time(r):
    return (r["qualifiers"].get("time") or {}).get("edtf")


def overlaps(edtf, start, end):
    d = parse_edtf(edtf)
    lo = parse_partial_date(start) if start else None
    hi = parse_partial_date(end, end=True) if end else None
    return (lo is None or d.latest is None or d.latest >= lo) and (hi is None or d.earliest is None or d.earliest <= hi)


@pytest.mark.parametrize("start, end", [("2024-01-31", None), (None, "2024-01-30"), ("2019-11", "2019-11-15"),
                                        ("2020", "2023")])
def test_relations_in_a_window(client, start, end):
    window = {k: v for k, v in (("from", start), ("to", end)) if v}
    everything = every(client, "/v1/relations")
    expected = [r["id"] for r in everything if relation_time(r) and overlaps(relation_time(r), start, end)]
    assert [r["id"] for r in every(client, "/v1/relations", **window)] == expected
    with_undated = every(client, "/v1/relations", include_undated=True, **window)
    assert [r["id"] for r in with_undated] == [r["id"] for r in everything
                                               if not relation_time(r) or r["id"] in expected]


def test_month_precision_overlaps_a_day(client):
    announced = every(client, "/v1/relations", predicate="announced", **{"from": "2019-11-15", "to": "2019-11-15"})
    assert {r["id"] for r in announced} == {"us-law-enforcement-announced-bust",
                                            "chinese-law-enforcement-announced-bust"}
    assert {r["qualifiers"]["time"]["edtf"] for r in announced} == {"2019-11"}
    events = every(client, "/v1/events", **{"from": "2023-11-15", "to": "2023-11-15"})
    assert "san-francisco-summit" in [e["id"] for e in events]


def test_an_entitys_relations_in_a_window(client):
    found = every(client, "/v1/entities/Daskal/relations", to="2024-01-30")
    assert [r["id"] for r in found] == ["daskal-met-with-wang"]
    said = every(client, "/v1/entities/Daskal/relations", direction="out", predicate="asserts",
                 **{"from": "2024-01-31"})
    assert {r["id"] for r in said} == {"daskal-asserts-talks-substantive", "daskal-asserts-much-more-needs-to-be-done"}
    assert len(every(client, "/v1/entities/Daskal/relations")) == client.get("/v1/entities/Daskal").json()["degree"]


def test_claims_by_when_they_were_said(client):
    wednesday = every(client, "/v1/claims", **{"from": "2024-01-31", "to": "2024-01-31"})
    assert [c["id"] for c in wednesday] == ["much-more-needs-to-be-done", "talks-substantive"]
    for c in wednesday:
        assert any(relation_time(a) == "2024-01-31" for a in c["attributions"])
    everything = every(client, "/v1/claims")
    undated = [c["id"] for c in everything if not any(relation_time(a) for a in c["attributions"])]
    assert "china-primary-source-of-precursors" in undated
    with_undated = every(client, "/v1/claims", include_undated=True, **{"from": "2024-01-31", "to": "2024-01-31"})
    assert {c["id"] for c in with_undated} == set(undated) | {c["id"] for c in wednesday}
    disputed = every(client, "/v1/claims", status="disputed", **{"from": "2024"})
    assert disputed == []  # the dispute is undated
    assert every(client, "/v1/claims", include_undated=False) == [c for c in everything if c["id"] not in undated]


@pytest.mark.parametrize("url", LISTS)
def test_one_undated_default_everywhere(client, url):
    everything = every(client, url)
    assert every(client, url, include_undated=True) == everything  # no window: undated items are listed
    windowed = every(client, url, **{"from": "1900"})
    assert every(client, url, include_undated=False) == windowed  # a window that covers all: only dated items
    assert len(windowed) < len(everything)


def test_events_list_undated_after_dated(client):
    events = every(client, "/v1/events")
    dates = [e["date"] for e in events]
    first_undated = dates.index(None)
    assert all(dates[:first_undated]) and not any(dates[first_undated:])


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("params, parameter, reason", [
    ({"from": "2023-13"}, "from", "'2023-13' has month 13: use 01-12, or 21-24 for a season"),
    ({"from": "yesterday"}, "from",
     "'yesterday' is not an EDTF date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-21..24)"),
    ({"to": "2024-02-30"}, "to", "'2024-02-30' is not a calendar date: day is out of range for month"),
    ({"to": "2024?"}, "to", "'2024?' is qualified; a filter bound must be a plain date"),
    ({"from": "2024", "to": "2023"}, "to", "'2023' is before from='2024'"),
])
def test_malformed_dates_are_422_naming_the_parameter(client, url, params, parameter, reason):
    body = invalid(client.get(url, params=params), parameter)
    assert body == {"type": INVALID, "title": "Invalid parameter", "status": 422,
                    "detail": f"Parameter '{parameter}': {reason}", "instance": url,
                    "errors": [{"parameter": parameter, "location": "query", "reason": reason}]}


@pytest.mark.parametrize("url", LISTS)
def test_include_undated_must_be_a_boolean(client, url):
    invalid(client.get(url, params={"include_undated": "perhaps"}), "include_undated")


def test_publication_date_is_not_a_fact_date(client):
    published = client.get("/v1/articles").json()["items"][0]["published"]
    assert published == "2024-01-31"
    events = every(client, "/v1/events", **{"from": published, "to": published})
    assert all(e["date"] for e in events)
    assert "beijing-talks" not in [e["id"] for e in events]  # the talks ended the day before publication


# Window questions a researcher asks of the seed. A fact's time is when it held or happened; a phrase that
# bounds something else ("since late 2019" bounds a gap, "on Tuesday" dates China's statement) is not its time.
# The article dates things in November 2019, November 2023, January 2024 and the coming February and summer;
# a window elsewhere must come back empty, whatever the facts' precision.

def ids(client, url, **window):
    return [item["id"] for item in every(client, url, **window)]


def test_november_2019_is_the_smuggling_ring_announcement_not_the_beijing_talks(client):
    window = {"from": "2019-11", "to": "2019-11"}
    assert "beijing-talks" not in ids(client, "/v1/events", **window)
    assert ids(client, "/v1/events", **window) == []  # the bust itself is undated: only its announcement is
    assert sorted(ids(client, "/v1/relations", **window)) == [
        "chinese-law-enforcement-announced-bust", "us-law-enforcement-announced-bust"]


@pytest.mark.parametrize("window", [
    {"from": "2021", "to": "2021"},  # "tense in recent years" names no year; "since late 2019" bounds a gap
    {"from": "2019-12", "to": "2023-10"},  # between the 2019 announcement and the 2023 summit
    {"from": "2025"},  # after the summer meetings: the article looks no further
    {"to": "2019-10"},  # before the first thing it dates
])
def test_a_window_the_article_dates_nothing_in_is_empty(client, window):
    assert ids(client, "/v1/relations", **window) == []
    assert ids(client, "/v1/events", **window) == []
    assert ids(client, "/v1/claims", **window) == []


def test_the_working_group_is_not_a_2021_fact(client):
    assert "working-group-marks-cooperation" not in ids(client, "/v1/relations", **{"from": "2021", "to": "2021"})
    (marks,) = [r for r in every(client, "/v1/relations", predicate="marks")
                if r["subject"]["id"] == "counternarcotics-working-group"]
    assert marks["qualifiers"]["time"] is None  # "since late 2019" stays in the role: it bounds the gap before it
    assert "since late 2019" in marks["qualifiers"]["role"]


def test_the_beijing_talks_fall_between_the_summit_and_chinas_tuesday_statement(client):
    talks = next(e for e in every(client, "/v1/events") if e["id"] == "beijing-talks")
    assert (talks["earliest"], talks["latest"]) == ("2023-11-01", "2024-01-30")
    assert talks["date_text"] != "on Tuesday"  # those words date China's statement
    assert "beijing-talks" in ids(client, "/v1/events", **{"from": "2024-01", "to": "2024-01"})
    assert "beijing-talks" not in ids(client, "/v1/events", **{"from": "2023-10", "to": "2023-10"})  # after the summit
    assert "beijing-talks" not in ids(client, "/v1/events", **{"from": "2024-01-31"})  # over before China spoke
    tuesday = ids(client, "/v1/relations", **{"from": "2024-01-30", "to": "2024-01-30"})
    assert "china-asserts-talks-in-depth-and-pragmatic" in tuesday  # the statement is dated, on Tuesday


def test_every_date_in_the_seed_is_bounded_at_both_ends(client):
    """An open end reaches every window on its side: the seed has none, so no window reaches years away."""
    for e in every(client, "/v1/events"):
        if e["date"]:
            assert e["earliest"] and e["latest"], e
    for r in every(client, "/v1/relations"):
        if relation_time(r):
            d = parse_edtf(relation_time(r))
            assert d.earliest and d.latest, r["id"]



def test_the_meetings_ahead_are_where_the_article_puts_them(client):
    february = ids(client, "/v1/events", **{"from": "2024-02", "to": "2024-02"})
    summer = ids(client, "/v1/events", **{"from": "2024-07", "to": "2024-07"})
    assert february == ["february-meetings"] and summer == ["summer-meetings"]
    expected = {r["id"] for r in every(client, "/v1/relations", **{"from": "2024-02", "to": "2024-08"})}
    assert expected  # Daskal's expectation to measure progress, in February and over the summer
    summer = every(client, "/v1/relations", **{"from": "2024-02", "to": "2024-08"})
    assert all(r["modality"] == "expected" for r in summer)
