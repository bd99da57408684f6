"""Writing stories to the database and reading them back.

Functions here take a session and never commit: the caller owns the
transaction, so an ingestion is one unit of work, all or nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import and_, event, exists, func, text, update
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, create_engine, delete, select

from . import search
from .model import Story
from .schema import ensure_current
from .tables import AliasRow, ArticleRow, EntityRow, EvidenceRow, GraphStateRow, RelationRow


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
        kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    else:
        # connect_timeout: an unreachable server fails a request (a 503) in seconds instead of hanging it
        kwargs = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10, "pool_recycle": 1800,
                  "connect_args": {"connect_timeout": 5}}
    engine = create_engine(parsed, **kwargs)
    if engine.dialect.name == "sqlite" and (parsed.database or ":memory:") != ":memory:" \
            and not parsed.database.startswith("file:"):
        _guard_sqlite_file(engine, parsed.database)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - runs per connection
            dbapi_conn.isolation_level = None  # SQLAlchemy, not the driver, says BEGIN (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # pragma: no cover - runs per transaction
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
    def _open(_dialect, _record, cargs, cparams):  # pragma: no cover - runs per connection
        mode = "rw" if opened_once else "rwc"
        cargs[:] = [f"file:{quote(path)}?mode={mode}"]
        cparams["uri"] = True

    @event.listens_for(engine, "connect")
    def _opened(_dbapi_conn, record):  # pragma: no cover - runs per connection
        nonlocal opened_once
        opened_once = True
        record.info["storygraph_file"] = _file_id(path)

    @event.listens_for(engine, "checkout")
    def _still_there(_dbapi_conn, record, _proxy):  # pragma: no cover - runs per checkout
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


def bump_revision(session: Session) -> None:
    """Record that the stored graph changed, so every process serving it reloads."""
    session.exec(update(GraphStateRow).where(GraphStateRow.id == 1)
                 .values(revision=GraphStateRow.revision + 1, changed_at=dt.datetime.now(dt.UTC)))


def stored_revision(session_or_conn) -> int:
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


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def known_types(session: Session) -> dict[str, str]:
    return dict(session.exec(select(EntityRow.id, EntityRow.type)).all())


def relation_owners(session: Session) -> dict[str, str]:
    return dict(session.exec(select(RelationRow.id, RelationRow.article_id)).all())


@dataclass(frozen=True, slots=True)
class WriteResult:
    article_id: str
    status: str  # created | replaced | unchanged
    entities: int
    relations: int
    evidence: int


def _drop_article_facts(session: Session, article_id: str) -> None:
    """An article's evidence and aliases; the relations and entities they alone supported go later."""
    search.drop_article_docs(session, article_id)
    session.exec(delete(EvidenceRow).where(EvidenceRow.article_id == article_id))
    session.exec(delete(AliasRow).where(AliasRow.article_id == article_id))


def _relation_support(relation_id):
    return exists().where(EvidenceRow.relation_id == relation_id)


def _drop_unsupported(session: Session) -> None:
    """Relations no article's evidence supports any more, then the entities nothing supports.

    A relation stated by several articles stays while one of them does; its
    ``article_id`` (the article that stated it first) moves to a remaining one.
    """
    session.exec(delete(RelationRow).where(~_relation_support(RelationRow.id)))
    first = (select(func.min(EvidenceRow.article_id)).where(EvidenceRow.relation_id == RelationRow.id)
             .scalar_subquery())
    owner_states_it = exists().where(and_(EvidenceRow.relation_id == RelationRow.id,
                                          EvidenceRow.article_id == RelationRow.article_id))
    session.exec(update(RelationRow).where(~owner_states_it).values(article_id=first))
    _drop_orphans(session)


def _drop_orphans(session: Session) -> None:
    """Entities no evidence and no relation supports any more."""
    supported = select(EvidenceRow.entity_id).where(EvidenceRow.entity_id.is_not(None))
    used = select(RelationRow.subject_id).union(select(RelationRow.object_id))
    session.exec(delete(EntityRow).where(EntityRow.id.not_in(supported), EntityRow.id.not_in(used)))


