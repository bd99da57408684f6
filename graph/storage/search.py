"""Evidence search: a full-text index over the article's words and the facts' names.

Documents (rows of :class:`graph.storage.tables.SearchDocRow`) are derived from the
fact tables in the transaction that writes them (:func:`index_article`, called
by :func:`graph.storage.store.write_story`), so the index never disagrees with the
facts:

- every evidence quote, of entities, events, claims and relations, with its
  offsets (``field="evidence"``);
- every claim's text (``field="text"``);
- every entity's ``name``, each ``alias`` and its ``description``.

The index is the database's own: an FTS5 table with the ``porter`` tokenizer
in SQLite (ranked by ``bm25``), a generated ``tsvector`` column with a GIN
index in PostgreSQL (ranked by ``ts_rank``), both in the ``english`` sense of
stemming ("label" finds "labeling"). Nothing is scanned in Python.

User input is never query syntax: :func:`fts5_query` turns ``q`` into quoted
terms, all of which must match; PostgreSQL gets ``plainto_tsquery``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, TypeAlias, get_args

from sqlalchemy import Integer, String, bindparam, case, cast, delete, insert, literal, null, select, text, union_all
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.expression import BindParameter, ColumnElement, Insert, Select
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from graph.errors import InvalidParameter
from graph.storage.tables import AliasRow, ArticleRow, EntityRow, EvidenceRow, RelationRow, SearchDocRow

Kind = Literal["entity", "relation", "claim"]  # what a search document is (the API's `kind` parameter)
KINDS: tuple[Kind, ...] = get_args(Kind)
FIELDS = ("evidence", "text", "name", "alias", "description")

_FTS = "search_fts"
# The index itself (FTS5 table and triggers, or the tsvector column and GIN index) is
# created by the schema migrations (graph/storage/migrations/versions/0001_initial_schema.py).


def ensure_indexed(engine: Engine) -> None:
    """Derive the documents from the facts if a database has articles but no documents."""
    with engine.connect() as conn:
        stale = (conn.execute(select(col(ArticleRow.id)).limit(1)).first() is not None
                 and conn.execute(select(col(SearchDocRow.id)).limit(1)).first() is None)
    if stale:
        with Session(engine) as session, session.begin():
            rebuild(session)


def rebuild(session: Session) -> None:
    """Derive every document from the fact tables again. Does not commit."""
    if session.get_bind().dialect.name == "postgresql":  # one rebuild at a time across workers
        session.execute(text("LOCK TABLE search_doc IN EXCLUSIVE MODE"))
    session.exec(delete(SearchDocRow))  # first a write: take SQLite's lock
    for article_id in session.exec(select_rows(ArticleRow.id).order_by(ArticleRow.id)).all():
        _insert_article_docs(session, article_id)
    _insert_entity_docs(session, None)


def drop_article_docs(session: Session | Connection, article_id: str) -> None:
    """Remove the documents of an article's facts (its quotes and aliases). Does not commit."""
    session.execute(delete(SearchDocRow.__table__).where(col(SearchDocRow.article_id) == article_id))


def index_article(session: Session, article_id: str, entity_ids: Iterable[str], removed: Iterable[str] = (),
                  *, dropped: bool = False) -> None:
    """(Re)index an article's facts once they are written, and the entities it defines.

    Entity documents (name, description, claim text) of ``entity_ids`` are
    replaced, those of ``removed`` (entities the write deleted) dropped.
    ``dropped``: the article's documents are gone already (a new article, or
    one whose facts were just replaced). Every statement is by article or by
    id, never a scan. Does not commit.
    """
    ids = sorted(set(entity_ids))
    if not dropped:
        drop_article_docs(session, article_id)
    drop_entity_docs(session, set(ids) | set(removed))
    _insert_article_docs(session, article_id)
    for chunk in range(0, len(ids), 500):
        _insert_entity_docs(session, ids[chunk: chunk + 500])


