"""The index moved forward by the change log holds exactly what a full rebuild holds.

After random sequences of writes (new articles, replaced ones, deleted ones,
merges and their undos), each applied through ``graph.storage.changes.since`` and
``GraphIndex.apply``, the index is compared with one built from scratch:
every node and edge with its data, the articles, the redirects, the orders
the lists page over, and name lookups. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from sqlalchemy import select

from bench.generate import generate
from graph.algorithms import queries
from graph.errors import MergeConflict, MergeInvalid, MergeNotFound, SheetInvalid
from graph.indexing.index import GraphIndex, load_index, read_changes
from graph.ingest import ingest_story
from graph.storage import changes
from graph.storage.merge import merge_entities, undo_merge
from graph.storage.store import create_schema, delete_article, make_engine, stored_revision, write_session
from graph.storage.tables import ArticleRow, EntityRow, MergeRow


def canonical(ix: GraphIndex) -> dict:
    """Everything a reader can see of an index, independent of insertion order."""
    g = ix.g
    o = ix.orders
    probes = sorted({w for _, d in g.nodes(data=True) for w in d["name"].split()[:1]})[:25]
    return json.loads(json.dumps({
        "nodes": sorted([n, d] for n, d in g.nodes(data=True)),
        "edges": sorted([k, u, v, d] for u, v, k, d in g.edges(keys=True, data=True)),
        "articles": ix.articles, "texts": ix.texts, "redirects": ix.redirects,
        "revision": ix.revision,
        "names": list(o.names.keys), "types": {t: list(k.keys) for t, k in o.types.items() if k.keys},
        "events": list(o.events.keys), "relations": list(o.relations.keys),
        "predicates": {p: list(keys) for p, keys in o.predicates.items() if keys},
        "claims": {s: ids for s, ids in o.claims.items() if ids}, "claim_status": o.claim_status,
        "search": {q: [(m.id, m.score, m.matched) for m in ix.names.search(q, limit=5)] for q in probes},
        "events_in": [o.events_in(None, None), o.events_in(dt.date(2023, 1, 1), dt.date(2023, 12, 31))],
        # through the per-entity memo (HUB_RELATIONS is 1 in these tests: every list is kept)
        "relations_of": {n: [r["id"] for r in queries.relations_of(ix, n)] for n in sorted(g)[:40]},
        "claim_ids": o.claim_ids, "article_ids": ix.article_ids,
    }, sort_keys=True, default=str))


def advance(engine, ix: GraphIndex) -> None:
    with engine.connect() as conn, conn.begin():
        target = stored_revision(conn)
        found = changes.since(conn, ix.stored_revision, target)
        assert found is not None, "every write logs its changes"
        rows, redirects = read_changes(conn, found)
    ix.apply(found, rows, redirects)


def rebuilt(engine) -> GraphIndex:
    with engine.connect() as conn, conn.begin():
        return load_index(conn)


def _variant(story, rng: random.Random) -> dict:
    """The story's sheet with some of its relations dropped: what a PUT that corrects a sheet sends."""
    sheet = json.loads(json.dumps(story.sheet))
    rels = sheet.get("relations", [])
    sheet["relations"] = [r for r in rels if rng.random() < 0.6]
    return sheet


def _step(engine, rng: random.Random, stories: list, stored: set[str]) -> str:
    op = rng.choice(["post", "post", "post", "put", "delete", "merge", "merge", "undo"])
    try:
        with write_session(engine) as s:
            if op == "post" or not stored:
                story = next((x for x in stories if x.id not in stored), None) if rng.random() < 0.7 else \
                    rng.choice(stories)
                if story is None:
                    return "none"
                ingest_story(s, story.meta, story.sheet, story.text)
                stored.add(story.id)
                return f"post {story.id}"
            if op == "put":
                chosen = rng.choice(sorted(stored))
                story = next(x for x in stories if x.id == chosen)
                ingest_story(s, story.meta, _variant(story, rng), story.text, if_exists="replace")
                return f"put {story.id}"
            if op == "delete":
                victim = rng.choice(sorted(stored))
                delete_article(s, victim)
                stored.discard(victim)
                return f"delete {victim}"
            if op == "merge":
                by_type: dict[str, list[str]] = {}
                for node, type_ in s.execute(select(EntityRow.id, EntityRow.type)).all():
                    by_type.setdefault(type_, []).append(node)
                pools = [ids for ids in by_type.values() if len(ids) > 1]
                if not pools:
                    return "none"
                a, b = rng.sample(sorted(rng.choice(pools)), 2)
                merge_entities(s, a, b, "test")
                return f"merge {a} into {b}"
            ids = s.execute(select(MergeRow.id).where(MergeRow.undone_at.is_(None))).scalars().all()
            if not ids:
                return "none"
            undo_merge(s, rng.choice(sorted(ids)), "test")
            return "undo"
    except (SheetInvalid, MergeInvalid, MergeConflict, MergeNotFound) as exc:
        return f"{op} refused ({type(exc).__name__}): nothing written"


# Seeds 6, 12 and 16 once found faults outside the index: a sheet defining an id merged into an entity
# that was gone since (500), an orphan kept by its aliases alone (a foreign key failure), and a
# redirect dropped for good while its id was briefly an entity again.
@pytest.mark.parametrize("seed", [1, 2, 3, 6, 12, 16])
def test_change_log_keeps_the_index_equal_to_a_rebuild(database_url, seed, monkeypatch):
    monkeypatch.setattr(queries, "HUB_RELATIONS", 1)
    rng = random.Random(seed)
    stories = list(generate(10, seed=seed, relations=10, prefix=f"inc{seed}"))
    engine = make_engine(database_url(f"inc{seed}"))
    create_schema(engine)
    ix = rebuilt(engine)
    stored: set[str] = set()
    done = []
    for _ in range(30):
        done.append(_step(engine, rng, stories, stored))
        if rng.random() < 0.7:  # sometimes several revisions at once
            advance(engine, ix)
            assert canonical(ix) == canonical(rebuilt(engine)), done
    advance(engine, ix)
    assert canonical(ix) == canonical(rebuilt(engine)), done
    assert any(d.startswith("merge") for d in done) and any(d.startswith("delete") for d in done), done
    with engine.connect() as conn:
        assert conn.execute(select(ArticleRow.id)).first() is not None or not stored
    engine.dispose()


def test_a_log_that_does_not_cover_the_revisions_asks_for_a_rebuild(database_url):
    engine = make_engine(database_url("gap"))
    create_schema(engine)
    story = next(generate(1, seed=5, relations=5, prefix="gap"))
    with write_session(engine) as s:
        ingest_story(s, story.meta, story.sheet, story.text)
    with engine.connect() as conn, conn.begin():
        revision = stored_revision(conn)
        assert changes.since(conn, 0, revision) is not None
        assert changes.since(conn, revision, revision) is not None
        assert changes.since(conn, -5, revision) is None  # revisions the log never held
    engine.dispose()
