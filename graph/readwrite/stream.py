"""Where a whole-graph export reads its graph: the index in memory, or the database in one snapshot.

Every export format (:mod:`graph.readwrite.formats`) is written by one writer that
walks a *source* in batches and yields chunks of bytes. Two sources give
the same nodes and edges, in the same order and with the same attributes:

- :class:`MemorySource` reads a MultiDiGraph (the index's, or a
  neighbourhood's); small graphs and the ``*_bytes`` functions use it.
- :class:`DbSource` reads the database inside ONE read transaction (a
  consistent snapshot: SQLite's WAL gives one per transaction, PostgreSQL
  runs it at REPEATABLE READ), a batch of rows at a time. It exists because
  a whole-graph export at 20,000 articles (a million relations, two million
  evidence spans) takes tens of seconds to write: built in memory it grew
  the server by gigabytes before the first byte, and walking the served
  index for that long would hold back the index's updates. Streamed from
  the database it sends its first byte at once and holds one batch.

The order is :func:`graph.indexing.build.graph_from_db`'s: entities by id; relations
grouped by subject (in entity order), then by object in the order of each
pair's first relation id, then by relation id (how a MultiDiGraph built in
id order iterates its edges); ids in code point order, as Python sorts them.
Aliases and evidence come in the order of their article's publication (then
its id), then their position in the sheet (then the alias's text, the
evidence's start and row id).
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, union
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.sql.expression import ColumnElement, Executable

from graph.storage.tables import AliasRow, ArticleRow, EntityRow, EvidenceRow, GraphStateRow, RelationRow

if TYPE_CHECKING:
    import networkx as nx

BATCH = 500  # rows per batch: the ids of one batch go into one IN (...) query
Node = tuple[str, dict[str, Any]]
Edge = tuple[str, str, str, dict[str, Any]]

E, R, A, EV, AR, GS = (EntityRow.__table__, RelationRow.__table__, AliasRow.__table__, EvidenceRow.__table__,
                       ArticleRow.__table__, GraphStateRow.__table__)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class MemorySource:
    """A graph in memory, read as :class:`DbSource` reads the database.

    >>> from graph.testing import seed_index
    >>> ix = seed_index()
    >>> s = MemorySource(ix, ix.g)
    >>> s.number_of_nodes(), s.number_of_edges(), s.degrees(["jen-daskal"])
    (77, 126, {'jen-daskal': 17})
    """

    def __init__(self, ix: Any, g: nx.MultiDiGraph, batch: int = BATCH) -> None:
        self.ix, self.g, self.batch = ix, g, batch
        self.graph = dict(g.graph)
        self.whole = ix is not None and g is getattr(ix, "g", None)

    def number_of_nodes(self) -> int:
        n: int = self.g.number_of_nodes()
        return n

    def number_of_edges(self) -> int:
        n: int = self.g.number_of_edges()
        return n

    def node_batches(self) -> Iterator[list[Node]]:
        return _chunks(list(self.g.nodes(data=True)), self.batch)

    def edge_batches(self) -> Iterator[list[Edge]]:
        return _chunks(list(self.g.edges(keys=True, data=True)), self.batch)

    def degrees(self, ids: Iterable[str]) -> dict[str, int]:
        return {n: self.g.degree(n) for n in ids}

    def names(self, ids: Iterable[str | None]) -> dict[str, str | None]:
        """Names of entities, looked up in this graph, then in the whole index (a qualifier may point outside)."""
        out: dict[str, str | None] = {}
        for node in ids:
            if node is None:
                continue
            out[node] = None
            for graph in (self.g, getattr(self.ix, "g", None)):
                if graph is not None and node in graph:
                    out[node] = graph.nodes[node].get("name")
                    break
        return out

    def article_meta(self, aid: str) -> dict[str, Any]:
        meta: dict[str, Any] = (getattr(self.ix, "articles", None) or {}).get(aid, {})
        return meta

    def fact_article_ids(self) -> list[str]:
        """The articles the nodes' evidence and the edges cite (``article_id``), sorted."""
        ids = {e["article_id"] for _, d in self.g.nodes(data=True) for e in d.get("evidence") or []}
        ids |= {d["article_id"] for *_, d in self.g.edges(keys=True, data=True) if d.get("article_id")}
        return sorted(ids)


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction over the whole store: every query inside sees the same revision."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


