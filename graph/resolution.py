"""What a new fact sheet can refer to: the nodes and relations already stored.

A sheet names a node by an id it defines itself, or by the id, canonical
name or alias of a node already in the graph (an id merged away into another
node still names that node). :class:`Catalog` is the stored side, read inside
the write transaction; :class:`Resolver` answers one sheet's references, with
the candidates when a reference names nothing or more than one node.

>>> cat = Catalog(entities={"jen-daskal": StoredEntity("jen-daskal", "Jen Daskal", "person", ("Daskal",))})
>>> r = Resolver(cat)
>>> r.resolve("daskal")
('jen-daskal', None)
>>> r.resolve("Daskel")[1]
"'Daskel' is not an entity, event or claim defined in the sheet or stored in the graph; did you mean 'jen-daskal' (Jen Daskal)?"
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from sqlmodel import Session, select

from .names import normalize_name
from .tables import AliasRow, EntityRow, EvidenceRow, MergeRow, RelationRow


@dataclass(frozen=True, slots=True)
class StoredEntity:
    id: str
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    articles: frozenset[str] = frozenset()  # articles whose evidence or aliases support it


@dataclass(frozen=True, slots=True)
class StoredRelation:
    id: str
    subject: str
    predicate: str
    object: str
    modality: str
    qualifiers: dict[str, Any]
    articles: frozenset[str] = frozenset()  # articles whose evidence supports it


@dataclass
class Catalog:
    entities: dict[str, StoredEntity] = field(default_factory=dict)
    relations: dict[str, StoredRelation] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)  # merged-away id -> the live id it names


def relation_key(subject: str, predicate: str, obj: str, modality: str, qualifiers: dict[str, Any]) -> dict[str, Any]:
    """What makes two statements the same relation: the time by its EDTF value, not the article's words."""
    time = (qualifiers.get("time") or {}).get("edtf")
    return {"subject": subject, "predicate": predicate, "object": obj, "modality": modality,
            "qualifiers.time": time, "qualifiers.place": qualifiers.get("place"),
            "qualifiers.role": qualifiers.get("role"), "qualifiers.source": qualifiers.get("source")}


def follow(redirects: dict[str, str], node: str) -> str:
    """The live id an id names once merges are followed (chains included)."""
    seen = {node}
    while node in redirects:
        node = redirects[node]
        if node in seen:  # pragma: no cover - a cycle cannot be recorded, but never loop
            break
        seen.add(node)
    return node


def active_redirects(session: Session) -> dict[str, str]:
    """Merged-away id -> the id it was merged into, for merges not undone."""
    rows = session.exec(select(MergeRow.from_id, MergeRow.into_id).where(MergeRow.undone_at.is_(None))
                        .order_by(MergeRow.id)).all()
    return dict(rows)


def load_catalog(session: Session) -> Catalog:
    support: dict[str, set[str]] = defaultdict(set)
    rel_support: dict[str, set[str]] = defaultdict(set)
    for entity_id, relation_id, article_id in session.exec(
            select(EvidenceRow.entity_id, EvidenceRow.relation_id, EvidenceRow.article_id).distinct()).all():
        (support[entity_id] if entity_id else rel_support[relation_id]).add(article_id)
    aliases: dict[str, list[str]] = defaultdict(list)
    for entity_id, article_id, text in session.exec(
            select(AliasRow.entity_id, AliasRow.article_id, AliasRow.text)
            .order_by(AliasRow.article_id, AliasRow.position)).all():
        support[entity_id].add(article_id)
        if text not in aliases[entity_id]:
            aliases[entity_id].append(text)
    entities = {e.id: StoredEntity(e.id, e.name, e.type, tuple(aliases[e.id]), frozenset(support[e.id]))
                for e in session.exec(select(EntityRow)).all()}
    relations = {r.id: StoredRelation(r.id, r.subject_id, r.predicate, r.object_id, r.modality, dict(r.qualifiers),
                                      frozenset(rel_support[r.id]))
                 for r in session.exec(select(RelationRow)).all()}
    redirects = {old: follow(raw, old) for raw in [active_redirects(session)] for old in raw}
    return Catalog(entities, relations, {k: v for k, v in redirects.items() if k not in entities})


