"""Every write logs the ids it touched (graph_change), and a sheet is verified by what it names.

The served index moves forward by re-reading exactly the logged ids, so a
missing id is a stale index: these tests state, for each kind of write, the
ids that must be in its revision's log, including the ones that went away
(an entity whose last evidence left with a replaced article, a relation no
article states any more). Verifying against the ids a sheet names
(:class:`graph.stories.resolution.StoredLookup`) must answer exactly as verifying
against the whole catalog did. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from graph.errors import SheetInvalid
from graph.ingest import ingest_path, ingest_story
from graph.storage import changes
from graph.storage.merge import merge_entities, undo_merge
from graph.storage.store import delete_article, stored_revision, write_session
from graph.storage.tables import EntityRow, RelationRow
from graph.stories.files import read_raw
from graph.stories.resolution import StoredLookup, load_catalog, sheet_ids
from graph.stories.validate import verify
from graph.testing import SEEDS

from .conftest import ARTICLE, META, SHEET, write_story

FOLLOWUP = Path(__file__).resolve().parents[1] / "fixtures" / "fentanyl-followup-2024-02-14"


def write(engine, meta, sheet, article=ARTICLE):
    with write_session(engine) as s:
        return ingest_story(s, meta, sheet, article)


def last_change(engine) -> changes.Changes:
    with engine.connect() as conn:
        revision = stored_revision(conn)
        out = changes.since(conn, revision - 1, revision)
    assert out is not None, "the newest revision has no change log"
    return out


def ids(engine, table) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(table.id)).scalars())


def all_sheet_ids(sheet) -> tuple[set[str], set[str]]:
    entities = {f["id"] for s in ("entities", "events", "claims") for f in sheet.get(s, [])}
    relations = {r["id"] for r in sheet.get("relations", [])}
    relations |= {f"{c['id']}--about--{a}" for c in sheet.get("claims", []) for a in c.get("about", [])}
    return entities, relations


def test_a_new_article_logs_its_article_entities_and_relations(engine):
    write(engine, META, SHEET)
    log = last_change(engine)
    entities, relations = all_sheet_ids(SHEET)
    assert log.article == {"small-talks"}
    assert entities <= log.entity and relations <= log.relation
    assert ids(engine, EntityRow) <= log.entity and ids(engine, RelationRow) <= log.relation


def test_replacing_an_article_logs_what_it_dropped(engine):
    write(engine, META, SHEET)
    sheet = copy.deepcopy(SHEET)
    sheet["entities"] = [e for e in sheet["entities"] if e["id"] not in ("critics", "the-story")]
    sheet["relations"] = [r for r in sheet["relations"] if r["id"] not in ("critics-deny-useful", "lee-reported-story")]
    assert write(engine, META, sheet).status == "replaced"
    log = last_change(engine)
    stored = ids(engine, EntityRow)
    assert "critics" not in stored and "the-story" not in stored  # lost their last evidence
    assert {"critics", "the-story"} <= log.entity
    assert {"critics-deny-useful", "lee-reported-story"} <= log.relation
    assert {"critics-deny-useful", "lee-reported-story"}.isdisjoint(ids(engine, RelationRow))
    assert log.article == {"small-talks"}


def test_a_second_article_logs_the_shared_nodes_it_adds_evidence_to(engine):
    write(engine, META, SHEET)
    other = dict(META, id="small-talks-again")
    write(engine, other, {"entities": [{"ref": "Paris", "aliases": ["PARIS"], "evidence": ["delegation to Paris"]}]})
    log = last_change(engine)
    assert "paris" in log.entity and log.article == {"small-talks-again"}
    with write_session(engine) as s:
        assert delete_article(s, "small-talks-again")
    log = last_change(engine)
    assert "paris" in log.entity and log.article == {"small-talks-again"}
    assert "paris" in ids(engine, EntityRow)  # the first article still supports it


def test_deleting_an_article_logs_everything_it_held(engine):
    write(engine, META, SHEET)
    entities, relations = ids(engine, EntityRow), ids(engine, RelationRow)
    with write_session(engine) as s:
        assert delete_article(s, "small-talks")
    log = last_change(engine)
    assert entities <= log.entity and relations <= log.relation and log.article == {"small-talks"}
    assert ids(engine, EntityRow) == set() and ids(engine, RelationRow) == set()


def test_merge_and_undo_log_the_redirect_and_the_moved_relations(engine):
    write(engine, META, SHEET)
    other = dict(META, id="small-talks-again")
    write(engine, other, {
        "entities": [{"id": "a-lee", "name": "A. Lee", "type": "person", "aliases": ["Lee"], "evidence": ["Lee said"]}],
        "relations": [{"id": "a-lee-met-envoy", "subject": "a-lee", "predicate": "met_with", "object": "envoy",
                       "evidence": ["The delegation met the U.S. envoy."]},
                      {"id": "envoy-met-a-lee", "subject": "envoy", "predicate": "met_with", "object": "a-lee",
                       "qualifiers": {"source": "a-lee"}, "modality": "reported",
                       "evidence": ["met the U.S. envoy"]}]})
    with write_session(engine) as s:
        merge_id = merge_entities(s, "a-lee", "ann-lee", "alice").id
    log = last_change(engine)
    assert log.redirect == {"a-lee"}
    assert {"a-lee", "ann-lee", "envoy"} <= log.entity
    assert {"a-lee-met-envoy", "envoy-met-a-lee"} <= log.relation
    with write_session(engine) as s:
        undo_merge(s, merge_id, "bob")
    log = last_change(engine)
    assert log.redirect == {"a-lee"} and {"a-lee", "ann-lee"} <= log.entity
    assert {"a-lee-met-envoy", "envoy-met-a-lee"} <= log.relation


def test_an_ingestion_is_one_revision_and_all_or_nothing(engine, tmp_path):
    write_story(tmp_path / "ok" / "small-talks")
    before = stored_revision_of(engine)
    assert [r.status for r in ingest_path(engine, tmp_path / "ok")] == ["created"]
    assert stored_revision_of(engine) == before + 1
    root = tmp_path / "two"
    write_story(root / "a", meta=dict(META, id="talks-a", published="2024-02-01"))
    bad = copy.deepcopy(SHEET)
    bad["relations"][0]["evidence"] = ["words the article never says"]
    write_story(root / "b", bad, meta=dict(META, id="talks-b", published="2024-02-02"))
    rows = table_rows(engine)
    with pytest.raises(SheetInvalid) as exc:
        ingest_path(engine, root)
    assert any("quote not found" in str(f) for f in exc.value.faults)
    assert table_rows(engine) == rows  # the good first story was not kept either; no revision, no log
    write_story(root / "b", meta=dict(META, id="talks-b", published="2024-02-02"))
    assert [r.status for r in ingest_path(engine, root)] == ["created", "created"]
    log = last_change(engine)
    assert log.article == {"talks-a", "talks-b"} and stored_revision_of(engine) == before + 2


def stored_revision_of(engine) -> int:
    with engine.connect() as conn:
        return stored_revision(conn)


def table_rows(engine) -> dict:
    tables = ("article", "entity", "alias", "relation", "evidence", "search_doc", "graph_state", "graph_change")
    with engine.connect() as c:
        return {t: sorted(map(repr, c.execute(text(f"SELECT * FROM {t}")).all())) for t in tables}


@pytest.mark.parametrize("case", ["followup", "unknown-name", "ambiguous-name", "type-clash"])
def test_verifying_by_the_ids_a_sheet_names_answers_as_the_whole_catalog(engine, case):
    ingest_path(engine, SEEDS)
    raw = read_raw(FOLLOWUP)
    sheet = copy.deepcopy(raw.sheet)
    if case == "unknown-name":
        sheet["entities"].append({"ref": "Jen Daskel", "evidence": []})
    elif case == "ambiguous-name":
        sheet["entities"].append({"id": "other-daskal", "name": "Jen Daskal", "type": "person", "evidence": []})
        sheet["entities"].append({"ref": "Jen Daskal", "evidence": []})
    elif case == "type-clash":
        sheet["entities"].append({"id": "jen-daskal", "name": "Jen Daskal", "type": "organization", "evidence": []})
    with Session(engine) as s:
        whole = _verified(raw, sheet, load_catalog(s))
        lookup = StoredLookup(s)
        lookup.prefetch(*sheet_ids(sheet))
        targeted = _verified(raw, sheet, lookup.catalog())
    assert targeted == whole


def _verified(raw, sheet, catalog):
    try:
        return verify(raw.meta, sheet, raw.text, catalog=catalog)
    except SheetInvalid as exc:
        return [str(f) for f in exc.faults]


def test_the_name_table_kept_between_writes_follows_every_write_and_rollback(engine, tmp_path):
    """A sheet refers to 'Ann Lee' by name: the per-process name table must answer as the database does now."""
    other = dict(META, id="small-talks-again")
    by_name = {"entities": [{"ref": "Ann Lee", "evidence": [{"quote": "Ann Lee led", "occurrence": 1}]}]}

    def refers() -> bool:
        try:
            write(engine, other, by_name)
        except SheetInvalid:
            return False
        with write_session(engine) as s:
            delete_article(s, "small-talks-again")
        return True

    assert not refers()  # nothing stored: the table is read, and says so
    write(engine, META, SHEET)
    assert refers()  # moved forward by the change log
    renamed = copy.deepcopy(SHEET)
    renamed["entities"][0] = dict(renamed["entities"][0], name="Ann Leigh", aliases=["Lee"])
    write(engine, META, renamed)
    assert not refers()  # the old name is gone
    root = tmp_path / "rolled-back"
    write_story(root / "a", SHEET, meta=dict(META, published="2024-02-01"))
    bad = {"entities": [{"ref": "Ann Lee", "evidence": ["words the article never says"]}]}
    write_story(root / "b", bad, meta=dict(other, published="2024-02-02"))
    with pytest.raises(SheetInvalid):
        ingest_path(engine, root)  # named 'Ann Lee' again, inside a transaction that rolled back
    assert not refers()
