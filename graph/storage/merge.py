"""Merging a duplicate entity into another, recorded so that it can be undone exactly.

A merge moves the duplicate's aliases, evidence and relations (either
direction, and the ``place``/``source`` qualifiers that name it) to the
target, adds the duplicate's name as an alias of the target, and deletes the
duplicate's row. Its :class:`graph.storage.tables.MergeRow` keeps who, when, from,
into, and every row it changed, so :func:`undo_merge` puts them back; while
the merge stands the old id names the target (a 308 on the API, and in fact
sheets). Functions take the write session and never commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, delete, func, or_, update
from sqlmodel import Session, col, select

from graph.errors import EntityNotFound, MergeConflict, MergeInvalid, MergeNotFound
from graph.indexing.names import normalize_name
from graph.storage import search
from graph.storage.store import _drop_orphans, bump_revision, touch
from graph.storage.tables import AliasRow, ArticleRow, EntityRow, EvidenceRow, MergeRow, RelationRow

QUALIFIER_REFS = ("place", "source")


def merge_dict(row: MergeRow) -> dict[str, Any]:
    """A merge as the API shows it."""
    undo = row.undo or {}
    return {
        "id": row.id, "from": row.from_id, "into": row.into_id,
        "from_name": (undo.get("entity") or {}).get("name"),
        "by": row.actor, "at": _iso(row.merged_at),
        "undone": row.undone_at is not None, "undone_at": _iso(row.undone_at), "undone_by": row.undone_by,
        "moved": {"aliases": len(undo.get("aliases_moved", [])) + len(undo.get("aliases_dropped", [])),
                  "evidence": len(undo.get("evidence", [])), "relations": len(undo.get("relations", []))},
    }


def _iso(t: dt.datetime | None) -> str | None:
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).isoformat()


def list_merges(session: Session) -> list[MergeRow]:
    return list(session.exec(select(MergeRow).order_by(col(MergeRow.id))).all())


def _entity(session: Session, node: str) -> EntityRow:
    row = session.get(EntityRow, node)
    if row is None:
        raise EntityNotFound(node, [])
    return row


def merge_entities(session: Session, source: str, target: str, actor: str) -> MergeRow:
    """Merge ``source`` into ``target``; answer the record. Raises MergeInvalid (422) or MergeConflict (409)."""
    if source == target:
        raise MergeInvalid(f"Cannot merge '{source}' into itself; 'into' must name another entity")
    src, tgt = _entity(session, source), _entity(session, target)
    if src.type != tgt.type:
        raise MergeInvalid(f"'{source}' is a {src.type} and '{target}' a {tgt.type}; only entities of one type merge")
    between = session.exec(select(RelationRow.id).where(or_(
        and_(col(RelationRow.subject_id) == source, col(RelationRow.object_id) == target),
        and_(col(RelationRow.subject_id) == target, col(RelationRow.object_id) == source)))).all()
    if between:
        raise MergeConflict(f"Relations {', '.join(sorted(between))} link '{source}' and '{target}'; merged, each "
                            "would link an entity to itself. Remove them from their fact sheets first.")
    undo: dict[str, Any] = {
        "entity": {"id": src.id, "name": src.name, "type": src.type, "description": src.description,
                   "attributes": src.attributes, "date": src.date, "modality": src.modality},
        "aliases_moved": [], "aliases_dropped": [], "aliases_added": [], "evidence": [], "relations": [],
    }
    target_keys = {(a.article_id, a.text) for a in session.exec(select(AliasRow).where(AliasRow.entity_id == target))}
    for a in session.exec(select(AliasRow).where(AliasRow.entity_id == source)).all():
        entry = [a.article_id, a.text, a.position]
        if (a.article_id, a.text) in target_keys:
            undo["aliases_dropped"].append(entry)
            session.exec(delete(AliasRow).where(col(AliasRow.entity_id) == source,
                                                col(AliasRow.article_id) == a.article_id, col(AliasRow.text) == a.text))
        else:
            undo["aliases_moved"].append(entry)
            session.exec(update(AliasRow).where(col(AliasRow.entity_id) == source,
                                                col(AliasRow.article_id) == a.article_id, col(AliasRow.text) == a.text)
                         .values(entity_id=target))
    undo["evidence"] = sorted(session.exec(select(EvidenceRow.id).where(EvidenceRow.entity_id == source)).all())
    session.exec(update(EvidenceRow).where(col(EvidenceRow.entity_id) == source).values(entity_id=target))
    for r in _relations_naming(session, source):
        quals = dict(r.qualifiers or {})
        fields = [f for f in ("subject_id", "object_id") if getattr(r, f) == source]
        fields += [f"qualifiers.{q}" for q in QUALIFIER_REFS if quals.get(q) == source]
        if not fields:
            continue
        undo["relations"].append({"id": r.id, "fields": fields})
        for f in fields:
            if f.startswith("qualifiers."):
                quals[f.split(".", 1)[1]] = target
            else:
                setattr(r, f, target)
        r.qualifiers = quals
        session.add(r)
    session.flush()
    _add_name_alias(session, src, tgt, undo)
    session.delete(src)
    row = MergeRow(from_id=source, into_id=target, actor=actor, merged_at=dt.datetime.now(dt.UTC), undo=undo)
    session.add(row)
    session.flush()
    _reindex_and_log(session, source, target, undo)
    return row


def _relations_naming(session: Session, node: str) -> list[RelationRow]:
    """Relations with ``node`` at an end (indexed) or as their ``place``/``source`` qualifier, by id.

    The qualifiers are JSON, so the second query reads that column in the
    database (no index), but only the matching rows come back to Python.
    """
    ends = session.exec(select(RelationRow).where(or_(col(RelationRow.subject_id) == node,
                                                       col(RelationRow.object_id) == node))).all()
    quals = RelationRow.qualifiers
    named = session.exec(select(RelationRow).where(or_(*(quals[q].as_string() == node for q in QUALIFIER_REFS)))).all()
    return sorted({r.id: r for r in [*ends, *named]}.values(), key=lambda r: r.id)


def _reindex_and_log(session: Session, source: str, target: str, undo: dict[str, Any],
                     orphans: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Re-derive the search documents a merge (or its undo) moved, and log what it touched; bump the revision."""
    articles = {a for a, *_ in undo["aliases_moved"] + undo["aliases_dropped"] + undo["aliases_added"]}
    if undo["evidence"]:
        articles.update(session.exec(select(col(EvidenceRow.article_id)).where(col(EvidenceRow.id).in_(undo["evidence"]))).all())
    moved = [m["id"] for m in undo["relations"]]
    ends: set[str] = set()
    if moved:
        for subject, obj in session.exec(select(RelationRow.subject_id, RelationRow.object_id)
                                         .where(col(RelationRow.id).in_(moved))).all():
            ends.update((subject, obj))
    search.reindex(session, articles, {source, target} | set(orphans))
    touch(session, entities={source, target} | ends | set(orphans), relations=moved, redirects=[source])
    bump_revision(session)


