"""The in-memory query index: the MultiDiGraph, its name index, its orders, the articles.

Built once from the database at start (:func:`load_index`), then moved
forward in place by the change log (:meth:`GraphIndex.apply`): a write
touches tens of items, and re-reading those is milliseconds where a rebuild
of a million relations is seconds. Readers hold ``ix.lock`` for reading
while they look (the API while an endpoint runs, ``app/deps.py``); applying
takes it for writing, briefly, so no reader ever sees half a revision.
"""

from __future__ import annotations

import bisect
import hashlib
from typing import Any

import networkx as nx
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from graph.indexing.build import Rows, graph_from_rows, graph_from_stories, read_rows
from graph.indexing.names import NameIndex
from graph.indexing.orders import SAYINGS, Orders
from graph.indexing.rwlock import RWLock
from graph.model import Story
from graph.storage.changes import Changes
from graph.storage.store import stored_revision
from graph.storage.tables import MergeRow
from graph.stories.resolution import follow


def _article_digest(article_id: str, content_sha256: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{article_id}:{content_sha256}".encode()).digest()[:8], "big")


class GraphIndex:
    """What the API serves: ``g`` (a MultiDiGraph keyed by relation id), names, orders, articles, redirects."""

    def __init__(self, g: nx.MultiDiGraph, articles: dict[str, dict[str, Any]], texts: dict[str, str],
                 stored_revision: int = 0, redirects: dict[str, str] | None = None) -> None:
        self.g = g
        self.articles = articles  # id -> metadata
        self.texts = texts  # id -> full text
        self.stored_revision = stored_revision  # graph_state.revision this index holds
        self.merged = redirects or {}  # id merged away -> the id it names now, for every merge not undone
        self.redirects = {old: new for old, new in self.merged.items() if old not in g}  # ... and not live again
        self.article_ids = sorted(articles)
        self.memo: dict[tuple[Any, ...], Any] = {}  # answers kept per entity, keyed (kind, entity, ...): see remember()
        self.lock = RWLock()
        self.names = NameIndex(g)
        self.orders = Orders(g)
        # The stored counter moves on every write (merges included); the content hash keeps two
        # databases at the same counter from sharing a revision. XOR: moved forward per article.
        self._content = 0
        for a, meta in articles.items():
            self._content ^= _article_digest(a, meta["content_sha256"])

    @property
    def revision(self) -> str:
        return f"{self.stored_revision}.{self._content & 0xFFFF_FFFF_FFFF:012x}"

    MEMO_LIMIT = 4096

    def remember(self, key: tuple[Any, ...], value: Any) -> None:
        """Keep ``value`` for ``key`` (``key[1]`` an entity) until a revision touches that entity; bounded."""
        if len(self.memo) >= self.MEMO_LIMIT:
            self.memo.clear()
        self.memo[key] = value

    def apply(self, changes: Changes, rows: Rows, redirects: dict[str, str] | None = None) -> list[Any]:
        """Move to ``changes.revision``: ``rows`` holds the touched items as stored now (absent: deleted).

        The caller holds ``self.lock`` for writing, and drops what this answers (the
        data it replaced) after releasing it. Relations go first (their old
        ends are found by their keys in ``orders.relations``), then nodes, then what derives from both.
        """
        g = self.g
        keys = self.orders.relations.key_of
        touched_claims: set[str] = set()
        relations: dict[str, tuple[str | None, str | None, str | None]] = {}  # id -> (old predicate, u, v)
        ends: set[str] = set()  # the old ends of touched relations
        for rid in changes.relation:
            key = keys.get(rid)
            if key is not None:
                _, u, v = key
                ends.update((u, v))
                relations[rid] = (g._succ[u][v][rid]["predicate"], None, None)
                touched_claims.add(v)
                g.remove_edge(u, v, key=rid)
            else:
                relations[rid] = (None, None, None)
        for node in changes.entity:
            if node not in rows.nodes and node in g:
                # A node goes with its relations: each of them was logged too, but never leave one behind.
                for u, v, rid, p in list(g.in_edges(node, keys=True, data="predicate")) + \
                        list(g.out_edges(node, keys=True, data="predicate")):
                    relations[rid] = (p, None, None)
                    ends.update((u, v))
                    touched_claims.add(v)
                    g.remove_edge(u, v, key=rid)
                g.remove_node(node)
        old: list[dict[str, Any]] = []  # replaced node data: a hub's holds thousands of evidence spans
        for node, data in rows.nodes.items():
            if node in g:
                old.append(g._node[node])
                g._node[node] = data
            else:
                g.add_node(node, **data)
        for rid in changes.relation:
            if rid in rows.edges:
                u, v, data = rows.edges[rid]
                g.add_edge(u, v, key=rid, **data)
                relations[rid] = (relations[rid][0], u, v)
                touched_claims.add(v)
        for a in changes.article:
            old_meta = self.articles.pop(a, None)
            self.texts.pop(a, None)
            if old_meta is not None:
                self._content ^= _article_digest(a, old_meta["content_sha256"])
            if a in rows.articles:
                self.articles[a], self.texts[a] = rows.articles[a], rows.texts[a]
                self._content ^= _article_digest(a, rows.articles[a]["content_sha256"])
        for a in changes.article:
            i = bisect.bisect_left(self.article_ids, a)
            present = i < len(self.article_ids) and self.article_ids[i] == a
            if present and a not in self.articles:
                del self.article_ids[i]
            elif not present and a in self.articles:
                self.article_ids.insert(i, a)
        if redirects is not None:
            self.merged = redirects
        self.redirects = {old: new for old, new in self.merged.items() if old not in g}
        if self.memo:
            touched: set[str | None] = set(changes.entity)
            for _old_pred, u, v in relations.values():
                touched.update((u, v))
            touched.update(ends)
            self.memo = {k: v for k, v in self.memo.items() if k[1] not in touched}
        self.names.refresh(changes.entity)
        self.orders.refresh(g, nodes=changes.entity, relations=relations,
                            claims=(c for c in touched_claims if c in g))
        self.stored_revision = changes.revision
        return old  # freed by the caller once it has let readers back in

    def __repr__(self) -> str:
        return (f"<GraphIndex revision {self.revision}: {self.g.number_of_nodes()} entities, "
                f"{len(self.orders.relations)} relations>")


def read_redirects(conn: Connection | Session) -> dict[str, str]:
    """Merged-away id -> the id it names now, for merges not undone (chains followed)."""
    merged = dict(conn.execute(select(col(MergeRow.from_id), col(MergeRow.into_id))
                               .where(col(MergeRow.undone_at).is_(None))
                               .order_by(col(MergeRow.id))).all())
    return {old: follow(merged, old) for old in merged}


def load_index(session_or_conn: Session | Connection) -> GraphIndex:
    """Build the index from the database: the database stays the truth.

    Reads in one transaction, so the revision matches what it read.
    """
    conn = session_or_conn.connection() if isinstance(session_or_conn, Session) else session_or_conn
    revision = stored_revision(conn)
    rows = read_rows(conn)
    g = graph_from_rows(rows)
    return GraphIndex(g, rows.articles, rows.texts, revision, read_redirects(conn))


def read_changes(conn: Connection, changes: Changes) -> tuple[Rows, dict[str, str] | None]:
    """The touched items as stored now, and the redirects if a merge moved them, for :meth:`GraphIndex.apply`."""
    rows = read_rows(conn, entities=changes.entity, relations=changes.relation, articles=changes.article)
    return rows, read_redirects(conn) if changes.redirect else None


def index_from_stories(stories: list[Story]) -> GraphIndex:
    """The index straight from verified stories, with no database (checks, tests)."""
    articles = {
        s.meta.id: s.meta.model_dump(mode="json") | {"text_sha256": s.text_sha256, "length": len(s.text),
                                                     "content_sha256": s.content_sha256}
        for s in stories
    }
    return GraphIndex(graph_from_stories(stories), articles, {s.meta.id: s.text for s in stories})


__all__ = ["SAYINGS", "GraphIndex", "index_from_stories", "load_index", "read_changes", "read_redirects"]
