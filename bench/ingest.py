"""Verifying and storing generated stories: in order, as the product does, and in bulk; and timing the product's paths.

The product's one path (:func:`graph.ingest.ingest_story`) verifies a sheet
against the stored ids it names (:class:`graph.stories.resolution.StoredLookup`), so
its cost per story no longer grows with the store. :class:`BulkWriter` keeps
its own in-memory catalog of the generated entities and hands ``verify`` only
the stored nodes the sheet names; the rest is the real path:
``graph.stories.validate.verify``, then ``graph.storage.store.write_session`` and
``write_story``, a batch of stories per transaction, one revision per batch.
:func:`bulk_load` is a bench-only fast path to a large store.

``python -m bench.ingest`` times the product on a store that exists (a copy of a
SQLite file, or a PostgreSQL URL): ``storygraph ingest``'s path
(:func:`graph.ingest.ingest_path`) on ``--count`` new articles, and one
50-relation article per transaction through :func:`graph.ingest.ingest_story`
(what ``POST /v1/articles`` runs), ``--writes`` times::

    python -m bench.ingest --store /tmp/bench/store-20000-seed7.db --after 20000 --count 1000 --writes 20
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from graph.model import Story
from graph.storage.store import bump_revision, has_pending_changes, write_session, write_story
from graph.stories.resolution import Catalog, StoredEntity, with_story
from graph.stories.validate import verify

from .generate import GenStory


def verify_in_order(stories: Iterable[GenStory]) -> list[Story]:
    """Verify stories as if each earlier one were stored (``graph.stories.resolution.with_story``)."""
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

    def verified(self, batch: list[GenStory]) -> list[Story]:
        """The stories verified in order, each entity they define added to the catalog."""
        verified = []
        for s in batch:  # a story may name what an earlier story of the batch defines
            story = verify(s.meta, s.sheet, s.text, catalog=self.catalog_for(s.sheet))
            verified.append(story)
            for e in story.entities:
                if e.id not in self.entities:
                    self.entities[e.id] = StoredEntity(e.id, e.name, e.type, tuple(e.aliases),
                                                       frozenset({story.meta.id}))
        return verified

    def write(self, batch: list[GenStory]) -> BatchTiming:
        t0 = time.perf_counter()
        verified = self.verified(batch)
        t1 = time.perf_counter()
        with write_session(self.engine) as session:
            for story in verified:
                write_story(session, story, record=False)
            if has_pending_changes(session):
                bump_revision(session)
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
    ``graph.storage.search.rebuild`` and the revision bumped once. Only for new articles whose relation
    ids are their own (as the generator's are): nothing is replaced, merged or orphaned.
    """
    from sqlalchemy import insert
    from sqlmodel import Session

    from graph.storage import search
    from graph.storage.tables import AliasRow, ArticleRow, EntityRow, EvidenceRow, RelationRow

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
        verified = writer.verified(chunk)
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
        _bump_unlogged(session)
    total.write_s += time.perf_counter() - t2
    return total


def _bump_unlogged(session) -> None:
    """A new revision with no change log: a process serving an older one rebuilds in full
    (graph.storage.changes.since)."""
    import datetime as dt

    from sqlalchemy import update

    from graph.storage.tables import GraphStateRow

    session.execute(update(GraphStateRow).where(GraphStateRow.id == 1)
                    .values(revision=GraphStateRow.revision + 1, changed_at=dt.datetime.now(dt.UTC)))


# --- timing the product's write paths on a store that exists ----------------------------------------------------


@dataclass
class PathTiming:
    stories: int
    relations: int
    seconds: float
    read_s: float
    write_s: float  # verify + write, every story
    commit_s: float  # the one revision bump and COMMIT

    @property
    def rate(self) -> float:
        return self.relations / self.seconds if self.seconds else float("nan")


def time_ingest_path(engine: Engine, folder) -> PathTiming:
    """``graph.ingest.ingest_path`` (``storygraph ingest``) on a folder, with its phases."""
    from graph.ingest import ingest_path

    marks: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        marks[phase] = time.perf_counter()

    t0 = time.perf_counter()
    results = ingest_path(engine, folder, progress=progress)
    t1 = time.perf_counter()
    read_end = marks.get("read", t0)
    write_end = marks.get("write", read_end)
    return PathTiming(len(results), sum(r.relations for r in results), t1 - t0, read_end - t0,
                      write_end - read_end, t1 - write_end)


def time_single_writes(engine: Engine, stories: list[GenStory]) -> list[float]:
    """Seconds per story through ``ingest_story`` in a transaction of its own (what a POST runs), in order."""
    from graph.ingest import ingest_story

    out = []
    for s in stories:
        t0 = time.perf_counter()
        with write_session(engine) as session:
            ingest_story(session, s.meta, s.sheet, s.text, if_exists="conflict")
        out.append(time.perf_counter() - t0)
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse
    import shutil
    import statistics
    import tempfile
    from itertools import islice
    from pathlib import Path

    from graph.storage.store import create_schema, make_engine

    from .generate import DEFAULT_SEED, generate, write_story_dir

    p = argparse.ArgumentParser(description="Time storygraph's write paths on a stored graph (prints figures).")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", type=Path, help="a SQLite store; a copy is written to, never the file itself")
    where.add_argument("--database-url", help="a database that holds the store (it is written to)")
    p.add_argument("--after", type=int, required=True, help="articles already stored (generated with --seed)")
    p.add_argument("--count", type=int, default=1000, help="new articles through ingest_path, one transaction")
    p.add_argument("--writes", type=int, default=20, help="then this many single-article transactions")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--workdir", type=Path, default=None)
    a = p.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-", dir=a.workdir))
    try:
        if a.store:
            db = work / "store.db"
            t0 = time.perf_counter()
            shutil.copyfile(a.store, db)
            for ext in ("-wal", "-shm"):
                if Path(f"{a.store}{ext}").exists():
                    shutil.copyfile(f"{a.store}{ext}", f"{db}{ext}")
            print(f"copied the store in {time.perf_counter() - t0:.1f} s")
            url = f"sqlite:///{db}"
        else:
            url = a.database_url
        engine = make_engine(url)
        create_schema(engine)
        new = islice(generate(a.after + a.count + a.writes, seed=a.seed), a.after, None)
        folder = work / "stories"
        batch = [s for _, s in zip(range(a.count), new)]
        for s in batch:
            write_story_dir(folder, s)
        singles = list(new)
        if batch:
            t = time_ingest_path(engine, folder)
            print(f"ingest_path: {t.stories} articles, {t.relations} relations in {t.seconds:.1f} s = "
                  f"{t.rate:,.0f} relations/s (read {t.read_s:.1f} s, verify+write {t.write_s:.1f} s, "
                  f"commit {t.commit_s:.1f} s)")
        if singles:
            times = time_single_writes(engine, singles)
            ms = sorted(1000 * x for x in times)
            print(f"single writes: {len(ms)} articles of ~{singles[0].n_relations} relations: p50 "
                  f"{statistics.median(ms):.0f} ms, max {ms[-1]:.0f} ms (first {1000 * times[0]:.0f} ms)")
        engine.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
