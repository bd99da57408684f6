"""SQLModel tables: the source of truth. The graph is an index built from them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import JSON, Column, Table, Text
from sqlmodel import Field, SQLModel


class Row(SQLModel):
    """A table's model. SQLAlchemy sets ``__table__`` on each table class; this tells the type checker so."""

    if TYPE_CHECKING:
        __table__: ClassVar[Table]


class ArticleRow(Row, table=True):
    __tablename__ = "article"
    id: str = Field(primary_key=True)
    title: str
    publisher: str
    published: dt.date
    authors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    editors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    photographers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    dateline: str | None = None
    language: str = "en"
    url: str | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    text_sha256: str
    content_sha256: str
    sheet: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ingested_at: dt.datetime


class EntityRow(Row, table=True):
    __tablename__ = "entity"
    id: str = Field(primary_key=True)
    name: str
    type: str = Field(index=True)
    description: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    date: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    modality: str | None = None


class AliasRow(Row, table=True):
    """A surface form, per article: an entity's aliases are the union over articles."""

    __tablename__ = "alias"
    entity_id: str = Field(foreign_key="entity.id", primary_key=True)
    # Indexed on its own: replacing or deleting an article finds its aliases without scanning the table.
    article_id: str = Field(foreign_key="article.id", primary_key=True, index=True)
    text: str = Field(primary_key=True)
    position: int = 0  # order in the sheet, so aliases read as written


class RelationRow(Row, table=True):
    __tablename__ = "relation"
    id: str = Field(primary_key=True)
    subject_id: str = Field(foreign_key="entity.id", index=True)
    predicate: str = Field(index=True)
    object_id: str = Field(foreign_key="entity.id", index=True)
    modality: str
    qualifiers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    article_id: str = Field(foreign_key="article.id", index=True)


class EvidenceRow(Row, table=True):
    __tablename__ = "evidence"
    id: int | None = Field(default=None, primary_key=True)
    article_id: str = Field(foreign_key="article.id", index=True)
    entity_id: str | None = Field(default=None, foreign_key="entity.id", index=True)
    relation_id: str | None = Field(default=None, foreign_key="relation.id", index=True)
    quote: str = Field(sa_column=Column(Text, nullable=False))
    start: int
    end: int
    sentence: int | None = None
    position: int = 0


class SearchDocRow(Row, table=True):
    """One document of the full-text index (``graph/storage/search.py``), derived from the rows above.

    ``kind``/``item_id`` name what a hit links to (an entity, a relation or a
    claim); ``field`` what was indexed: ``evidence`` (a quote, with its
    offsets), ``text`` (a claim), ``name``, ``alias`` or ``description``.
    Documents with an ``article_id`` belong to that article's facts (evidence,
    aliases) and go with them; the others follow the entity row. SQLite
    indexes ``text`` in the FTS5 table ``search_fts``, PostgreSQL in the
    generated ``tsv`` column (both created by :func:`graph.storage.store.create_schema`).
    """

    __tablename__ = "search_doc"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)  # entity | relation | claim
    item_id: str = Field(index=True)
    field: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    article_id: str | None = Field(default=None, foreign_key="article.id", index=True)
    start: int | None = None
    end: int | None = None
    sentence: int | None = None


class GraphStateRow(Row, table=True):
    """One row: the stored graph's revision, bumped by every write that changes it.

    Every API process compares it with the revision of the graph it serves and
    reloads when they differ; a write transaction locks it first, so writers
    serialise (see :func:`graph.storage.store.write_session`).
    """

    __tablename__ = "graph_state"
    id: int = Field(default=1, primary_key=True)
    revision: int = 0
    changed_at: dt.datetime | None = None


class MergeRow(Row, table=True):
    """A merge of a duplicate entity into another (``graph/storage/merge.py``), and how to undo it.

    ``undo`` holds what the merge changed: the merged entity's row, the alias,
    evidence and relation rows it moved, the aliases it added or dropped. While
    ``undone_at`` is null, ``from_id`` answers as ``into_id`` (a 308 on the API,
    and in fact sheets).
    """

    __tablename__ = "merge"
    id: int | None = Field(default=None, primary_key=True)
    from_id: str = Field(index=True)
    into_id: str = Field(index=True)
    actor: str
    merged_at: dt.datetime
    undo: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    undone_at: dt.datetime | None = None
    undone_by: str | None = None


class GraphChangeRow(Row, table=True):
    """What one revision of the stored graph changed: the change log the served index moves forward by.

    Every write that bumps ``graph_state.revision`` records, under the new
    revision, one row per entity, relation or article whose row, aliases or
    evidence it may have added, changed or removed (``kind`` is ``entity``,
    ``relation``, ``article`` or ``redirect``, the last naming a merged-away
    id whose redirect came or went). A process that serves revision *r* reads
    the rows above *r* and re-reads just those items (``graph/storage/changes.py``);
    old rows are pruned, and a process too far behind rebuilds instead.
    """

    __tablename__ = "graph_change"
    id: int | None = Field(default=None, primary_key=True)
    revision: int = Field(index=True)
    kind: str
    item_id: str


class DeploymentKeyRow(Row, table=True):
    """One row: a random key made with the schema (migration 0005), the same for every process of a deployment.

    The API labels a write token that has no name with an HMAC of its secret under
    this key (``app/auth.py``), so a recorded label is stable across restarts and
    workers, yet tells nobody without the key anything about the secret. It is
    never served: no export, record or problem reads this table.
    """

    __tablename__ = "deployment_key"
    id: int = Field(default=1, primary_key=True)
    key: str  # 64 hex digits: 32 random bytes
