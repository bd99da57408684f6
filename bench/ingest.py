"""Verifying and storing generated stories: in order, as the product does, and in bulk.

The product's one path (:func:`graph.ingest.ingest_story`) reads the whole
stored catalog (:func:`graph.resolution.load_catalog`: every entity, alias,
relation and evidence row) for each story, so its cost per story grows with the
store. :class:`BulkWriter` keeps the catalog in memory instead, updated after
each story, and hands ``verify`` only the stored nodes the sheet names; the rest
is the real path: ``graph.validate.verify``, then ``graph.store.write_session``
and ``write_story``, a batch of stories per transaction. The runner builds the
large databases this way and measures ``ingest_story`` itself at each size.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from graph.model import Story
from graph.resolution import Catalog, StoredEntity, with_story
from graph.store import write_session, write_story
from graph.validate import verify

from .generate import GenStory


def verify_in_order(stories: Iterable[GenStory]) -> list[Story]:
    """Verify stories as if each earlier one were stored (``graph.resolution.with_story``)."""
    catalog, out = Catalog(), []
    for s in stories:
        story = verify(s.meta, s.sheet, s.text, catalog=catalog)
        catalog = with_story(catalog, story)
        out.append(story)
    return out


def named_ids(sheet: dict) -> set[str]:
    """Every id a generated sheet refers to: ``ref:`` entries, relation ends and qualifiers, claims' ``about``."""
    ids = {f["ref"] for section in ("entities", "events", "claims") for f in sheet.get(section, []) if "ref" in f}
    for r in sheet.get("relations", []):
        ids.update((r["subject"], r["object"]))
        q = r.get("qualifiers") or {}
        ids.update(v for k, v in q.items() if k in ("place", "source"))
    for c in sheet.get("claims", []):
        ids.update(c.get("about", []))
    return ids


@dataclass
class BatchTiming:
    stories: int
    relations: int
    verify_s: float
    write_s: float


class BulkWriter:
    """``verify`` + ``write_story`` with an in-memory catalog, ``batch`` stories per transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.entities: dict[str, StoredEntity] = {}

    def catalog_for(self, sheet: dict) -> Catalog:
        return Catalog(entities={i: self.entities[i] for i in named_ids(sheet) if i in self.entities})

    def write(self, batch: list[GenStory]) -> BatchTiming:
        t0 = time.perf_counter()
        verified = []
        for s in batch:  # a story may name what an earlier story of the batch defines
            story = verify(s.meta, s.sheet, s.text, catalog=self.catalog_for(s.sheet))
            verified.append(story)
            for e in story.entities:
                if e.id not in self.entities:
                    self.entities[e.id] = StoredEntity(e.id, e.name, e.type, tuple(e.aliases),
                                                       frozenset({story.meta.id}))
        t1 = time.perf_counter()
        with write_session(self.engine) as session:
            for story in verified:
                write_story(session, story)
        t2 = time.perf_counter()
        return BatchTiming(len(batch), sum(len(s.relations) for s in verified), t1 - t0, t2 - t1)


def _rows(story: Story, seen_entities: set[str]) -> dict[str, list[dict]]:
    """The rows ``write_story`` writes for a new article, as plain dicts for Core ``insert``."""
    import datetime as dt

    aid = story.meta.id
    article = story.meta.model_dump() | {
        "text": story.text, "text_sha256": story.text_sha256, "content_sha256": story.content_sha256,
        "sheet": story.sheet, "ingested_at": dt.datetime.now(dt.UTC)}
    entities, aliases, evidence, relations = [], [], [], []
    for e in story.entities:
        if e.id not in seen_entities and getattr(e, "defines", True):
            seen_entities.add(e.id)
            entities.append({"id": e.id, "name": e.name, "type": e.type, "description": e.description,
                             "attributes": e.attributes, "date": e.date, "modality": e.modality})
        aliases += [{"entity_id": e.id, "article_id": aid, "text": a, "position": i} for i, a in enumerate(e.aliases)]
        evidence += [{"article_id": ev.article_id, "entity_id": e.id, "relation_id": None, "quote": ev.quote,
                      "start": ev.start, "end": ev.end, "sentence": ev.sentence, "position": i}
                     for i, ev in enumerate(e.evidence)]
    for r in story.relations:
        relations.append({"id": r.id, "subject_id": r.subject, "predicate": r.predicate, "object_id": r.object,
                          "modality": r.modality, "qualifiers": r.qualifiers, "article_id": aid})
        evidence += [{"article_id": ev.article_id, "entity_id": None, "relation_id": r.id, "quote": ev.quote,
                      "start": ev.start, "end": ev.end, "sentence": ev.sentence, "position": i}
                     for i, ev in enumerate(r.evidence)]
    return {"article": [article], "entity": entities, "alias": aliases, "relation": relations,
            "evidence": evidence}


def bulk_load(engine: Engine, stories: Iterable[GenStory], *, batch: int = 500,
              writer: BulkWriter | None = None) -> BatchTiming:
    """A bench-only fast path to a large database: the same rows ``write_story`` writes for new articles.

    Every story is verified by the real verifier; rows go in with Core ``insert`` executemany
    (tables in foreign-key order), the full-text documents are derived at the end by
    ``graph.search.rebuild`` and the revision bumped once. Only for new articles whose relation
    ids are their own (as the generator's are): nothing is replaced, merged or orphaned.
    """
    from sqlalchemy import insert
    from sqlmodel import Session

    from graph import search
    from graph.store import bump_revision
    from graph.tables import AliasRow, ArticleRow, EntityRow, EvidenceRow, RelationRow

    tables = [("article", ArticleRow), ("entity", EntityRow), ("alias", AliasRow), ("relation", RelationRow),
              ("evidence", EvidenceRow)]
    writer = writer or BulkWriter(engine)
    seen: set[str] = set(writer.entities)
    total = BatchTiming(0, 0, 0.0, 0.0)
    it = iter(stories)
    while True:
        chunk = [s for _, s in zip(range(batch), it)]
        if not chunk:
            break
        t0 = time.perf_counter()
        verified = []
        for s in chunk:
            story = verify(s.meta, s.sheet, s.text, catalog=writer.catalog_for(s.sheet))
            verified.append(story)
            for e in story.entities:
                if e.id not in writer.entities:
                    writer.entities[e.id] = StoredEntity(e.id, e.name, e.type, tuple(e.aliases),
                                                         frozenset({story.meta.id}))
        t1 = time.perf_counter()
        rows: dict[str, list[dict]] = {name: [] for name, _ in tables}
        for story in verified:
            for name, items in _rows(story, seen).items():
                rows[name] += items
        with engine.begin() as conn:
            for name, table in tables:
                if rows[name]:
                    conn.execute(insert(table.__table__), rows[name])
        total.stories += len(chunk)
        total.relations += sum(len(s.relations) for s in verified)
        total.verify_s += t1 - t0
        total.write_s += time.perf_counter() - t1
    t2 = time.perf_counter()
    with Session(engine) as session, session.begin():
        search.rebuild(session)
        bump_revision(session)
    total.write_s += time.perf_counter() - t2
    return total