class Resolver:
    """One sheet's references: its own ids first, then stored ids, merged-away ids, names, aliases."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.local: dict[str, str] = {}  # an id the sheet defines -> the node it is (itself, or a merge target)
        self.names: dict[str, set[str]] = defaultdict(set)
        self.aliases: dict[str, set[str]] = defaultdict(set)
        self.display: dict[str, str] = {}  # node -> its name, for messages
        for e in catalog.entities.values():
            self.add_names(e.id, e.name, e.aliases)

    def add_names(self, node: str, name: str | None, aliases: tuple[str, ...] | list[str] = ()) -> None:
        if name is not None:
            self.names[normalize_name(name)].add(node)
            self.display.setdefault(node, name)
        for a in aliases:
            self.aliases[normalize_name(a)].add(node)

    def define(self, sheet_id: str, name: str, aliases: list[str]) -> str:
        """A node the sheet defines; an id merged away names its merge target."""
        node = sheet_id if sheet_id in self.catalog.entities else self.catalog.redirects.get(sheet_id, sheet_id)
        self.local[sheet_id] = node
        self.display[node] = name
        self.add_names(node, name, aliases)
        return node

    def resolve(self, ref: str) -> tuple[str | None, str | None]:
        """``(node, None)``, or ``(None, reason)`` naming the candidates."""
        if ref in self.local:
            return self.local[ref], None
        if ref in self.catalog.entities:
            return ref, None
        if ref in self.catalog.redirects:
            return self.catalog.redirects[ref], None
        key = normalize_name(ref)
        for table in (self.names, self.aliases):
            ids = table.get(key, set())
            if len(ids) == 1:
                return next(iter(ids)), None
            if len(ids) > 1:
                named = ", ".join(self._label(i) for i in sorted(ids))
                return None, f"'{ref}' names {len(ids)} entities ({named}); use an id"
        reason = f"'{ref}' is not an entity, event or claim defined in the sheet or stored in the graph"
        candidates = self.candidates(ref)
        if candidates:
            reason += "; did you mean " + ", ".join(self._label(c) for c in candidates) + "?"
        return None, reason

    def _label(self, node: str) -> str:
        name = self.display.get(node)
        return f"'{node}' ({name})" if name and name != node else f"'{node}'"

    def candidates(self, ref: str, limit: int = 3) -> list[str]:
        key = normalize_name(ref)
        if not key:
            return []
        surfaces: list[tuple[str, str]] = [(k, n) for table in (self.names, self.aliases)
                                           for k, ids in table.items() for n in ids]
        surfaces += [(normalize_name(n), n) for n in self.display]
        out: list[str] = []
        for _, _score, i in process.extract(key, [k for k, _ in surfaces], scorer=fuzz.WRatio, score_cutoff=70,
                                            limit=None):
            node = surfaces[i][1]
            if node not in out:
                out.append(node)
            if len(out) == limit:
                break
        return out


def with_story(catalog: Catalog, story) -> Catalog:
    """``catalog`` plus a verified story's nodes and relations, as if it were stored (checks without a database)."""
    entities, relations = dict(catalog.entities), dict(catalog.relations)
    aid = story.meta.id
    for e in story.entities:
        old = entities.get(e.id)
        if old is not None:
            aliases = tuple(dict.fromkeys([*old.aliases, *e.aliases]))
            name, type_ = (e.name, e.type) if e.defines else (old.name, old.type)
            entities[e.id] = StoredEntity(e.id, name, type_, aliases, old.articles | {aid})
        else:
            entities[e.id] = StoredEntity(e.id, e.name, e.type, tuple(e.aliases), frozenset({aid}))
    for r in story.relations:
        old_r = relations.get(r.id)
        if old_r is not None:
            relations[r.id] = StoredRelation(r.id, old_r.subject, old_r.predicate, old_r.object, old_r.modality,
                                             old_r.qualifiers, old_r.articles | {aid})
        else:
            relations[r.id] = StoredRelation(r.id, r.subject, r.predicate, r.object, r.modality, dict(r.qualifiers),
                                             frozenset({aid}))
    return Catalog(entities, relations, dict(catalog.redirects))