def write_story(session: Session, story: Story) -> WriteResult:
    """Store a verified story, replacing that article's previous facts.

    Unchanged content (same hash) writes nothing. Entities and relations are
    shared: a record that refers to a stored node (``defines=False``) adds
    aliases and evidence only, and a relation another article states keeps its
    definition and gains this article's evidence. Does not commit.
    """
    meta = story.meta
    n_evidence = sum(len(e.evidence) for e in story.entities) + sum(len(r.evidence) for r in story.relations)
    existing = session.get(ArticleRow, meta.id)
    if existing is not None and existing.content_sha256 == story.content_sha256:
        return WriteResult(meta.id, "unchanged", len(story.entities), len(story.relations), n_evidence)
    status = "replaced" if existing else "created"
    if existing:
        _drop_article_facts(session, meta.id)
        session.flush()
    article = existing or ArticleRow(id=meta.id, text="", title="", publisher="", published=meta.published,
                                     text_sha256="", content_sha256="", ingested_at=dt.datetime.now(dt.UTC))
    for k, v in meta.model_dump().items():
        setattr(article, k, v)
    article.text, article.text_sha256 = story.text, story.text_sha256
    article.content_sha256, article.sheet = story.content_sha256, story.sheet
    article.ingested_at = dt.datetime.now(dt.UTC)
    session.add(article)
    session.flush()

    for e in story.entities:
        row = session.get(EntityRow, e.id)
        if row is not None and not e.defines:
            continue  # a reference: the node keeps its definition
        row = row or EntityRow(id=e.id, name=e.name, type=e.type)
        row.name, row.type, row.description = e.name, e.type, e.description
        row.attributes, row.date, row.modality = e.attributes, e.date, e.modality
        session.add(row)
    session.flush()
    for e in story.entities:
        session.add_all(AliasRow(entity_id=e.id, article_id=meta.id, text=a, position=i) for i, a in enumerate(e.aliases))
        session.add_all(_evidence_rows(e.evidence, entity_id=e.id))
    for r in story.relations:
        row = session.get(RelationRow, r.id)
        if row is not None and session.exec(select(_relation_support(r.id))).one():
            continue  # stated by another article the same way (checked by graph.validate): evidence only
        row = row or RelationRow(id=r.id, subject_id=r.subject, predicate=r.predicate, object_id=r.object,
                                 modality=r.modality, article_id=meta.id)
        row.subject_id, row.predicate, row.object_id = r.subject, r.predicate, r.object
        row.modality, row.qualifiers, row.article_id = r.modality, r.qualifiers, meta.id
        session.add(row)
    session.flush()
    for r in story.relations:
        session.add_all(_evidence_rows(r.evidence, relation_id=r.id))
    session.flush()
    _drop_unsupported(session)
    search.index_article(session, meta.id, [e.id for e in story.entities if e.defines])
    bump_revision(session)
    return WriteResult(meta.id, status, len(story.entities), len(story.relations), n_evidence)


def delete_article(session: Session, article_id: str) -> bool:
    """Remove an article, its evidence and aliases, and every node or relation only it supported.

    False (and nothing written) if there is no such article. Does not commit.
    """
    article = session.get(ArticleRow, article_id)
    if article is None:
        return False
    _drop_article_facts(session, article_id)
    session.flush()
    _drop_unsupported(session)
    session.delete(article)
    session.flush()
    search.index_article(session, article_id, [])  # drops the documents of nodes that went with it
    bump_revision(session)
    return True


def _evidence_rows(evidence, **owner) -> list[EvidenceRow]:
    return [EvidenceRow(article_id=ev.article_id, quote=ev.quote, start=ev.start, end=ev.end,
                        sentence=ev.sentence, position=i, **owner) for i, ev in enumerate(evidence)]


def article_count(session: Session) -> int:
    return len(session.exec(select(ArticleRow.id)).all())
