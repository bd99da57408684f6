"""The change log: what each revision of the stored graph touched.

A write records, in its own transaction, the ids of every entity, relation
and article whose rows, aliases or evidence it may have changed, under the
revision it bumps to (:func:`record`). A process serving an older revision
reads what changed since (:func:`since`) and re-reads only those items,
instead of rebuilding its whole index; the change log is the stored graph's
history in ids, never in values, so applying it twice is harmless.

Rows older than :data:`KEEP_REVISIONS` revisions are pruned as writes go on.
A process further behind than that, or one that finds a revision with no
rows (written by something that bypassed this module), gets ``None`` and
rebuilds in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from graph.storage.tables import GraphChangeRow, GraphStateRow

KINDS = ("entity", "relation", "article", "redirect")
KEEP_REVISIONS = 1000


@dataclass
class Changes:
    """The ids touched between two revisions, by kind."""

    revision: int  # the newest revision these changes reach
    entity: set[str] = field(default_factory=set)
    relation: set[str] = field(default_factory=set)
    article: set[str] = field(default_factory=set)
    redirect: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.entity) + len(self.relation) + len(self.article) + len(self.redirect)


def record(session: Session, *, entities: Iterable[str] = (), relations: Iterable[str] = (),
           articles: Iterable[str] = (), redirects: Iterable[str] = ()) -> int:
    """Bump the stored revision and log what it touched; answer the new revision.

    Always logs at least one row, so a reader can tell a revision it knows
    from one that was never logged. Call once per write transaction, last.
    """
    session.execute(update(GraphStateRow).where(col(GraphStateRow.id) == 1)
                    .values(revision=GraphStateRow.revision + 1, changed_at=dt.datetime.now(dt.UTC)))
    revision: int = session.execute(select(col(GraphStateRow.revision)).where(col(GraphStateRow.id) == 1)).scalar_one()
    rows = [{"revision": revision, "kind": kind, "item_id": item}
            for kind, items in zip(KINDS, (entities, relations, articles, redirects))
            for item in sorted(set(items))]
    if not rows:
        rows = [{"revision": revision, "kind": "article", "item_id": ""}]
    session.execute(insert(GraphChangeRow), rows)
    if revision % 100 == 0:  # prune now and then: one indexed range delete
        session.execute(delete(GraphChangeRow).where(col(GraphChangeRow.revision) <= revision - KEEP_REVISIONS))
    return revision


def since(conn: Connection | Session, revision: int, upto: int) -> Changes | None:
    """What revisions ``revision + 1`` to ``upto`` touched; None when the log does not cover them all."""
    if upto <= revision:
        return Changes(revision)
    after = col(GraphChangeRow.revision) > revision, col(GraphChangeRow.revision) <= upto
    covered = conn.execute(select(func.count(func.distinct(GraphChangeRow.revision))).where(*after)).scalar_one()
    if covered != upto - revision:
        return None
    out = Changes(upto)
    for kind, item in conn.execute(select(col(GraphChangeRow.kind), col(GraphChangeRow.item_id)).where(*after)):
        if item:
            getattr(out, kind).add(item)
    return out
