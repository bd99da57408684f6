"""The full-text evidence index: written with the facts, ranked by the database.

Each test runs on SQLite (FTS5) and, when a server and psycopg are at hand,
on PostgreSQL (tsvector + GIN) too.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from graph.errors import InvalidParameter
from graph.ingest import ingest_path
from graph.storage import search
from graph.storage.store import create_schema, make_engine
from graph.storage.store import write_story as store_story
from graph.storage.tables import AliasRow, ArticleRow, EntityRow, EvidenceRow, SearchDocRow
from graph.stories.files import read_story
from graph.testing import SEEDS

from .conftest import write_story

HOSTILE = ['"', '""', "'", "*", "***", "NEAR", "NEAR(a b)", "a NEAR/2 b", "-china", "china -", "china OR", "AND",
           "NOT china", "text:china", "{text}: china", "^china", "china*", "(china", "china)", ")(", ":", "\\",
           "%", "_", "'; DROP TABLE search_doc; --", "\x00china", "中国", "ü", "🙂", "c" * 500, "a" * 40 + " " + "b",
           "\"precursor chemicals\"", "precursor + chemicals", "column:text", "rank", "bm25(search_fts)"]


@pytest.fixture(scope="module")
def seeded(backend):
    """The seed story stored, and its article text."""
    url = backend.url("search")
    eng = make_engine(url)
    create_schema(eng)
    ingest_path(eng, SEEDS)
    with Session(eng) as s:
        (article,) = s.exec(select(ArticleRow)).all()
        texts = {article.id: article.text}
    yield eng, texts
    eng.dispose()
    backend.drop(url)


def find(engine, q, **kw) -> search.SearchResult:
    with Session(engine) as s:
        return search.search(s, q, **kw)


def all_hits(engine, q, **kw) -> list[search.Hit]:
    return find(engine, q, limit=10_000, **kw).hits


def assert_anchored(hits, texts):
    for h in hits:
        for ev in h.evidence:
            assert texts[ev["article_id"]][ev["start"]:ev["end"]] == ev["quote"]


def words(s: str) -> set[str]:
    return set(re.findall(r"\w+", s.casefold()))


def test_fts5_query_is_never_syntax():
    assert search.fts5_query("precursor chemicals") == '"precursor" "chemicals"'
    assert search.fts5_query('say "hi"') == '"say" """hi"""'
    assert search.fts5_query("NEAR(a b) -x c* OR") == '"NEAR(a" "b)" "-x" "c*" "OR"'
    assert search.fts5_query(" * - \" ") == ""
    assert search.fts5_query("a\x00b") == '"a" "b"'


def test_precursor_chemicals(seeded):
    engine, texts = seeded
    hits = all_hits(engine, "precursor chemicals")
    assert (hits[0].kind == "entity" and hits[0].id == "precursor-chemicals") or engine.dialect.name == "postgresql"
    assert "precursor-chemicals" in [h.id for h in hits[:3]]
    ids = {(h.kind, h.id) for h in hits}
    assert ("claim", "china-primary-source-of-precursors") in ids
    claim = next(h for h in hits if h.id == "china-primary-source-of-precursors")
    assert claim.entity == {"id": claim.id, "name": claim.label, "type": "claim"}
    assert claim.evidence and all({"precursor", "chemicals"} <= words(e["quote"]) for e in claim.evidence)
    assert_anchored(hits, texts)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    for h in hits:  # every word of q is in the matched document (stemmed: "chemical" or "chemicals")
        assert {"precursor"} <= words(h.matched["text"]) and re.search(r"chemical", h.matched["text"], re.I)


def test_illicit_finance(seeded):
    engine, texts = seeded
    hits = all_hits(engine, "illicit finance")
    assert hits[0].id == "illicit-finance" and hits[0].kind == "entity"
    assert hits[0].entity == {"id": "illicit-finance", "name": "Illicit finance", "type": "topic"}  # the problem
    assert hits[1].id == "illicit-finance-cooperation"  # and the remedy Washington hopes for, apart since issue 11
    relations = [h for h in hits if h.kind == "relation"]
    assert relations and all(h.relation["id"] == h.id for h in relations)
    seeks = next(h for h in relations if h.id == "us-seeks-cooperation-on-illicit-finance")
    assert seeks.relation["subject"]["id"] == "united-states" and seeks.relation["predicate"] == "seeks"
    assert seeks.label == f"United States seeks {seeks.relation['object']['name']}"
    assert seeks.matched["field"] == "evidence" and "illicit finance" in " ".join(seeks.matched["text"].split())
    assert_anchored(hits, texts)


@pytest.mark.parametrize("q", ["labeling", "label", "LABEL", "labels"])
def test_labeling_is_found_by_its_stem(seeded, q):
    engine, texts = seeded
    hits = all_hits(engine, q)
    quotes = [e["quote"] for h in hits for e in h.evidence]
    assert any("labeling" in quote for quote in quotes), quotes
    assert "companies-can-do-a-lot" in [h.id for h in hits if h.kind == "claim"]
    assert_anchored(hits, texts)


def test_kind_filter_and_pages(seeded):
    engine, _ = seeded
    everything = find(engine, "China", limit=10_000)
    assert everything.total == len(everything.hits) > 10
    for kind in search.KINDS:
        only = all_hits(engine, "China", kind=kind)
        assert only and {h.kind for h in only} == {kind}
        assert [h.id for h in only] == [h.id for h in everything.hits if h.kind == kind]
    paged = [h.id for offset in range(0, everything.total, 7)
             for h in find(engine, "China", limit=7, offset=offset).hits]
    assert paged == [h.id for h in everything.hits]
    beyond = find(engine, "China", limit=5, offset=everything.total)
    assert beyond.hits == [] and beyond.total == everything.total
    with pytest.raises(InvalidParameter, match="Parameter 'kind'"):
        find(engine, "China", kind="event")


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_are_plain_text(seeded, q):
    engine, _ = seeded
    result = find(engine, q)
    assert result.total >= len(result.hits)


@pytest.mark.parametrize("q", ["", "   ", "\n\t"])
def test_blank_query_is_invalid(seeded, q):
    with pytest.raises(InvalidParameter, match="Parameter 'q'"):
        find(seeded[0], q)


def expected_documents(session: Session) -> set[tuple]:
    """The documents, derived independently from the fact tables."""
    ents = {e.id: e for e in session.exec(select(EntityRow)).all()}
    kind = {i: ("claim" if e.type == "claim" else "entity") for i, e in ents.items()}
    docs = set()
    for ev in session.exec(select(EvidenceRow)).all():
        owner = ("relation", ev.relation_id) if ev.relation_id else (kind[ev.entity_id], ev.entity_id)
        docs.add((*owner, "evidence", ev.quote, ev.article_id, ev.start, ev.end, ev.sentence))
    for a in session.exec(select(AliasRow)).all():
        if a.text != ents[a.entity_id].name:
            docs.add((kind[a.entity_id], a.entity_id, "alias", a.text, a.article_id, None, None, None))
    for i, e in ents.items():
        docs.add((kind[i], i, "text" if e.type == "claim" else "name", e.name, None, None, None, None))
        if e.description:
            docs.add((kind[i], i, "description", e.description, None, None, None, None))
    return docs


def stored_documents(session: Session) -> list[tuple]:
    return [(d.kind, d.item_id, d.field, d.text, d.article_id, d.start, d.end, d.sentence)
            for d in session.exec(select(SearchDocRow)).all()]


def test_index_holds_exactly_the_documents_of_the_tables(seeded):
    with Session(seeded[0]) as s:
        stored = stored_documents(s)
        assert len(stored) == len(set(stored))
        assert set(stored) == expected_documents(s)


def test_replacing_an_article_updates_the_index(engine, tmp_path, sheet):
    ingest_path(engine, write_story(tmp_path / "v1" / "small-talks"))
    assert [h.id for h in all_hits(engine, "critics")] == ["critics", "critics-deny-useful"]
    assert all_hits(engine, "useful", kind="claim")[0].id == "talks-useful"

    sheet["entities"] = [e for e in sheet["entities"] if e["id"] != "critics"]
    sheet["relations"] = [r for r in sheet["relations"] if r["id"] != "critics-deny-useful"]
    sheet["claims"][0]["text"] = "The talks went well"
    sheet["entities"][0]["description"] = "A reporter who led a delegation to Paris"
    (result,) = ingest_path(engine, write_story(tmp_path / "v2" / "small-talks", sheet))
    assert result.status == "replaced"

    assert all_hits(engine, "critics") == []
    assert all_hits(engine, "useful", kind="claim")[0].matched == {"field": "evidence", "text": "the talks were useful"}
    assert [h.id for h in all_hits(engine, "went well")] == ["talks-useful"]
    reporter = all_hits(engine, "reporter")
    assert [(h.id, h.matched["field"]) for h in reporter] == [("ann-lee", "description")]
    with Session(engine) as s:
        assert set(stored_documents(s)) == expected_documents(s)


def test_a_rolled_back_write_leaves_no_document(engine, story_dir):
    story = read_story(story_dir)
    with Session(engine) as s:
        s.begin()
        store_story(s, story)
        assert s.exec(select(SearchDocRow)).first() is not None
        s.rollback()
    assert find(engine, "delegation").total == 0
    with Session(engine) as s:
        assert s.exec(select(SearchDocRow)).all() == []


def test_schema_creation_indexes_a_database_written_without_the_index(engine, story_dir):
    ingest_path(engine, story_dir)
    with Session(engine) as s:
        before = sorted(stored_documents(s), key=repr)
    with engine.begin() as c:
        c.execute(text("DELETE FROM search_doc"))
    assert find(engine, "delegation").total == 0
    create_schema(engine)
    with Session(engine) as s:
        assert sorted(stored_documents(s), key=repr) == before
    assert find(engine, "delegation").total > 0
    create_schema(engine)  # idempotent
    with Session(engine) as s:
        assert len(stored_documents(s)) == len(before)


