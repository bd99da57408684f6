"""Queries over the seed graph, with no HTTP and no database."""

from __future__ import annotations

import pytest

from graph.algorithms import queries
from graph.errors import AmbiguousReference, EntityNotFound, InvalidParameter
from graph.indexing.names import normalize_name
from graph.testing import seed_index


@pytest.fixture(scope="module")
def ix():
    return seed_index()


def test_normalize_ignores_case_and_punctuation():
    assert normalize_name("U.S.") == normalize_name("us") == normalize_name("US") == "us"
    assert normalize_name("  Jen   DASKAL ") == "jen daskal"


def test_search_ranks_exact_then_prefix_then_fuzzy(ix):
    hits = ix.names.search("dask")
    assert (hits[0].id, hits[0].score, hits[0].matched) == ("jen-daskal", 0.9, "Daskal")  # alias prefix
    assert hits[1].score == 0.8  # a word of "Meeting of Jen Daskal ..." starts with it
    assert ix.names.search("Daskal")[0].score == 1.0
    fuzzy = ix.names.search("Daskall")
    assert fuzzy[0].id == "jen-daskal" and 0 < fuzzy[0].score <= 0.7
    assert ix.names.search("   ") == []


def test_unknown_reference_offers_candidates(ix):
    with pytest.raises(EntityNotFound) as exc:
        ix.names.resolve("Daskel", parameter="source")
    assert exc.value.candidates[0]["id"] == "jen-daskal"
    assert str(exc.value).startswith("No entity matches 'Daskel' (parameter 'source'); did you mean 'Jen Daskal'")
    assert len(exc.value.candidates) <= 5


def test_two_aliases_alike_are_ambiguous():
    from graph.indexing.index import index_from_stories
    from graph.stories.files import read_story
    from graph.testing import SEEDS

    story = read_story(SEEDS / "fentanyl-talks-2024-01-31")
    for e in story.entities:
        if e.id in ("mexico", "taiwan"):
            e.aliases.append("Same Alias")
    with pytest.raises(AmbiguousReference) as exc:
        index_from_stories([story]).names.resolve("same alias")
    assert [c["id"] for c in exc.value.candidates] == ["mexico", "taiwan"]


def test_relations_of_by_direction(ix):
    out = queries.relations_of(ix, "jen-daskal", direction="out")
    inc = queries.relations_of(ix, "jen-daskal", direction="in")
    both = queries.relations_of(ix, "jen-daskal")
    assert all(r["subject"]["id"] == "jen-daskal" for r in out)
    assert all(r["object"]["id"] == "jen-daskal" for r in inc)
    assert len(both) == len(out) + len(inc)
    with pytest.raises(InvalidParameter, match="'sideways' is not one of out, in, both"):
        queries.relations_of(ix, "jen-daskal", direction="sideways")
    with pytest.raises(InvalidParameter, match="'ran' is not a predicate"):
        queries.relations_of(ix, "jen-daskal", predicate="ran")


def test_qualifier_references_are_expanded(ix):
    (r,) = queries.match_relations(ix, predicate="cause_of")
    assert r["qualifiers"]["place"] == {"id": "united-states", "name": "United States", "type": "country"}


def test_neighborhood_grows_with_depth(ix):
    n1, e1 = queries.neighborhood(ix, "wang-xiaohong", depth=1)
    n2, _ = queries.neighborhood(ix, "wang-xiaohong", depth=2)
    assert n1[0]["id"] == "wang-xiaohong"
    assert {n["id"] for n in n1} < {n["id"] for n in n2}
    ids = {n["id"] for n in n1}
    assert all(e["subject"]["id"] in ids and e["object"]["id"] in ids for e in e1)
    with pytest.raises(InvalidParameter):
        queries.neighborhood(ix, "wang-xiaohong", depth=4)


def test_paths_are_shortest_first_and_bounded(ix):
    found = queries.paths(ix, "jen-daskal", "xi-jinping", max_length=4, limit=5)
    lengths = [p["length"] for p in found]
    assert lengths == sorted(lengths) and all(1 <= n <= 4 for n in lengths)
    for p in found:
        for (a, b), hop in zip(zip(p["nodes"], p["nodes"][1:]), p["relations"]):
            assert hop and all({r["subject"]["id"], r["object"]["id"]} == {a["id"], b["id"]} for r in hop)
    assert queries.paths(ix, "jen-daskal", "xi-jinping", max_length=1) == []


def test_claim_status_is_derived():
    a, b = {"id": "a"}, {"id": "b"}
    assert queries.claim_status([a], [b]) == "disputed"
    assert queries.claim_status([a], []) == "asserted"
    assert queries.claim_status([], [b]) == "denied"
    assert queries.claim_status([], []) == "unattributed"
    assert queries.claim_status([a], [a]) == "asserted"  # one agent cannot dispute itself


def test_claims_filter_by_about_and_status(ix):
    about_china = queries.claims(ix, about="china")
    assert "china-primary-source-of-precursors" in {c["id"] for c in about_china}
    assert all(c["status"] == "asserted" for c in queries.claims(ix, status="asserted"))
    with pytest.raises(InvalidParameter):
        queries.claims(ix, status="true")


def test_events_in_date_order_and_filtered_by_overlap(ix):
    dated = queries.events(ix, include_undated=False)
    keys = [(e["earliest"] or e["latest"]) for e in dated]
    assert keys == sorted(keys)
    assert all(e["date"] for e in dated)
    nov = queries.events(ix, start="2023-11-15", end="2023-11-20")
    # the talks ("2023-11/2024-01-30") and China's steps ("2023-11/2024-01-31") start with the summit's month
    assert [e["id"] for e in nov] == ["san-francisco-summit", "beijing-talks", "china-concrete-steps"]
    assert [e["id"] for e in queries.events(ix, end="2023-10")] == []  # nothing before the summit is dated
    assert [e["id"] for e in queries.events(ix, start="2024-02")] == ["february-meetings", "summer-meetings"]
    undated = queries.events(ix, include_undated=True)
    assert len(undated) > len(dated) and undated[-1]["date"] is None
    assert queries.events(ix) == undated  # without a window, undated events are listed by default
    with pytest.raises(InvalidParameter, match="Parameter 'from'"):
        queries.events(ix, start="2023-13")
    with pytest.raises(InvalidParameter, match="Parameter 'to'"):
        queries.events(ix, start="2024", end="2023")


def test_predicates_count_their_uses(ix):
    counts = {p["name"]: p["count"] for p in queries.predicates(ix)}
    assert counts["led"] == 1 and counts["denies"] == 1
    assert sum(counts.values()) == ix.g.number_of_edges()