class DbSource:
    """The stored graph, read in batches inside one transaction (:func:`snapshot`).

    ``conn`` must stay in that transaction while the source is read. Per-batch
    facts (degrees, names) are one ``IN (...)`` query per batch.
    """

    whole = True

    def __init__(self, conn: Connection, batch: int = BATCH) -> None:
        self.conn, self.batch = conn, batch
        self.graph: dict[str, Any] = {}
        conn.execute(select(func.count()).select_from(GS)).scalar_one()  # the snapshot starts with a first read
        self._articles: dict[str, dict[str, Any]] | None = None
        self._first: dict[str, tuple[Any, str]] | None = None
        self._counts: tuple[int, int] | None = None

    @property
    def articles(self) -> dict[str, dict[str, Any]]:
        """Every article's metadata but its text's hash (see :meth:`article`), read on first use.

        Only columns stored before the text: SQLite keeps a row's later columns
        behind the text's overflow pages, and reading those for 20,000 articles
        took seconds before the first byte.
        """
        if self._articles is None:
            rows = self.conn.execute(select(AR.c.id, AR.c.title, AR.c.publisher, AR.c.published, AR.c.authors,
                                            AR.c.editors, AR.c.photographers, AR.c.dateline, AR.c.language,
                                            AR.c.url)).all()
            self._articles = {r.id: {"id": r.id, "title": r.title, "publisher": r.publisher,
                                     "published": r.published.isoformat(), "authors": list(r.authors),
                                     "editors": list(r.editors), "photographers": list(r.photographers),
                                     "dateline": r.dateline, "language": r.language, "url": r.url}
                              for r in rows}
        return self._articles

    # --- sizes -------------------------------------------------------------------------------------
    def _count(self) -> tuple[int, int]:
        if self._counts is None:
            self._counts = (self.conn.execute(select(func.count()).select_from(E)).scalar_one(),
                            self.conn.execute(select(func.count()).select_from(R)).scalar_one())
        return self._counts

    def number_of_nodes(self) -> int:
        return self._count()[0]

    def number_of_edges(self) -> int:
        return self._count()[1]

    def _by_code_point(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """``column`` ordered as Python orders strings (the index's build sorts ids in Python): PostgreSQL's
        ``C`` collation; SQLite's default (BINARY) already is."""
        return column.collate("C") if self.conn.dialect.name == "postgresql" else column

    def _stream(self, stmt: Executable) -> Iterator[Sequence[Row[Any]]]:
        """Rows of ``stmt`` in partitions (a server-side cursor on PostgreSQL)."""
        result = self.conn.execution_options(yield_per=self.batch).execute(stmt)
        try:
            yield from result.partitions()
        finally:
            result.close()

    def _in(self, column: ColumnElement[Any], ids: list[str]) -> Iterator[list[str]]:
        """``ids`` without repeats, in parts small enough for one ``column IN (...)``."""
        return _chunks(list(dict.fromkeys(ids)), self.batch)

    # --- nodes -------------------------------------------------------------------------------------
    def entity_scalars(self) -> Iterator[Sequence[Row[Any]]]:
        """``(id, name, type, description, modality, date)`` of every entity, in batches (no evidence)."""
        return self._stream(select(E.c.id, E.c.name, E.c.type, E.c.description, E.c.modality, E.c.date))

    def relation_scalars(self) -> Iterator[Sequence[Row[Any]]]:
        """``(id, predicate, modality, article_id)`` of every relation, in batches."""
        return self._stream(select(R.c.id, R.c.predicate, R.c.modality, R.c.article_id))

    def _order_of_articles(self) -> dict[str, tuple[Any, str]]:
        """graph_from_db's order of aliases and evidence: the earliest published article first (then by id)."""
        if self._first is None:
            self._first = {aid: (published, aid) for aid, published in
                           self.conn.execute(select(AR.c.id, AR.c.published))}
        return self._first

    def _evidence(self, column: ColumnElement[Any], ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        first = self._order_of_articles()
        found: list[tuple[Any, ...]] = []  # plain tuples, sorted as they stand: a key function per row cost a third
        for part in self._in(column, ids):
            stmt = select(column, EV.c.article_id, EV.c.quote, EV.c.start, EV.c.end, EV.c.sentence, EV.c.position,
                          EV.c.id).where(column.in_(part))
            for owner, aid, quote, start, end, sentence, position, row_id in self.conn.execute(stmt):
                found.append((first[aid], position, start, row_id, owner, aid, quote, end, sentence))
        found.sort()
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for _, _, start, _, owner, aid, quote, end, sentence in found:
            out[owner].append({"article_id": aid, "quote": quote, "start": start, "end": end, "sentence": sentence})
        return out

    def _aliases(self, ids: list[str]) -> dict[str, list[str]]:
        first = self._order_of_articles()
        found: list[tuple[Any, ...]] = []
        for part in self._in(A.c.entity_id, ids):
            stmt = select(A.c.entity_id, A.c.article_id, A.c.text, A.c.position).where(A.c.entity_id.in_(part))
            for owner, aid, text, position in self.conn.execute(stmt):
                found.append((first[aid], position, text, owner))
        found.sort()
        out: dict[str, dict[str, None]] = defaultdict(dict)  # an ordered set per entity
        for _, _, text, owner in found:
            out[owner].setdefault(text)
        return {owner: list(texts) for owner, texts in out.items()}

    def node_batches(self) -> Iterator[list[Node]]:
        stmt = select(E.c.id, E.c.name, E.c.type, E.c.description, E.c.attributes, E.c.date,
                      E.c.modality).order_by(self._by_code_point(E.c.id))
        for rows in self._stream(stmt):
            ids = [r.id for r in rows]
            aliases, evidence = self._aliases(ids), self._evidence(EV.c.entity_id, ids)
            yield [(r.id, {"name": r.name, "type": r.type, "aliases": aliases.get(r.id, []),
                           "description": r.description, "attributes": dict(r.attributes), "date": r.date,
                           "modality": r.modality, "evidence": evidence.get(r.id, [])}) for r in rows]

    # --- edges -------------------------------------------------------------------------------------
    def _edge_rows(self) -> Iterator[list[Any]]:
        """Relation rows in the MultiDiGraph's edge order, a few subjects at a time."""
        stmt = select(R.c.id, R.c.subject_id, R.c.object_id, R.c.predicate, R.c.modality, R.c.qualifiers,
                      R.c.article_id).order_by(self._by_code_point(R.c.subject_id), self._by_code_point(R.c.id))
        run: list[Any] = []
        pending: list[Any] = []

        def regroup(run: list[Any]) -> list[Any]:
            by_object: dict[str, list[Any]] = {}  # first relation id first: how the adjacency dict was filled
            for r in run:
                by_object.setdefault(r.object_id, []).append(r)
            return [r for rs in by_object.values() for r in rs]

        for rows in self._stream(stmt):
            for r in rows:
                if run and r.subject_id != run[0].subject_id:
                    pending += regroup(run)
                    run = []
                    if len(pending) >= self.batch:
                        yield pending
                        pending = []
                run.append(r)
        pending += regroup(run)
        if pending:
            yield pending

    def edge_batches(self) -> Iterator[list[Edge]]:
        for rows in self._edge_rows():
            evidence = self._evidence(EV.c.relation_id, [r.id for r in rows])
            yield [(r.subject_id, r.object_id, r.id,
                    {"id": r.id, "predicate": r.predicate, "modality": r.modality, "qualifiers": dict(r.qualifiers),
                     "article_id": r.article_id, "evidence": evidence.get(r.id, [])}) for r in rows]

    # --- per batch ---------------------------------------------------------------------------------
    def degrees(self, ids: Iterable[str]) -> dict[str, int]:
        ids = list(ids)
        out = dict.fromkeys(ids, 0)
        for column in (R.c.subject_id, R.c.object_id):
            for part in self._in(column, ids):
                for node, n in self.conn.execute(select(column, func.count()).where(column.in_(part))
                                                 .group_by(column)):
                    out[node] += n
        return out

    def names(self, ids: Iterable[str | None]) -> dict[str, str | None]:
        wanted = [i for i in ids if i is not None]
        out: dict[str, str | None] = dict.fromkeys(wanted)
        for part in self._in(E.c.id, wanted):
            out.update((i, name) for i, name in self.conn.execute(select(E.c.id, E.c.name).where(E.c.id.in_(part))))
        return out

    def relations_touching(self, objects: list[str], subjects: list[str]) -> list[Any]:
        """``(id, subject_id, object_id, predicate)`` of relations into ``objects`` or out of ``subjects``, by id."""
        found: dict[str, Any] = {}
        cols = (R.c.id, R.c.subject_id, R.c.object_id, R.c.predicate)
        for column, ids in ((R.c.object_id, objects), (R.c.subject_id, subjects)):
            for part in self._in(column, ids):
                found.update((r.id, r) for r in self.conn.execute(select(*cols).where(column.in_(part))))
        return [found[k] for k in sorted(found)]

    # --- articles ----------------------------------------------------------------------------------
    def article_meta(self, aid: str) -> dict[str, Any]:
        return self.articles.get(aid, {})

    def documents(self) -> list[tuple[str, str]]:
        """``(id, name)`` of every document entity (a few per article), for
        :func:`graph.semantic.rdf.article_documents`."""
        return [(i, name) for i, name in self.conn.execute(select(E.c.id, E.c.name).where(E.c.type == "document"))]

    def fact_article_ids(self) -> list[str]:
        stmt = union(select(EV.c.article_id).where(EV.c.entity_id.is_not(None)), select(R.c.article_id))
        return sorted(a for (a,) in self.conn.execute(stmt) if a)

    def article(self, aid: str) -> tuple[dict[str, Any], str]:
        """One article's whole metadata (with its text's hash) and its text."""
        text, sha = self.conn.execute(select(AR.c.text, AR.c.text_sha256).where(AR.c.id == aid)).one()
        return self.articles[aid] | {"text_sha256": sha}, text

    def article_spans(self, aid: str) -> list[Any]:
        """``(start, end, quote, sentence)`` of every evidence span in the article, each span once."""
        spans: dict[tuple[int, int], Any] = {}
        for r in self.conn.execute(select(EV.c.start, EV.c.end, EV.c.quote, EV.c.sentence)
                                   .where(EV.c.article_id == aid).order_by(EV.c.id)):
            spans.setdefault((r.start, r.end), tuple(r))
        return list(spans.values())


CHUNK = 1 << 16  # bytes per chunk sent


def chunked(pieces: Iterable[str], size: int = CHUNK) -> Iterator[bytes]:
    """UTF-8 chunks of about ``size`` bytes from a stream of strings; the first piece goes alone, at once."""
    pieces = iter(pieces)
    for piece in pieces:
        yield piece.encode()
        break
    buffer: list[str] = []
    n = 0
    for piece in pieces:
        buffer.append(piece)
        n += len(piece)
        if n >= size:
            yield "".join(buffer).encode()
            buffer, n = [], 0
    if buffer:
        yield "".join(buffer).encode()


def export_stream(engine: Engine, fmt: Any) -> Iterator[bytes]:
    """The whole stored graph in ``fmt`` (a :class:`graph.readwrite.formats.Format`), as chunks, from one snapshot.

    The transaction opens now, so an unreachable database fails here rather
    than in the middle of a response; it closes when the stream ends, fails or
    is dropped (a client gone away): the generator's ``finally``, or, for one
    never started, a finalizer. Each holds a database connection for as long
    as its client reads, so the API bounds how many run at once
    (``app/gates.py``: without a bound, a burst took every pooled connection).
    """
    stack = ExitStack()
    try:
        conn = stack.enter_context(snapshot(engine))
    except BaseException:
        stack.close()
        raise
    try:
        source = DbSource(conn)
    except BaseException:
        stack.close()
        raise

    def chunks() -> Iterator[bytes]:
        with stack:
            yield from fmt.stream(source)

    gen = chunks()
    weakref.finalize(gen, stack.close)
    return gen