def drop_entity_docs(session: Session, entity_ids: Iterable[str]) -> None:
    """Remove the documents that follow these entities' rows (name, description, claim text). Does not commit."""
    ids = sorted(set(entity_ids))
    for chunk in range(0, len(ids), 500):
        # Found by item_id, filtered here: given "article_id IS NULL", SQLite's planner would walk the
        # article_id index over every entity document instead.
        docs = session.execute(select(col(SearchDocRow.id), col(SearchDocRow.article_id), col(SearchDocRow.kind))
                               .where(col(SearchDocRow.item_id).in_(ids[chunk: chunk + 500]))).all()
        gone = [d.id for d in docs if d.article_id is None and d.kind != "relation"]
        if gone:
            session.execute(delete(SearchDocRow.__table__).where(col(SearchDocRow.id).in_(gone)))


def reindex(session: Session, article_ids: Iterable[str], entity_ids: Iterable[str]) -> None:
    """Derive again the documents of these articles' facts and of these entities (gone ones dropped). Does not commit.

    What a merge or its undo needs: the documents that named the moved rows,
    and nothing else, instead of :func:`rebuild`.
    """
    for article_id in sorted(set(article_ids)):
        drop_article_docs(session, article_id)
        _insert_article_docs(session, article_id)
    ids = sorted(set(entity_ids))
    drop_entity_docs(session, ids)
    for chunk in range(0, len(ids), 500):
        _insert_entity_docs(session, ids[chunk: chunk + 500])


_COLUMNS = ["kind", "item_id", "field", "text", "article_id", "start", "end", "sentence"]

_Column: TypeAlias = "ColumnElement[Any] | Mapped[Any]"  # a column of a table, or an expression over columns


def _kind() -> ColumnElement[Any]:
    return case((col(EntityRow.type) == "claim", literal("claim")), else_=literal("entity"))


def _doc(kind: _Column, item_id: _Column, field: str, body: _Column, article_id: _Column | None = None,
         start: _Column | None = None, end: _Column | None = None, sentence: _Column | None = None,
         order: _Column | int = 0) -> Select[*tuple[Any, ...]]:
    """A select of one kind of document, every column labelled and typed (PostgreSQL needs typed NULLs)."""
    def integer(v: _Column | None) -> _Column:
        return cast(null(), Integer) if v is None else v
    values: list[_Column] = [
        kind, item_id, literal(field), body, cast(null(), String) if article_id is None else article_id,
        integer(start), integer(end), integer(sentence), literal(order) if isinstance(order, int) else order]
    return select(*(v.label(n) for v, n in zip(values, [*_COLUMNS, "ord"])))


def _insert_from(*docs: Select[*tuple[Any, ...]], order: Sequence[str]) -> Insert:
    union = union_all(*docs).subquery()
    ordered = select(*(union.c[n] for n in _COLUMNS)).order_by(*(union.c[n] for n in order))
    return insert(SearchDocRow.__table__).from_select(_COLUMNS, ordered)


@cache
def _article_docs_statement() -> Insert:
    """The INSERT ... SELECT of one article's documents (``:article_id``): built once, not per write."""
    ev = EvidenceRow
    article_id: BindParameter[str] = bindparam("article_id")
    quote, start, end, sentence = col(ev.quote), col(ev.start), col(ev.end), col(ev.sentence)
    of_entities = (_doc(_kind(), col(ev.entity_id), "evidence", quote, col(ev.article_id), start, end, sentence,
                        col(ev.position))
                   .join(EntityRow, col(EntityRow.id) == col(ev.entity_id)).where(col(ev.article_id) == article_id))
    of_relations = (_doc(literal("relation"), col(ev.relation_id), "evidence", quote, col(ev.article_id), start, end,
                         sentence, col(ev.position))
                    .where(col(ev.article_id) == article_id, col(ev.relation_id).is_not(None)))
    aliases = (_doc(_kind(), col(AliasRow.entity_id), "alias", col(AliasRow.text), col(AliasRow.article_id),
                    order=col(AliasRow.position))
               .join(EntityRow, col(EntityRow.id) == col(AliasRow.entity_id))
               .where(col(AliasRow.article_id) == article_id, col(AliasRow.text) != col(EntityRow.name)))
    return _insert_from(of_entities, of_relations, aliases, order=("item_id", "field", "ord", "start"))


def _insert_article_docs(session: Session, article_id: str) -> None:
    session.execute(_article_docs_statement(), {"article_id": article_id})


