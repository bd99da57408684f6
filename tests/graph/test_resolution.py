"""One node across many articles: references by id, name or alias; shared relations; merges and undo.

Every test runs on SQLite and PostgreSQL (the ``database_url`` fixture).
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from graph.errors import MergeConflict, MergeInvalid, MergeNotFound, SheetInvalid
from graph.indexing.build import graph_from_db
from graph.ingest import check_path, ingest_path, ingest_story
from graph.storage.merge import merge_entities, undo_merge
from graph.storage.store import delete_article, write_session
from graph.stories.resolution import load_catalog
from graph.testing import SEEDS

from .conftest import ARTICLE, META, SHEET

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FOLLOWUP = FIXTURES / "fentanyl-followup-2024-02-14"
SEED_ID = "fentanyl-talks-2024-01-31"
FOLLOWUP_ID = "fentanyl-followup-2024-02-14"
TABLES = ("article", "entity", "alias", "relation", "evidence", "merge", "graph_state")


@pytest.fixture
def seeded(engine):
    ingest_path(engine, SEEDS)
    return engine


def snapshot(engine) -> dict:
    with engine.connect() as c:
        return {t: sorted(map(tuple, c.execute(text(f"SELECT * FROM {t}")).all()), key=repr) for t in TABLES}


def graph(engine):
    with Session(engine) as s:
        g, _ = graph_from_db(s)
    return g


def ingest_raw(engine, meta, sheet, article=ARTICLE):
    with write_session(engine) as s:
        return ingest_story(s, meta, sheet, article)


def faults(engine, meta, sheet, article=ARTICLE) -> list[str]:
    before = snapshot(engine)
    with pytest.raises(SheetInvalid) as exc:
        ingest_raw(engine, meta, sheet, article)
    assert snapshot(engine) == before
    return [str(f) for f in exc.value.faults]


# --- the follow-up fixture: names and aliases resolve to the seed's nodes -------------------------

def test_the_followup_refers_to_the_seeds_entities_by_name_and_alias(seeded):
    before = graph(seeded)
    (result,) = ingest_path(seeded, FOLLOWUP)
    assert result.status == "created"
    g = graph(seeded)
    # ids stay stable: no new person, no new working group, and nothing of the seed is lost
    assert set(before) <= set(g)
    assert set(g) - set(before) == {"followup-meeting", "working-group-review", "followup-productive",
                                    "china-keeps-cooperating"}
    for node, alias in (("jen-daskal", "Deputy Homeland Security Advisor Daskal"),
                        ("wang-xiaohong", "Minister Wang"),
                        ("counternarcotics-working-group", "U.S.-China working group")):
        d = g.nodes[node]
        assert d["name"] == before.nodes[node]["name"] and d["type"] == before.nodes[node]["type"]
        first = before.nodes[node]["aliases"]
        assert d["aliases"][: len(first)] == first  # first article first
        assert alias in d["aliases"]
        assert {e["article_id"] for e in d["evidence"]} == {SEED_ID, FOLLOWUP_ID}
        new = [e for e in d["evidence"] if e["article_id"] == FOLLOWUP_ID]
        assert new and all(e["quote"] for e in new)
    assert {e["article_id"] for e in g.nodes["daskal-wang-meeting"]["evidence"]} == {SEED_ID, FOLLOWUP_ID}
    # relations of the follow-up point at the seed's nodes, whatever words the sheet used
    edges = {k: (u, v) for u, v, k in g.edges(keys=True)}
    assert edges["daskal-in-followup"] == ("jen-daskal", "followup-meeting")
    assert edges["wang-asserts-china-keeps-cooperating"] == ("wang-xiaohong", "china-keeps-cooperating")
    assert edges["working-group-carried-out-review"] == ("counternarcotics-working-group", "working-group-review")
    assert edges["china-keeps-cooperating--about--china"] == ("china-keeps-cooperating", "china")


def test_a_relation_stated_by_two_articles_is_one_edge_with_both_quotes(seeded):
    ingest_path(seeded, FOLLOWUP)
    g = graph(seeded)
    (data,) = [d for u, v, k, d in g.edges(keys=True, data=True) if k == "daskal-met-with-wang"]
    assert [e["article_id"] for e in data["evidence"]] == [SEED_ID, FOLLOWUP_ID]
    assert data["qualifiers"]["time"]["text"] == "Tuesday, Jan. 30, 2024"  # the first article's definition
    assert data["article_id"] == SEED_ID


def test_deleting_one_article_keeps_what_another_supports(seeded):
    before = graph(seeded)
    ingest_path(seeded, FOLLOWUP)
    with write_session(seeded) as s:
        assert delete_article(s, SEED_ID)
    g = graph(seeded)
    # the follow-up's own facts and the seed nodes it cites stay, with its evidence only
    assert {"jen-daskal", "wang-xiaohong", "followup-meeting", "daskal-wang-meeting"} <= set(g)
    assert "xi-jinping" not in g  # only the seed supported him
    assert {e["article_id"] for e in g.nodes["jen-daskal"]["evidence"]} == {FOLLOWUP_ID}
    assert g.nodes["jen-daskal"]["aliases"] == ["Deputy Homeland Security Advisor Daskal"]
    (data,) = [d for *_, k, d in g.edges(keys=True, data=True) if k == "daskal-met-with-wang"]
    assert data["article_id"] == FOLLOWUP_ID and [e["article_id"] for e in data["evidence"]] == [FOLLOWUP_ID]
    assert "daskal-led-us-delegation" not in {k for *_, k in g.edges(keys=True)}
    # and the follow-up gone too: nothing is left
    with write_session(seeded) as s:
        assert delete_article(s, FOLLOWUP_ID)
        assert not delete_article(s, FOLLOWUP_ID)
    assert graph(seeded).number_of_nodes() == 0 and before.number_of_nodes() > 0
    with seeded.connect() as c:
        assert c.execute(text("SELECT count(*) FROM search_doc")).scalar() == 0


def test_check_path_resolves_a_story_against_the_stories_before_it(tmp_path, engine):
    shutil.copytree(SEEDS / SEED_ID, tmp_path / "a" / SEED_ID)
    shutil.copytree(FOLLOWUP, tmp_path / "a" / FOLLOWUP_ID)
    stories = check_path(tmp_path / "a")
    assert [s.meta.id for s in stories] == [SEED_ID, FOLLOWUP_ID]  # publication order, not folder order
    assert [r.status for r in ingest_path(engine, tmp_path / "a")] == ["created", "created"]


def test_check_path_against_a_database(seeded):
    (story,) = check_path(FOLLOWUP, engine=seeded)
    refs = {e.id for e in story.entities if not e.defines}
    assert refs == {"jen-daskal", "wang-xiaohong", "counternarcotics-working-group", "daskal-wang-meeting"}
    with pytest.raises(SheetInvalid):
        check_path(FOLLOWUP)  # alone, its references name nothing


# --- faults: unknown, ambiguous, wrong kind, conflicting relations -------------------------------

@pytest.fixture
def small(engine):
    """The small story stored, and a second one over the same text whose sheet we vary."""
    ingest_raw(engine, META, SHEET)
    return engine


OTHER = dict(META, id="small-talks-again")


def test_unknown_reference_names_candidates(small):
    sheet = {"entities": [{"ref": "Ann Leigh", "evidence": [{"quote": "Ann Lee led"}]}]}
    assert faults(small, OTHER, sheet) == [
        "facts.yaml: fact 'Ann Leigh': ref: 'Ann Leigh' is not an entity, event or claim defined in the sheet "
        "or stored in the graph; did you mean 'ann-lee' (Ann Lee)?"
    ]


def test_ambiguous_reference_names_every_candidate(small):
    # a second stored entity with the alias "Lee"
    ingest_raw(small, dict(META, id="lee-story"), {"entities": [
        {"id": "lee-family", "name": "The Lee family", "type": "organization", "aliases": ["Lee"],
         "evidence": ["Lee said"]}]})
    sheet = {"relations": [{"id": "lee-led-it", "subject": "Lee", "predicate": "led", "object": "delegation",
                            "evidence": ["Ann Lee led a small delegation"]}]}
    assert faults(small, OTHER, sheet) == [
        "facts.yaml: fact 'lee-led-it': subject: 'Lee' names 2 entities ('ann-lee' (Ann Lee), "
        "'lee-family' (The Lee family)); use an id"
    ]
    sheet["relations"][0]["subject"] = "Ann Lee"  # a name no other node has, as name or alias
    assert ingest_raw(small, OTHER, sheet).status == "created"


def test_a_name_does_not_win_over_another_nodes_alias(small):
    """'Paris' is the city's name and the Paris Club's alias: a sheet saying 'Paris' must say which (issue 11)."""
    ingest_raw(small, dict(META, id="club-story"), {"entities": [
        {"id": "paris-club", "name": "The Paris Club", "type": "organization", "aliases": ["Paris"],
         "evidence": ["delegation to Paris"]}]})
    sheet = {"entities": [{"ref": "Paris", "evidence": ["Paris on Monday"]}],
             "relations": [{"id": "visit-in-the-city", "subject": "paris-visit", "predicate": "took_place_in",
                            "object": "PARIS", "evidence": ["to Paris on Monday"]}]}
    candidates = "names 2 entities ('paris' (Paris), 'paris-club' (The Paris Club)); use an id"
    assert faults(small, OTHER, sheet) == [  # nothing written (faults() compares every table)
        f"facts.yaml: fact 'Paris': ref: 'Paris' {candidates}",
        f"facts.yaml: fact 'visit-in-the-city': object: 'PARIS' {candidates}",
    ]
    sheet["entities"][0]["ref"] = sheet["relations"][0]["object"] = "paris"  # an id is never ambiguous
    assert ingest_raw(small, OTHER, sheet).status == "created"
    assert graph(small).has_edge("paris-visit", "paris")


def test_a_ref_entry_must_name_a_node_of_its_section(small):
    sheet = {"entities": [{"ref": "paris-visit", "evidence": ["to Paris on Monday"]}],
             "events": [{"ref": "Ann Lee", "evidence": ["Ann Lee led"]}]}
    assert faults(small, OTHER, sheet) == [
        "facts.yaml: fact 'paris-visit': ref: 'paris-visit' names 'paris-visit', a event; the entities section "
        "refers to an entity",
        "facts.yaml: fact 'Ann Lee': ref: 'Ann Lee' names 'ann-lee', a person; the events section refers to an event",
    ]


def test_a_ref_entry_of_a_node_the_sheet_defines_or_twice(small):
    sheet = copy.deepcopy(SHEET)
    sheet["entities"].append({"ref": "Paris", "evidence": ["delegation to Paris"]})
    assert faults(small, OTHER, sheet) == [
        "facts.yaml: fact 'Paris': ref: 'Paris' names 'paris', which this sheet defines; give the aliases and "
        "evidence in its definition"
    ]
    twice = {"entities": [{"ref": "Paris", "evidence": ["delegation to Paris"]},
                          {"ref": "paris", "evidence": ["to Paris on Monday"]}]}
    assert faults(small, OTHER, twice) == [
        "facts.yaml: fact 'paris': ref: 'paris' names 'paris' like entities[0]; one entry per node"
    ]


def test_a_ref_entry_adds_aliases_and_evidence_and_defines_nothing(small):
    sheet = {"entities": [{"ref": "U.S. envoy", "aliases": ["envoy"], "evidence": ["the U.S. envoy"]}],
             "relations": [{"id": "envoy-met-lee", "subject": "envoy", "predicate": "met_with", "object": "Ann Lee",
                            "evidence": ["The delegation met the U.S. envoy."]}]}
    assert ingest_raw(small, OTHER, sheet).status == "created"
    d = graph(small).nodes["envoy"]
    assert d["name"] == "U.S. envoy" and d["aliases"] == ["U.S. envoy", "envoy"]
    assert [e["article_id"] for e in d["evidence"]] == ["small-talks", "small-talks-again"]


def test_a_sheet_cannot_change_the_type_of_a_shared_entity(small):
    sheet = copy.deepcopy(SHEET)
    sheet["entities"][2]["type"] = "country"
    assert faults(small, OTHER, sheet)[0] == (
        "facts.yaml: fact 'paris': type: 'paris' is a city in the graph (article 'small-talks'); a sheet cannot "
        "make it a country")


def test_the_same_sheet_under_another_id_shares_every_node_and_relation(small):
    before = graph(small)
    assert ingest_raw(small, OTHER, SHEET).status == "created"
    g = graph(small)
    assert set(g) == set(before) and set(g.edges(keys=True)) == set(before.edges(keys=True))
    for _, _, d in g.edges(data=True):
        assert {e["article_id"] for e in d["evidence"]} == {"small-talks", "small-talks-again"}


def test_a_replaced_article_can_restate_a_relation_it_alone_supports(small):
    sheet = copy.deepcopy(SHEET)
    sheet["relations"][0]["object"] = "paris-visit"  # lee-led-delegation, only ours: may change
    assert ingest_raw(small, META, sheet).status == "replaced"
    assert ("ann-lee", "paris-visit", "lee-led-delegation") in set(graph(small).edges(keys=True))


def test_the_catalog_knows_who_supports_what(small):
    ingest_raw(small, OTHER, {"entities": [{"ref": "Paris", "evidence": ["delegation to Paris"]}]})
    with Session(small) as s:
        cat = load_catalog(s)
    assert cat.entities["paris"].articles == {"small-talks", "small-talks-again"}
    assert cat.relations["lee-led-delegation"].articles == {"small-talks"}


# --- merges ------------------------------------------------------------------------------------

def _with_duplicate(engine):
    """The small story, and a second article that defines Ann Lee again as 'a-lee'."""
    ingest_raw(engine, META, SHEET)
    sheet = {"entities": [{"id": "a-lee", "name": "A. Lee", "type": "person", "aliases": ["Lee"],
                           "evidence": ["Lee said"]}],
             "relations": [
                 {"id": "a-lee-met-envoy", "subject": "a-lee", "predicate": "met_with", "object": "envoy",
                  "evidence": ["The delegation met the U.S. envoy."]},
                 {"id": "envoy-met-a-lee", "subject": "envoy", "predicate": "met_with", "object": "a-lee",
                  "qualifiers": {"source": "a-lee"}, "modality": "reported", "evidence": ["met the U.S. envoy"]}]}
    ingest_raw(engine, OTHER, sheet)
    return engine


def test_merge_moves_everything_and_undo_restores_exactly(engine):
    _with_duplicate(engine)
    before, snap = graph(engine), snapshot(engine)
    with write_session(engine) as s:
        row = merge_entities(s, "a-lee", "ann-lee", "alice")
        merge_id = row.id
    g = graph(engine)
    assert "a-lee" not in g
    d = g.nodes["ann-lee"]
    assert "A. Lee" in d["aliases"] and "Lee" in d["aliases"]
    assert {e["article_id"] for e in d["evidence"]} == {"small-talks", "small-talks-again"}
    edges = {k: (u, v, dd) for u, v, k, dd in g.edges(keys=True, data=True)}
    assert edges["a-lee-met-envoy"][:2] == ("ann-lee", "envoy")
    assert edges["envoy-met-a-lee"][:2] == ("envoy", "ann-lee")
    assert edges["envoy-met-a-lee"][2]["qualifiers"]["source"] == "ann-lee"
    with Session(engine) as s:
        assert load_catalog(s).redirects == {"a-lee": "ann-lee"}
    with write_session(engine) as s:
        undo_merge(s, merge_id, "bob")
    after = graph(engine)
    assert sorted(after.nodes(data=True)) == sorted(before.nodes(data=True))
    assert sorted(after.edges(keys=True, data=True)) == sorted(before.edges(keys=True, data=True))
    restored = snapshot(engine)
    for t in ("article", "entity", "alias", "relation", "evidence"):
        assert restored[t] == snap[t], t
    with write_session(engine) as s, pytest.raises(MergeConflict, match="already undone"):
        undo_merge(s, merge_id, "bob")
    with write_session(engine) as s, pytest.raises(MergeNotFound):
        undo_merge(s, 999, "bob")


def test_merge_refusals(engine):
    _with_duplicate(engine)
    with write_session(engine) as s, pytest.raises(MergeInvalid, match="into itself"):
        merge_entities(s, "ann-lee", "ann-lee", "alice")
    with write_session(engine) as s, pytest.raises(MergeInvalid, match="only entities of one type"):
        merge_entities(s, "a-lee", "paris", "alice")
    with write_session(engine) as s, pytest.raises(MergeConflict, match="a-lee-met-envoy"):
        merge_entities(s, "a-lee", "envoy", "alice")


def test_a_sheet_naming_a_merged_id_names_the_target(engine):
    _with_duplicate(engine)
    with write_session(engine) as s:
        merge_entities(s, "a-lee", "ann-lee", "alice")
    # the duplicate's article, changed: its definition of a-lee now adds to ann-lee
    sheet = {"entities": [{"id": "a-lee", "name": "A. Lee", "type": "person", "aliases": ["Lee"],
                           "evidence": ["Lee said"]}],
             "relations": [{"id": "a-lee-met-envoy", "subject": "a-lee", "predicate": "met_with", "object": "envoy",
                            "evidence": ["The delegation met the U.S. envoy."]}]}
    assert ingest_raw(engine, OTHER, sheet).status == "replaced"
    g = graph(engine)
    assert "a-lee" not in g and "A. Lee" in g.nodes["ann-lee"]["aliases"]
    assert ("ann-lee", "envoy", "a-lee-met-envoy") in set(g.edges(keys=True))
    assert "envoy-met-a-lee" not in {k for *_, k in g.edges(keys=True)}
