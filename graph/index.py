"""The in-memory query index: the MultiDiGraph, its name index, the articles."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import networkx as nx
from sqlmodel import Session

from .build import article_meta, graph_from_db, graph_from_stories
from .model import Story
from .names import NameIndex
from .resolution import active_redirects, follow
from .store import stored_revision


@dataclass
class GraphIndex:
    g: nx.MultiDiGraph
    articles: dict[str, dict[str, Any]]  # id -> metadata
    texts: dict[str, str]  # id -> full text
    stored_revision: int = 0  # graph_state.revision when this index was loaded
    redirects: dict[str, str] = field(default_factory=dict)  # id merged away -> the live id it names
    names: NameIndex = field(init=False)
    revision: str = field(init=False)

    def __post_init__(self) -> None:
        self.names = NameIndex(self.g)
        # The stored counter moves on every write (merges included); the content hash keeps two
        # databases at the same counter from sharing a revision.
        digest = hashlib.sha256()
        for a in sorted(self.articles):
            digest.update(f"{a}:{self.articles[a]['content_sha256']};".encode())
        self.revision = f"{self.stored_revision}.{digest.hexdigest()[:12]}"

    @cached_property
    def undirected(self) -> nx.Graph:
        """The graph without direction or parallel edges, as path finding walks it.

        Built on first use and kept: the index is immutable, and copying the graph
        per request dominated ``/v1/paths`` on large graphs (bench/).
        """
        return nx.Graph(self.g.to_undirected(as_view=True))


def load_index(session: Session) -> GraphIndex:
    """Build the index from the database: the database stays the truth."""
    revision = stored_revision(session)  # read first: a write after it will be seen as a newer revision
    g, rows = graph_from_db(session)
    articles = {i: article_meta(r) | {"content_sha256": r.content_sha256} for i, r in rows.items()}
    merged = active_redirects(session)
    redirects = {old: follow(merged, old) for old in merged if old not in g}
    return GraphIndex(g, articles, {i: r.text for i, r in rows.items()}, revision, redirects)


def index_from_stories(stories: list[Story]) -> GraphIndex:
    """The index straight from verified stories, with no database (checks, tests)."""
    articles = {
        s.meta.id: s.meta.model_dump(mode="json") | {"text_sha256": s.text_sha256, "length": len(s.text),
                                                     "content_sha256": s.content_sha256}
        for s in stories
    }
    return GraphIndex(graph_from_stories(stories), articles, {s.meta.id: s.text for s in stories})
