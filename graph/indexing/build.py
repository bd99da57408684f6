"""Read the stored graph into NetworkX: all of it at start, or just the items a revision touched.

One set of readers serves both, so an index moved forward by the change log
holds exactly what a full rebuild would (``tests/graph/test_incremental.py``
checks that). They select columns with SQLAlchemy Core, not ORM objects:
building a million ORM rows was most of a cold start.

Aliases and evidence of a node read as its earliest article wrote them: by
the article's publication date (then id), then their position in the sheet.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import networkx as nx
from sqlalchemy import ColumnElement, Select, String, Text, TypeCoerce, select, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session
from sqlmodel import col

from graph.model import Story
from graph.storage.tables import AliasRow, ArticleRow, EntityRow, EvidenceRow, RelationRow

# Ids, predicates and article ids recur across a million rows, each read as a new string: one
# object each (sys.intern) saved a third of the index's memory at 20,000 articles.
_i = sys.intern

CHUNK = 900  # ids per IN (...): under every SQLite build's bound on parameters

_Select = TypeVar("_Select", bound="Select[*tuple[Any, ...]]")


def article_meta(row: Any) -> dict[str, Any]:
    """An article's metadata as the index keeps it (``row``: an ArticleRow or a row of its columns)."""
    return {
        "id": row.id, "title": row.title, "publisher": row.publisher, "published": row.published.isoformat(),
        "authors": list(row.authors), "editors": list(row.editors), "photographers": list(row.photographers),
        "dateline": row.dateline, "language": row.language, "url": row.url,
        "text_sha256": row.text_sha256, "length": len(row.text),
    }