def _add_name_alias(session: Session, src: EntityRow, tgt: EntityRow, undo: dict[str, Any]) -> None:
    """The duplicate's name becomes an alias of the target, so lookups by it keep working."""
    names = {normalize_name(tgt.name)}
    names |= {normalize_name(t) for t in session.exec(select(AliasRow.text).where(AliasRow.entity_id == tgt.id))}
    if normalize_name(src.name) in names:
        return
    articles = [a for a, _, _ in undo["aliases_moved"] + undo["aliases_dropped"]]
    articles += session.exec(select(col(EvidenceRow.article_id)).where(col(EvidenceRow.id).in_(undo["evidence"]))).all()
    if not articles:
        return
    article = min(articles)
    last = session.exec(select(func.max(AliasRow.position)).where(AliasRow.entity_id == tgt.id,
                                                                  AliasRow.article_id == article)).one()
    session.add(AliasRow(entity_id=tgt.id, article_id=article, text=src.name, position=(last or 0) + 1))
    undo["aliases_added"].append([article, src.name])
    session.flush()


def undo_merge(session: Session, merge_id: int, actor: str) -> MergeRow:
    """Put back what merge ``merge_id`` changed. Raises MergeNotFound (404) or MergeConflict (409)."""
    row = session.get(MergeRow, merge_id)
    if row is None:
        raise MergeNotFound(str(merge_id))
    if row.undone_at is not None:
        raise MergeConflict(f"Merge {merge_id} was already undone ({_iso(row.undone_at)}, by {row.undone_by})")
    source, target, undo = row.from_id, row.into_id, row.undo
    if session.get(EntityRow, source) is not None:
        raise MergeConflict(f"An entity '{source}' exists again; merge {merge_id} cannot be undone")
    if session.get(EntityRow, target) is None:
        later = session.exec(select(MergeRow.id)
                             .where(MergeRow.from_id == target, col(MergeRow.undone_at).is_(None))).first()
        hint = f"undo merge {later} first" if later else "its articles are gone"
        raise MergeConflict(f"'{target}' is no longer an entity ({hint}); merge {merge_id} cannot be undone")
    session.add(EntityRow(**undo["entity"]))
    session.flush()
    for article, text, _position in undo["aliases_moved"]:
        session.exec(update(AliasRow).where(col(AliasRow.entity_id) == target, col(AliasRow.article_id) == article,
                                            col(AliasRow.text) == text).values(entity_id=source))
    dropped_in = sorted({article for article, _, _ in undo["aliases_dropped"]})
    live = (set(session.exec(select(col(ArticleRow.id)).where(col(ArticleRow.id).in_(dropped_in))).all())
            if dropped_in else set())
    for article, text, position in undo["aliases_dropped"]:
        if article in live:
            session.add(AliasRow(entity_id=source, article_id=article, text=text, position=position))
    for article, text in undo["aliases_added"]:
        session.exec(delete(AliasRow).where(col(AliasRow.entity_id) == target, col(AliasRow.article_id) == article,
                                            col(AliasRow.text) == text))
    if undo["evidence"]:
        session.exec(update(EvidenceRow)
                     .where(col(EvidenceRow.id).in_(undo["evidence"]), col(EvidenceRow.entity_id) == target)
                     .values(entity_id=source))
    for moved in undo["relations"]:
        r = session.get(RelationRow, moved["id"])
        if r is None:
            continue
        quals = dict(r.qualifiers or {})
        for f in moved["fields"]:
            if f.startswith("qualifiers."):
                if quals.get(f.split(".", 1)[1]) == target:
                    quals[f.split(".", 1)[1]] = source
            elif getattr(r, f) == target:
                setattr(r, f, source)
        r.qualifiers = quals
        session.add(r)
    row.undone_at, row.undone_by = dt.datetime.now(dt.UTC), actor
    session.add(row)
    session.flush()
    candidates = {source, target}
    moved = [m["id"] for m in undo["relations"]]
    if moved:
        for subject, obj in session.exec(select(RelationRow.subject_id, RelationRow.object_id)
                                         .where(col(RelationRow.id).in_(moved))).all():
            candidates.update((subject, obj))
    orphans = _drop_orphans(session, candidates)
    _reindex_and_log(session, source, target, undo, orphans)
    return row