@cache
def _entity_docs_statement(some: bool) -> Insert:
    """The INSERT ... SELECT of entities' name and description documents: of ``:ids`` (``some``), or all."""
    e = EntityRow
    name_field = case((col(e.type) == "claim", literal("text")), else_=literal("name"))
    names = _doc(_kind(), col(e.id), "name", col(e.name), order=0)
    names = select(*(c if c.name != "field" else name_field.label("field") for c in names.selected_columns))
    descriptions = _doc(_kind(), col(e.id), "description", col(e.description), order=1).where(
        col(e.description).is_not(None), col(e.description) != "")
    if some:
        ids: BindParameter[Any] = bindparam("ids", expanding=True)
        names, descriptions = names.where(col(e.id).in_(ids)), descriptions.where(col(e.id).in_(ids))
    return _insert_from(names, descriptions, order=("item_id", "ord"))


def _insert_entity_docs(session: Session, ids: Sequence[str] | None) -> None:
    """Name (or a claim's text) and description of these entities (None: all)."""
    if ids is None:
        session.execute(_entity_docs_statement(False))
    elif ids:
        session.execute(_entity_docs_statement(True), {"ids": list(ids)})


# --- queries -----------------------------------------------------------------------------------------------------


def fts5_query(q: str) -> str:
    """``q`` as an FTS5 query that is never syntax: each word a quoted string, all required.

    Words are split on white space; a double quote inside one is doubled, so
    ``"``, ``*``, ``NEAR``, ``-`` or ``:`` are only ever text. Words without a
    letter or digit are dropped; the empty string matches nothing.

    Examples
    --------
    >>> fts5_query('precursor chemicals')
    '"precursor" "chemicals"'
    >>> print(fts5_query('say"hi NEAR(a*) -x " *'))
    "say""hi" "NEAR(a*)" "-x"
    >>> fts5_query('*** --')
    ''
    """
    words = [w for w in q.replace("\x00", " ").split() if re.search(r"[^\W_]", w)]
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


@dataclass(slots=True)
class Hit:
    """One matching entity, relation or claim: its best document, and every quote of it that matched."""

    kind: str
    id: str
    score: float
    matched: dict[str, str]  # {field, text} of the best-ranked document
    evidence: list[dict[str, Any]] = field(default_factory=list)
    label: str = ""  # an entity's name, a claim's text, a relation as "subject predicate object"
    entity: dict[str, str] | None = None  # entities and claims: {id, name, type}
    relation: dict[str, Any] | None = None  # relations: {id, subject, predicate, object}

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "id": self.id}
        out["name" if self.kind == "entity" else "text"] = self.label
        out |= {"score": self.score, "matched": self.matched, "evidence": self.evidence}
        if self.entity is not None:
            out["entity"] = self.entity
        if self.relation is not None:
            out["relation"] = self.relation
        return out


@dataclass(slots=True)
class SearchResult:
    total: int
    hits: list[Hit]


