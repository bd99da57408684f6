"""Writing stories to the database and reading them back.

Functions here take a session and never commit: the caller owns the
transaction, so an ingestion is one unit of work, all or nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import ColumnElement, Exists, and_, bindparam, event, exists, func, insert, text, update
from sqlalchemy.engine import URL, Connection, Dialect, Engine, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Mapped
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlmodel import Session, col, create_engine, delete, select

from graph.errors import StoreFull, StoreReadOnly, StorygraphError
from graph.model import EntityRecord, Evidence, RelationRecord, Story
from graph.storage import changes, search
from graph.storage.schema import ensure_current
from graph.storage.tables import AliasRow, ArticleRow, EntityRow, EvidenceRow, GraphStateRow, RelationRow

if TYPE_CHECKING:
    from graph.stories.resolution import StoredLookup


def database_url(url: str) -> URL:
    """``url`` parsed; a plain ``postgresql://`` (or ``postgres://``) URL gets the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys and a busy timeout.

    A server database gets a small pool per process (5 connections, 10 more
    in bursts) whose connections are checked before use (``pool_pre_ping``)
    and renewed after 30 minutes, so a restarted server or a proxy that drops
    idle connections costs a reconnect, not a failed request. With N worker
    processes, allow the server 15 x N connections (PostgreSQL's default is 100).
    """
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    else:
        # connect_timeout: an unreachable server fails a request (a 503) in seconds instead of hanging it
        kwargs = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10, "pool_recycle": 1800,
                  "connect_args": {"connect_timeout": 5}}
    engine = create_engine(parsed, **kwargs)
    database = parsed.database or ":memory:"
    if engine.dialect.name == "sqlite" and database != ":memory:" and not database.startswith("file:"):
        _guard_sqlite_file(engine, database)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: DBAPIConnection,  # pragma: no cover - runs per connection
                     _record: ConnectionPoolEntry) -> None:
            dbapi_conn.isolation_level = None  # SQLAlchemy, not the driver, says BEGIN (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:  # pragma: no cover - runs per transaction
            # A writer takes the write lock up front (BEGIN IMMEDIATE): a deferred
            # transaction that reads, then writes, can fail at once with "database is
            # locked" when another process wrote in between; an immediate one waits.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITER) else "BEGIN")
    return engine


_WRITER = "storygraph_writer"


def _file_id(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def _guard_sqlite_file(engine: Engine, path: str) -> None:
    """Make a vanished SQLite file an error, never a new empty database or a stale connection.

    - The engine creates the file at most once (its first connection); later
      connections open it ``mode=rw``, so a file deleted or moved away under a
      running service fails to open (a 503) instead of being silently created
      again, empty, beside the operator's backup.
    - A pooled connection is handed out only while the path still names the
      file it opened (same device and inode): an open file descriptor keeps
      reading a file that was moved or replaced, so without this check the
      pool would go on serving the old file and never notice it was gone.
    """
    opened_once = False

    @event.listens_for(engine, "do_connect")
    def _open(_dialect: Dialect, _record: ConnectionPoolEntry,  # pragma: no cover - runs per connection
              cargs: list[Any], cparams: dict[str, Any]) -> None:
        mode = "rw" if opened_once else "rwc"
        cargs[:] = [f"file:{quote(path)}?mode={mode}"]
        cparams["uri"] = True

    @event.listens_for(engine, "connect")
    def _opened(_dbapi_conn: DBAPIConnection,  # pragma: no cover - runs per connection
                record: ConnectionPoolEntry) -> None:
        nonlocal opened_once
        opened_once = True
        record.info["storygraph_file"] = _file_id(path)

    @event.listens_for(engine, "checkout")
    def _still_there(_dbapi_conn: DBAPIConnection,  # pragma: no cover - runs per checkout
                     record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        if _file_id(path) != record.info.get("storygraph_file"):
            raise DisconnectionError(f"{path} is no longer the file this connection opened")


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction, serialised against every other writer, committed on exit.

    SQLite: ``BEGIN IMMEDIATE``. PostgreSQL: the ``graph_state`` row is locked
    first (``SELECT ... FOR UPDATE``), so concurrent writers queue instead of
    overwriting each other. Rolled back if the block raises.
    """
    bind = engine.execution_options(**{_WRITER: True}) if engine.dialect.name == "sqlite" else engine
    with Session(bind) as session, session.begin():
        if engine.dialect.name != "sqlite":
            session.exec(select(GraphStateRow).where(GraphStateRow.id == 1).with_for_update())
        yield session


_PENDING = "storygraph.changes"  # session.info key: the ids this transaction touched, not yet logged


def touch(session: Session, *, entities: Iterable[str] = (), relations: Iterable[str] = (),
          articles: Iterable[str] = (), redirects: Iterable[str] = ()) -> None:
    """Note ids this transaction added, changed or removed; :func:`bump_revision` logs them."""
    pending = session.info.setdefault(_PENDING, {k: set() for k in changes.KINDS})
    for kind, items in zip(changes.KINDS, (entities, relations, articles, redirects)):
        pending[kind].update(i for i in items if i)


def has_pending_changes(session: Session) -> bool:
    return any(session.info.get(_PENDING, {}).values())


def bump_revision(session: Session) -> int:
    """Record that the stored graph changed, with every id :func:`touch` noted, so every process moves forward.

    One revision per call (:func:`graph.storage.changes.record`); the noted ids are
    cleared, so a bulk ingestion touches all along and bumps once. Answers
    the new revision.
    """
    pending = session.info.pop(_PENDING, None) or {}
    return changes.record(session, entities=pending.get("entity", ()), relations=pending.get("relation", ()),
                          articles=pending.get("article", ()), redirects=pending.get("redirect", ()))


def stored_revision(session_or_conn: Session | Connection) -> int:
    """The stored graph's revision: cheap enough to read on every request."""
    row = session_or_conn.execute(select(GraphStateRow.revision).where(GraphStateRow.id == 1)).first()
    return row[0] if row else 0


def create_schema(engine: Engine) -> None:
    """Bring an empty database to the current schema; refuse one that is behind.

    Raises :class:`graph.errors.SchemaBehind` (run ``storygraph db upgrade``).
    Documents of the full-text index missing for stored facts are derived now.
    """
    ensure_current(engine)
    search.ensure_indexed(engine)


# SQLite result codes (the primary code is the low byte of the extended one) and PostgreSQL SQLSTATEs.
_SQLITE_READONLY, _SQLITE_FULL = 8, 13
_SQLITE_READONLY_DBMOVED = 1032  # the file was moved or deleted under the connection: gone, not read-only
_PG_DISK_FULL, _PG_READ_ONLY = "53100", "25006"


def storage_error(exc: BaseException) -> StorygraphError | None:
    """The storage condition a database error reports, as the domain error that names it, else ``None``.

    A full disk or database is :class:`StoreFull`; a database that takes no writes :class:`StoreReadOnly`;
    anything else (an unreachable server, a vanished file, a bug) is not a storage condition.
    """
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        if code & 0xFF == _SQLITE_FULL:
            return StoreFull()
        if code & 0xFF == _SQLITE_READONLY and code != _SQLITE_READONLY_DBMOVED:
            return StoreReadOnly()
        return None
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate == _PG_DISK_FULL:
        return StoreFull()
    if sqlstate == _PG_READ_ONLY:
        return StoreReadOnly()
    return None


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def deployment_key(engine: Engine) -> bytes:
    """The deployment's random key (``deployment_key``, made by migration 0005): for labels, never served."""
    from graph.storage.tables import DeploymentKeyRow

    with engine.connect() as conn:
        return bytes.fromhex(conn.execute(select(DeploymentKeyRow.key).where(DeploymentKeyRow.id == 1)).scalar_one())


@dataclass(frozen=True, slots=True)
class WriteResult:
    article_id: str
    status: str  # created | replaced | unchanged
    entities: int
    relations: int
    evidence: int


def _chunks(items: Iterable[str], size: int = 500) -> Iterator[list[str]]:
    ordered = sorted(set(items))
    for i in range(0, len(ordered), size):
        yield ordered[i: i + size]


def _article_facts(session: Session | Connection, article_id: str) -> tuple[set[str], set[str]]:
    """The entities and relations an article's evidence and aliases name (indexed lookups by article)."""
    entities: set[str] = set()
    relations: set[str] = set()
    for entity_id, relation_id in session.execute(
            select(EvidenceRow.entity_id, EvidenceRow.relation_id).where(EvidenceRow.article_id == article_id)
            .distinct()):
        if entity_id:
            entities.add(entity_id)
        if relation_id:
            relations.add(relation_id)
    entities.update(session.execute(select(AliasRow.entity_id).where(AliasRow.article_id == article_id)).scalars())
    return entities, relations


def _drop_article_facts(session: Session | Connection, article_id: str) -> None:
    """An article's evidence and aliases; the relations and entities they alone supported go later."""
    search.drop_article_docs(session, article_id)
    session.execute(delete(EvidenceRow.__table__).where(col(EvidenceRow.article_id) == article_id))
    session.execute(delete(AliasRow.__table__).where(col(AliasRow.article_id) == article_id))


def _relation_support(relation_id: ColumnElement[str] | Mapped[str]) -> Exists:
    return exists().where(col(EvidenceRow.relation_id) == relation_id)


@dataclass
class Dropped:
    """What :func:`_drop_unsupported` removed or moved."""

    relations: set[str]  # deleted: no evidence left
    entities: set[str]  # deleted: no evidence and no relation left
    ends: set[str]  # subjects and objects of the deleted relations


def _drop_unsupported(session: Session | Connection, relation_ids: Iterable[str], entity_ids: Iterable[str]) -> Dropped:
    """Of these candidates, relations no article's evidence supports any more, then the entities nothing supports.

    A relation stated by several articles stays while one of them does; its
    ``article_id`` (the article that stated it first) moves to a remaining one.
    Only the candidates are looked at (the ids a write touched): a write costs
    what it changed, not the size of the store.
    """
    dropped = Dropped(set(), set(), set())
    for chunk in _chunks(relation_ids):
        gone = session.execute(select(RelationRow.id, RelationRow.subject_id, RelationRow.object_id)
                               .where(col(RelationRow.id).in_(chunk), ~_relation_support(col(RelationRow.id)))).all()
        if gone:
            session.execute(delete(RelationRow.__table__).where(col(RelationRow.id).in_([g.id for g in gone])))
        for g in gone:
            dropped.relations.add(g.id)
            dropped.ends.update((g.subject_id, g.object_id))
        first = (select(func.min(EvidenceRow.article_id)).where(EvidenceRow.relation_id == RelationRow.id)
                 .scalar_subquery())
        owner_states_it = exists().where(and_(col(EvidenceRow.relation_id) == col(RelationRow.id),
                                              col(EvidenceRow.article_id) == col(RelationRow.article_id)))
        session.execute(update(RelationRow.__table__).where(col(RelationRow.id).in_(chunk), ~owner_states_it)
                        .values(article_id=first))
    dropped.entities = _drop_orphans(session, set(entity_ids) | dropped.ends)
    return dropped


def _drop_orphans(session: Session | Connection, entity_ids: Iterable[str]) -> set[str]:
    """Of these candidates, the entities no evidence and no relation supports any more; answers them."""
    orphans: set[str] = set()
    e = EntityRow
    for chunk in _chunks(entity_ids):
        found = session.execute(select(col(e.id)).where(
            col(e.id).in_(chunk),
            ~exists().where(col(EvidenceRow.entity_id) == e.id),
            ~exists().where(col(RelationRow.subject_id) == e.id),
            ~exists().where(col(RelationRow.object_id) == e.id))).scalars().all()
        if found:
            # Aliases alone do not keep a node (a merge's undo can leave its target only the aliases
            # it had been given): they go with it, or the entity's row could not.
            session.execute(delete(AliasRow.__table__).where(col(AliasRow.entity_id).in_(found)))
            session.execute(delete(EntityRow.__table__).where(col(EntityRow.id).in_(found)))
            orphans.update(found)
    return orphans


def _entity_values(e: EntityRecord) -> dict[str, Any]:
    return {"name": e.name, "type": e.type, "description": e.description, "attributes": e.attributes,
            "date": e.date, "modality": e.modality}


def _relation_values(r: RelationRecord, article_id: str) -> dict[str, Any]:
    return {"subject_id": r.subject, "predicate": r.predicate, "object_id": r.object, "modality": r.modality,
            "qualifiers": r.qualifiers, "article_id": article_id}


def _update_many(session: Session | Connection, table: type[EntityRow | RelationRow],
                 rows: list[dict[str, Any]]) -> None:
    """``UPDATE table SET ... WHERE id = :b_id``, executemany."""
    if not rows:
        return
    cols = [k for k in rows[0] if k != "id"]
    stmt = (update(table.__table__).where(table.__table__.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}") for c in cols}))
    session.execute(stmt, [{f"b_{k}": v for k, v in row.items()} for row in rows])


def write_story(session: Session, story: Story, *, record: bool = True,
                lookup: StoredLookup | None = None) -> WriteResult:
    """Store a verified story, replacing that article's previous facts.

    Unchanged content (same hash) writes nothing. Entities and relations are
    shared: a record that refers to a stored node (``defines=False``) adds
    aliases and evidence only, and a relation another article states keeps its
    definition and gains this article's evidence. Does not commit.

    Rows go in with Core statements (one ``executemany`` per table), and every
    lookup is by the ids the story names or the article replaced, so the cost
    is the story's size, not the store's. Every id written is noted for the
    change log (:func:`touch`); with ``record`` (the default) the revision is
    bumped here, else the caller bumps once for many stories. ``lookup`` (a
    :class:`graph.stories.resolution.StoredLookup` of the same session) forgets what
    changed, so the next story of a bulk ingestion sees it.
    """
    meta = story.meta
    aid = meta.id
    session.flush()  # ORM objects the caller added go first; the rest is Core on the session's connection
    conn = session.connection()
    n_evidence = sum(len(e.evidence) for e in story.entities) + sum(len(r.evidence) for r in story.relations)
    existing = conn.execute(select(ArticleRow.content_sha256).where(ArticleRow.id == aid)).first()
    if existing is not None and existing[0] == story.content_sha256:
        return WriteResult(aid, "unchanged", len(story.entities), len(story.relations), n_evidence)
    status = "replaced" if existing else "created"
    old_entities: set[str] = set()
    old_relations: set[str] = set()
    now = dt.datetime.now(dt.UTC)
    values = meta.model_dump() | {"text": story.text, "text_sha256": story.text_sha256,
                                  "content_sha256": story.content_sha256, "sheet": story.sheet, "ingested_at": now}
    if existing:
        old_entities, old_relations = _article_facts(conn, aid)
        _drop_article_facts(conn, aid)
        conn.execute(update(ArticleRow.__table__).where(col(ArticleRow.id) == aid)
                     .values(**{k: v for k, v in values.items() if k != "id"}))
    else:
        conn.execute(insert(ArticleRow.__table__), [values])

    entity_ids = [e.id for e in story.entities]
    stored: set[str] = set()
    for chunk in _chunks(entity_ids):
        stored.update(conn.execute(select(col(EntityRow.id)).where(col(EntityRow.id).in_(chunk))).scalars())
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for e in story.entities:
        if e.id in seen or (e.id in stored and not e.defines):
            continue  # a reference: the node keeps its definition
        seen.add(e.id)
        (changed_rows if e.id in stored else new_rows).append({"id": e.id} | _entity_values(e))
    if new_rows:
        conn.execute(insert(EntityRow.__table__), new_rows)
    _update_many(conn, EntityRow, changed_rows)
    aliases = [{"entity_id": e.id, "article_id": aid, "text": a, "position": i}
               for e in story.entities for i, a in enumerate(e.aliases)]
    evidence = [row for e in story.entities for row in _evidence_rows(e.evidence, entity_id=e.id)]
    if aliases:
        conn.execute(insert(AliasRow.__table__), aliases)
    if evidence:
        conn.execute(insert(EvidenceRow.__table__), evidence)

    relation_ids = [r.id for r in story.relations]
    stored_rel: set[str] = set()
    supported: set[str] = set()
    for chunk in _chunks(relation_ids):
        stored_rel.update(conn.execute(select(col(RelationRow.id)).where(col(RelationRow.id).in_(chunk))).scalars())
        supported.update(conn.execute(select(EvidenceRow.relation_id).distinct()
                                      .where(col(EvidenceRow.relation_id).in_(chunk))).scalars())
    new_rows, changed_rows, seen = [], [], set()
    for r in story.relations:
        if r.id in seen or (r.id in stored_rel and r.id in supported):
            continue  # stated by another article the same way (checked by graph.stories.validate): evidence only
        seen.add(r.id)
        (changed_rows if r.id in stored_rel else new_rows).append({"id": r.id} | _relation_values(r, aid))
    if new_rows:
        conn.execute(insert(RelationRow.__table__), new_rows)
    _update_many(conn, RelationRow, changed_rows)
    evidence = [row for r in story.relations for row in _evidence_rows(r.evidence, relation_id=r.id)]
    if evidence:
        conn.execute(insert(EvidenceRow.__table__), evidence)

    # Candidates: what the replaced article held, and any of ours without evidence. A fact this
    # story states with evidence is supported by it, and a relation it created is owned by it.
    unquoted_relations = {r.id for r in story.relations if not r.evidence}
    unquoted_entities = {e.id for e in story.entities if not e.evidence}
    dropped = _drop_unsupported(conn, old_relations | unquoted_relations, old_entities | unquoted_entities)
    search.index_article(session, aid, [e.id for e in story.entities if e.defines], removed=dropped.entities,
                         dropped=True)
    ends = {node for r in story.relations for node in (r.subject, r.object)}  # a superset: their edges changed
    touched_entities = old_entities | set(entity_ids) | dropped.entities | dropped.ends | ends
    touched_relations = old_relations | set(relation_ids)
    touch(session, entities=touched_entities, relations=touched_relations, articles=[aid])
    if lookup is not None:
        lookup.forget(touched_entities, touched_relations)
    if record:
        bump_revision(session)
    return WriteResult(aid, status, len(story.entities), len(story.relations), n_evidence)


def delete_article(session: Session, article_id: str) -> bool:
    """Remove an article, its evidence and aliases, and every node or relation only it supported.

    False (and nothing written) if there is no such article. Does not commit.
    """
    if session.execute(select(ArticleRow.id).where(ArticleRow.id == article_id)).first() is None:
        return False
    old_entities, old_relations = _article_facts(session, article_id)
    _drop_article_facts(session, article_id)
    dropped = _drop_unsupported(session, old_relations, old_entities)
    session.execute(delete(ArticleRow.__table__).where(col(ArticleRow.id) == article_id))
    search.index_article(session, article_id, [], removed=dropped.entities)  # the documents of nodes that went with it
    touch(session, entities=old_entities | dropped.entities | dropped.ends, relations=old_relations,
          articles=[article_id])
    bump_revision(session)
    return True


def _evidence_rows(evidence: Iterable[Evidence], **owner: str) -> list[dict[str, Any]]:
    base = {"entity_id": None, "relation_id": None} | owner
    return [base | {"article_id": ev.article_id, "quote": ev.quote, "start": ev.start, "end": ev.end,
                    "sentence": ev.sentence, "position": i} for i, ev in enumerate(evidence)]


def article_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(ArticleRow)).one()