@dataclass
class Rows:
    """Items read from the database, ready to go into the graph (absent ids: deleted)."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> node attributes
    edges: dict[str, tuple[str, str, dict[str, Any]]] = field(default_factory=dict)  # id -> (u, v, attributes)
    articles: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> metadata (with content_sha256)
    texts: dict[str, str] = field(default_factory=dict)


_EMPTY: dict[str, Any] = {}  # shared, like every parsed value: see _json


def _json(raw: Any, _parsed: dict[str, Any] = {}) -> Any:  # noqa: B006 - the memo, on purpose
    """A JSON column read raw: ``{}`` and null need no parser, and equal texts share one parsed value.

    Many relations carry the same qualifiers (one date for every fact of a
    sentence): one object for them all, which nothing mutates (the index is
    changed by replacing values, never by editing them). The memo is bounded.
    """
    if not isinstance(raw, str):  # a driver that parses JSON itself (psycopg)
        return raw
    if raw == "null":
        return None
    if raw == "{}":
        return _EMPTY
    value = _parsed.get(raw)
    if value is None:
        if len(_parsed) > 200_000:
            _parsed.clear()
        value = _parsed[raw] = json.loads(raw)
    return value


def _raw(column: ColumnElement[Any]) -> TypeCoerce[str]:
    """``column`` as the text the database holds: JSON and dates parsed by us, only when needed."""
    return type_coerce(column, Text if column.type.__class__.__name__ == "JSON" else String)


def _fetch(conn: Connection, stmt: Select[*tuple[Any, ...]]) -> Iterator[Sequence[Any]]:
    """The rows of ``stmt`` as plain tuples.

    A statement without parameters (a full read at start) goes through the
    driver's own cursor, in batches: SQLAlchemy's per-row result objects were
    most of the cost of reading a million relations. Others go through
    SQLAlchemy, which binds their parameters.
    """
    compiled = stmt.compile(dialect=conn.dialect)
    if compiled.params or (driver := conn.connection.driver_connection) is None:
        yield from conn.execute(stmt).all()
        return
    cursor = driver.cursor()
    try:
        cursor.execute(str(compiled))
        while batch := cursor.fetchmany(20_000):
            yield from batch
    finally:
        cursor.close()


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    ids = sorted(ids)
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _where_in(stmt: _Select, column: Mapped[Any], ids: Iterable[str] | None) -> Iterator[_Select]:
    """``stmt``, or one statement per chunk of ``ids`` restricted to them (None: no restriction)."""
    if ids is None:
        yield stmt
        return
    for chunk in _chunks(ids):
        yield stmt.where(column.in_(chunk))


def read_rows(conn: Connection, *, entities: Iterable[str] | None = None, relations: Iterable[str] | None = None,
              articles: Iterable[str] | None = None) -> Rows:
    """The stored entities, relations and articles with these ids; ``None`` reads every one."""
    out = Rows()
    cols = [c for c in ArticleRow.__table__.c if c.name != "sheet"]
    for stmt in _where_in(select(*cols), col(ArticleRow.id), articles):
        for row in conn.execute(stmt).all():
            out.articles[row.id] = article_meta(row) | {"content_sha256": row.content_sha256}
            out.texts[row.id] = row.text
    if entities is None or entities:
        _read_nodes(conn, entities, out)
    if relations is None or relations:
        _read_edges(conn, relations, out)
    return out


def _ordered(groups: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[Any]]:
    """Each owner's items by their sort key (all but the last element, which is the item).

    Keys end in something unique (an alias's text, an evidence row's id), so a full read
    and a read of some ids order ties alike.
    """
    return {k: [v[0][-1]] if len(v) == 1 else [t[-1] for t in sorted(v, key=_but_last)] for k, v in groups.items()}


def _but_last(t: tuple[Any, ...]) -> tuple[Any, ...]:
    return t[:-1]


def _read_nodes(conn: Connection, ids: Iterable[str] | None, out: Rows) -> None:
    ids = None if ids is None else set(ids)
    aliases: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    alias_stmt = select(col(AliasRow.entity_id), col(AliasRow.text), col(AliasRow.position),
                        col(AliasRow.article_id), _raw(ArticleRow.__table__.c.published)) \
        .join(ArticleRow, col(ArticleRow.id) == col(AliasRow.article_id))
    for alias_part in _where_in(alias_stmt, col(AliasRow.entity_id), ids):
        for owner, text, position, article, published in _fetch(conn, alias_part):
            aliases[owner].append((published, article, position, text, _i(text)))
    evidence = _read_evidence(conn, col(EvidenceRow.entity_id), ids)
    ordered_aliases = _ordered(aliases)
    entity_stmt = select(col(EntityRow.id), col(EntityRow.name), col(EntityRow.type), col(EntityRow.description),
                         _raw(EntityRow.__table__.c.attributes), _raw(EntityRow.__table__.c.date),
                         col(EntityRow.modality))
    for entity_part in _where_in(entity_stmt, col(EntityRow.id), ids):
        for node, name, type_, description, attributes, date, modality in _fetch(conn, entity_part):
            out.nodes[_i(node)] = {"name": name, "type": _i(type_),
                                   "aliases": list(dict.fromkeys(ordered_aliases.get(node, ()))),
                                   "description": description, "attributes": _json(attributes) or _EMPTY,
                                   "date": _json(date), "modality": modality and _i(modality),
                                   "evidence": evidence.get(node, [])}


def _read_evidence(conn: Connection, owner_column: Mapped[str | None],
                   ids: set[str] | None) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    stmt = select(owner_column, col(EvidenceRow.article_id), col(EvidenceRow.quote), col(EvidenceRow.start),
                  col(EvidenceRow.end), col(EvidenceRow.sentence), col(EvidenceRow.position), col(EvidenceRow.id),
                  _raw(ArticleRow.__table__.c.published)) \
        .join(ArticleRow, col(ArticleRow.id) == col(EvidenceRow.article_id))
    if ids is None:
        stmt = stmt.where(owner_column.is_not(None))
    for s in _where_in(stmt, owner_column, ids):
        for owner, article, quote, start, end, sentence, position, row_id, published in _fetch(conn, s):
            groups[owner].append((published, article, position, start, row_id,
                                  {"article_id": _i(article), "quote": quote, "start": start, "end": end,
                                   "sentence": sentence}))
    return _ordered(groups)


def _read_edges(conn: Connection, ids: Iterable[str] | None, out: Rows) -> None:
    ids = None if ids is None else set(ids)
    evidence = _read_evidence(conn, col(EvidenceRow.relation_id), ids)
    stmt = select(col(RelationRow.id), col(RelationRow.subject_id), col(RelationRow.object_id),
                  col(RelationRow.predicate), col(RelationRow.modality), _raw(RelationRow.__table__.c.qualifiers),
                  col(RelationRow.article_id))
    for s in _where_in(stmt, col(RelationRow.id), ids):
        for rid, u, v, predicate, modality, qualifiers, article in _fetch(conn, s):
            out.edges[rid] = (_i(u), _i(v), {"id": rid, "predicate": _i(predicate), "modality": _i(modality),
                                     "qualifiers": _json(qualifiers) or _EMPTY, "article_id": _i(article),
                                     "evidence": evidence.get(rid, [])})


def graph_from_rows(rows: Rows) -> nx.MultiDiGraph:
    """The MultiDiGraph of read rows: nodes by id, then edges by id (the order every build uses).

    Fills NetworkX's adjacency dicts as ``MultiDiGraph.add_edge`` does (one key
    dict shared by ``_succ[u][v]`` and ``_pred[v][u]``), handing each edge its
    attribute dict rather than copying it: a third of a cold start went to
    ``add_edges_from``'s checks and copies for a million edges whose ends are known
    to exist (foreign keys). ``tests/graph/test_incremental.py`` compares the result
    with a graph that ``add_edge`` grows.
    """
    g = nx.MultiDiGraph()
    node, succ, pred = g._node, g._succ, g._pred
    for n in sorted(rows.nodes):
        node[n], succ[n], pred[n] = rows.nodes[n], {}, {}
    edges = rows.edges
    for rid in sorted(edges):
        u, v, data = edges[rid]
        keydict = succ[u].get(v)
        if keydict is None:
            keydict = succ[u][v] = pred[v][u] = {}
        keydict[rid] = data
    nx._clear_cache(g)
    return g


def graph_from_stories(stories: Iterable[Story]) -> nx.MultiDiGraph:
    """The same graph without a database: for checks and tests of the domain.

    Stories may share nodes and relations: later ones add aliases and evidence.
    """
    g = nx.MultiDiGraph()
    for s in stories:
        for e in s.entities:
            evidence = [ev.as_dict() for ev in e.evidence]
            if e.id in g:
                node = g.nodes[e.id]
                node["aliases"] += [a for a in e.aliases if a not in node["aliases"]]
                node["evidence"] += evidence
                if not e.defines:
                    continue
            g.add_node(e.id, **{**g.nodes.get(e.id, {}), "name": e.name, "type": e.type,
                                "aliases": g.nodes[e.id]["aliases"] if e.id in g else list(e.aliases),
                                "description": e.description, "attributes": dict(e.attributes), "date": e.date,
                                "modality": e.modality,
                                "evidence": g.nodes[e.id]["evidence"] if e.id in g else evidence})
        for r in s.relations:
            evidence = [ev.as_dict() for ev in r.evidence]
            if g.has_edge(r.subject, r.object, key=r.id):
                g.edges[r.subject, r.object, r.id]["evidence"] += evidence
                continue
            g.add_edge(r.subject, r.object, key=r.id, id=r.id, predicate=r.predicate, modality=r.modality,
                       qualifiers=dict(r.qualifiers), article_id=s.meta.id, evidence=evidence)
    return g


def graph_from_db(session: Session) -> tuple[nx.MultiDiGraph, dict[str, dict[str, Any]]]:
    """The whole stored graph as a MultiDiGraph, and the articles' metadata by id."""
    rows = read_rows(session.connection())
    return graph_from_rows(rows), rows.articles