def search(session: Session, q: str, *, kind: str | None = None, limit: int = 50, offset: int = 0) -> SearchResult:
    """Entities, relations and claims whose documents match ``q``, best first.

    Every word of ``q`` must occur in one document (stemmed: "label" finds
    "labeling"). An item's score is its best document's (``-bm25`` in SQLite,
    ``ts_rank`` in PostgreSQL; higher is better); ties go by kind and id.
    Each hit carries that document as ``matched`` and every quote of the item
    that matched, with its offsets, as ``evidence``.

    Parameters
    ----------
    session : Session
        A session on a database created by :func:`graph.storage.store.create_schema`.
    q : str
        Free text; never interpreted as query syntax. Blank is an error.
    kind : {"entity", "relation", "claim"}, optional
        Only hits of this kind.
    limit, offset : int
        The page of hits.

    Returns
    -------
    SearchResult
        ``total`` matching items and the page of :class:`Hit`.

    Raises
    ------
    InvalidParameter
        ``q`` is blank, or ``kind`` unknown.

    Examples
    --------
    >>> from sqlmodel import Session
    >>> from graph.ingest import ingest_path
    >>> from graph.storage.store import create_schema, make_engine
    >>> from graph.testing import SEEDS
    >>> engine = make_engine("sqlite://")
    >>> create_schema(engine)
    >>> _ = ingest_path(engine, SEEDS)
    >>> with Session(engine) as session:
    ...     hit = search(session, "illicit finance", kind="entity").hits[0]
    >>> hit.id, hit.matched["field"]
    ('illicit-finance', 'alias')
    """
    if not q or not q.strip():
        raise InvalidParameter("q", "must contain a word to search for")
    if kind is not None and kind not in KINDS:
        raise InvalidParameter("kind", f"'{kind}' is not one of {', '.join(KINDS)}")
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        query, matches = _pg_matches(q)
    else:
        query = fts5_query(q)
        if not query:
            return SearchResult(0, [])
        matches = _sqlite_matches()
    if kind is not None:
        matches += " AND d.kind = :kind"
    params: dict[str, Any] = {"q": query} | ({} if kind is None else {"kind": kind})
    # MATERIALIZED: SQLite's bm25() only runs in the FTS query itself, not in a flattened outer one.
    m = f"WITH m AS MATERIALIZED ({matches}) "
    items = "SELECT kind, item_id, MAX(score) AS score FROM m GROUP BY kind, item_id"
    # session.execute: text() is SQLAlchemy's own statement, which SQLModel's exec() is not typed for.
    total = session.execute(text(f"{m}SELECT COUNT(*) FROM ({items}) AS items"), params=params).one()[0]
    rows = session.execute(text(
        f"{m}{items} ORDER BY score DESC, kind, item_id LIMIT :limit OFFSET :offset"),
        params=params | {"limit": limit, "offset": offset}).all()
    if not rows:
        return SearchResult(total, [])
    page = {(r.kind, r.item_id): Hit(r.kind, r.item_id, round(float(r.score), 6), {}) for r in rows}
    docs = session.execute(text(
        f"{m}SELECT m.score, d.* FROM m JOIN search_doc AS d ON d.id = m.id "
        "WHERE d.item_id IN :ids ORDER BY m.score DESC, d.id").bindparams(bindparam("ids", expanding=True)),
        params=params | {"ids": sorted({r.item_id for r in rows})}).all()
    for d in docs:
        hit = page.get((d.kind, d.item_id))
        if hit is None:
            continue
        if not hit.matched:
            hit.matched = {"field": d.field, "text": d.text}
        if d.field == "evidence":
            hit.evidence.append({"article_id": d.article_id, "quote": d.text, "start": d.start, "end": d.end,
                                 "sentence": d.sentence})
    _describe(session, list(page.values()))
    return SearchResult(total, list(page.values()))


def _sqlite_matches() -> str:
    return (f"SELECT d.id AS id, d.kind AS kind, d.item_id AS item_id, -bm25({_FTS}) AS score "
            f"FROM {_FTS} JOIN search_doc AS d ON d.id = {_FTS}.rowid WHERE {_FTS} MATCH :q")


def _pg_matches(q: str) -> tuple[str, str]:
    return (q.replace("\x00", " "),
            "SELECT d.id AS id, d.kind AS kind, d.item_id AS item_id, ts_rank(d.tsv, tq, 1) AS score "
            "FROM search_doc AS d, plainto_tsquery('english', :q) AS tq WHERE d.tsv @@ tq")


def _describe(session: Session, hits: list[Hit]) -> None:
    """Labels and references, from the tables (the same transaction as the ranking)."""
    rel_ids = [h.id for h in hits if h.kind == "relation"]
    rels = ({r.id: r for r in session.exec(select_rows(RelationRow).where(col(RelationRow.id).in_(rel_ids))).all()}
            if rel_ids else {})
    ent_ids = ({h.id for h in hits if h.kind != "relation"}
               | {i for r in rels.values() for i in (r.subject_id, r.object_id)})
    ents = ({e.id: e for e in session.exec(select_rows(EntityRow).where(col(EntityRow.id).in_(sorted(ent_ids)))).all()}
            if ent_ids else {})

    def ref(i: str) -> dict[str, str]:
        e = ents.get(i)
        return {"id": i, "name": e.name, "type": e.type} if e else {"id": i, "name": i, "type": "unknown"}

    for h in hits:
        if h.kind == "relation":
            r = rels.get(h.id)
            if r is None:
                continue
            h.relation = {"id": r.id, "subject": ref(r.subject_id), "predicate": r.predicate,
                          "object": ref(r.object_id)}
            h.label = f"{h.relation['subject']['name']} {r.predicate} {h.relation['object']['name']}"
        else:
            h.entity = ref(h.id)
            h.label = h.entity["name"]
