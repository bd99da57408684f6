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
>>> r.resolve("Daskel")[1]  # doctest: +NORMALIZE_WHITESPACE
"'Daskel' is not an entity, event or claim defined in the sheet or stored in the graph;
 did you mean 'jen-daskal' (Jen Daskal)?"
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process
from sqlalchemy import select as sa_select
from sqlalchemy import union
from sqlalchemy.pool import Pool
from sqlmodel import Session, col, select

from graph.indexing.names import CANDIDATES, FUZZY_CUTOFF, normalize_name, resolve_reference
from graph.model import Relation
from graph.storage.tables import AliasRow, EntityRow, EvidenceRow, MergeRow, RelationRow

if TYPE_CHECKING:
    from graph.model import Story


@dataclass(frozen=True, slots=True)
class StoredEntity:
    id: str
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    articles: frozenset[str] = frozenset()  # articles whose evidence or aliases support it


@dataclass(frozen=True, slots=True)
class StoredRelation(Relation):
    articles: frozenset[str] = frozenset()  # articles whose evidence supports it


@dataclass
class Catalog:
    """What is stored, as a sheet sees it: loaded whole (``lookup`` None), or asked of the store by id.

    Whole (:func:`load_catalog`, or built by hand) it holds every stored node
    and relation; with a :class:`StoredLookup` the dicts are a cache of what
    was asked so far and the lookup answers the rest, so verifying a sheet
    costs the ids it names, not the size of the store. Ask through
    :meth:`entity`, :meth:`relation` and :meth:`entity_articles` either way.
    """

    entities: dict[str, StoredEntity] = field(default_factory=dict)
    relations: dict[str, StoredRelation] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)  # merged-away id -> the live id it names
    lookup: StoredLookup | None = None

    def entity(self, node: str) -> StoredEntity | None:
        found = self.entities.get(node)
        if found is None and self.lookup is not None:
            return self.lookup.entity(node)
        return found

    def relation(self, relation_id: str) -> StoredRelation | None:
        found = self.relations.get(relation_id)
        if found is None and self.lookup is not None:
            return self.lookup.relation(relation_id)
        return found

    def entity_articles(self, node: str) -> frozenset[str]:
        """The articles supporting a stored node (its evidence or aliases); asked only when a fault needs them."""
        if self.lookup is not None and node not in self.entities:
            return self.lookup.entity_articles(node)
        found = self.entities.get(node)
        return found.articles if found else frozenset()


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
    rows = session.exec(select(col(MergeRow.from_id), col(MergeRow.into_id)).where(col(MergeRow.undone_at).is_(None))
                        .order_by(col(MergeRow.id))).all()
    return dict(rows)


def load_catalog(session: Session) -> Catalog:
    support: dict[str, set[str]] = defaultdict(set)
    rel_support: dict[str, set[str]] = defaultdict(set)
    for entity_id, relation_id, article_id in session.exec(
            select(EvidenceRow.entity_id, EvidenceRow.relation_id, EvidenceRow.article_id).distinct()).all():
        if entity_id:
            support[entity_id].add(article_id)
        elif relation_id is not None:
            rel_support[relation_id].add(article_id)
    aliases: dict[str, list[str]] = defaultdict(list)
    for entity_id, article_id, text in session.exec(
            select(AliasRow.entity_id, AliasRow.article_id, AliasRow.text)
            .order_by(AliasRow.article_id, col(AliasRow.position))).all():
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


class NameTable:
    """Every stored node's name and aliases under their lookup keys (:func:`graph.indexing.names.normalize_name`).

    Read whole once, when a sheet first refers to a node by a name or alias it
    does not define (or a fault needs "did you mean"), then kept current by
    :meth:`refresh` for the nodes each write touched.
    """

    def __init__(self) -> None:
        self.names: dict[str, set[str]] = {}
        self.aliases: dict[str, set[str]] = {}
        self._keys: dict[str, tuple[list[str], list[str]]] = {}  # node -> (its name keys, its alias keys)

    @classmethod
    def load(cls, session: Session) -> NameTable:
        table = cls()
        rows = session.execute(select(EntityRow.id, EntityRow.name)).all()
        alias_rows = session.execute(select(AliasRow.entity_id, AliasRow.text).distinct()).all()
        table._add(rows, alias_rows)
        return table

    def _add(self, rows: Iterable[tuple[str, str]], alias_rows: Iterable[tuple[str, str]]) -> None:
        for node, name in rows:
            key = normalize_name(name)
            self.names.setdefault(key, set()).add(node)
            self._keys.setdefault(node, ([], []))[0].append(key)
        for node, text in alias_rows:
            key = normalize_name(text)
            self.aliases.setdefault(key, set()).add(node)
            self._keys.setdefault(node, ([], []))[1].append(key)

    def refresh(self, session: Session, nodes: Iterable[str]) -> None:
        """Re-read these nodes' names and aliases (added, changed or gone) from the session."""
        nodes = sorted(set(nodes))
        for node in nodes:
            name_keys, alias_keys = self._keys.pop(node, ([], []))
            for table, keys in ((self.names, name_keys), (self.aliases, alias_keys)):
                for key in keys:
                    ids = table.get(key)
                    if ids is not None:
                        ids.discard(node)
                        if not ids:
                            del table[key]
        for chunk in _chunks(nodes):
            self._add(session.execute(select(col(EntityRow.id), col(EntityRow.name))
                                      .where(col(EntityRow.id).in_(chunk))).all(),
                      session.execute(select(col(AliasRow.entity_id), col(AliasRow.text)).distinct()
                                      .where(col(AliasRow.entity_id).in_(chunk))).all())

    def named(self, key: str) -> tuple[set[str], set[str]]:
        return set(self.names.get(key, ())), set(self.aliases.get(key, ()))

    def ids(self) -> list[str]:
        return list(self._keys)

    def merged(self, names: dict[str, set[str]], aliases: dict[str, set[str]]
               ) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """The stored tables with a sheet's own names and aliases added (copies)."""
        out = []
        for stored, local in ((self.names, names), (self.aliases, aliases)):
            table = {k: set(v) for k, v in stored.items()}
            for k, v in local.items():
                table.setdefault(k, set()).update(v)
            out.append(table)
        return out[0], out[1]


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i: i + size]



class StoredLookup:
    """The stored side of :class:`Catalog`, asked by id inside the write transaction, and cached.

    :meth:`prefetch` reads every id a sheet may name in a few queries;
    :meth:`forget` drops what a write changed, so the next sheet of the same
    transaction sees it as stored (the catalog of a bulk ingestion moves
    forward with it, instead of being read again per story).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._entities: dict[str, StoredEntity | None] = {}
        self._relations: dict[str, StoredRelation | None] = {}
        self._names: NameTable | None = None  # the committed name table, read when first needed
        self._overlay = NameTable()  # names and aliases of the nodes this transaction wrote
        self._dirty: set[str] = set()  # nodes this transaction wrote: the overlay answers for them
        self._stale: set[str] = set()  # ... whose overlay entries are still to be read
        raw = active_redirects(session)
        redirects = {old: follow(raw, old) for old in raw}
        live: set[str] = set()
        for chunk in _chunks(sorted(redirects)):
            live.update(session.execute(select(col(EntityRow.id)).where(col(EntityRow.id).in_(chunk))).scalars())
        self.redirects = {k: v for k, v in redirects.items() if k not in live}

    def catalog(self) -> Catalog:
        return Catalog(redirects=dict(self.redirects), lookup=self)

    def prefetch(self, entity_ids: Iterable[str] = (), relation_ids: Iterable[str] = ()) -> None:
        """Read the stored nodes and relations among these ids (and know the others are not stored)."""
        want = sorted({i for i in entity_ids if isinstance(i, str)} - self._entities.keys())
        for chunk in _chunks(want):
            for node in chunk:
                self._entities[node] = None
            for node, name, type_ in self.session.execute(
                    select(col(EntityRow.id), col(EntityRow.name), col(EntityRow.type))
                    .where(col(EntityRow.id).in_(chunk))):
                self._entities[node] = StoredEntity(node, name, type_)
        want = sorted({i for i in relation_ids if isinstance(i, str)} - self._relations.keys())
        for chunk in _chunks(want):
            support: dict[str, set[str]] = defaultdict(set)
            for rid, article in self.session.execute(
                    select(EvidenceRow.relation_id, EvidenceRow.article_id).distinct()
                    .where(col(EvidenceRow.relation_id).in_(chunk))):
                support[rid].add(article)
            for rid in chunk:
                self._relations[rid] = None
            # SQLAlchemy's select: SQLModel's is typed for at most four columns.
            stmt = (sa_select(col(RelationRow.id), col(RelationRow.subject_id), col(RelationRow.predicate),
                              col(RelationRow.object_id), col(RelationRow.modality), col(RelationRow.qualifiers))
                    .where(col(RelationRow.id).in_(chunk)))
            for r in self.session.execute(stmt):
                self._relations[r.id] = StoredRelation(r.id, r.subject_id, r.predicate, r.object_id, r.modality,
                                                       dict(r.qualifiers or {}), frozenset(support[r.id]))

    def entity(self, node: str) -> StoredEntity | None:
        if node not in self._entities:
            self.prefetch(entity_ids=[node])  # records every id it is asked for, None where there is none
        return self._entities[node]

    def relation(self, relation_id: str) -> StoredRelation | None:
        if relation_id not in self._relations:
            self.prefetch(relation_ids=[relation_id])
        return self._relations[relation_id]

    def entity_articles(self, node: str) -> frozenset[str]:
        rows = self.session.execute(union(
            select(EvidenceRow.article_id).where(EvidenceRow.entity_id == node),
            select(AliasRow.article_id).where(AliasRow.entity_id == node))).scalars()
        return frozenset(rows)

    def named(self, key: str) -> tuple[set[str], set[str]]:
        """Stored nodes named, and nodes aliased, ``key``: the committed table, with this transaction's writes
        over it."""
        base = self._base_names()
        if self._stale:
            self._overlay.refresh(self.session, self._stale)
            self._stale = set()
        names, aliases = base.named(key)
        names = {n for n in names if n not in self._dirty} | self._overlay.names.get(key, set())
        aliases = {n for n in aliases if n not in self._dirty} | self._overlay.aliases.get(key, set())
        return names, aliases

    def name_table(self) -> NameTable:
        """The whole table as this transaction sees it (a copy: for a fault's "did you mean")."""
        table = NameTable()
        base = self._base_names()
        table.names = {k: set(v) for k, v in base.names.items()}
        table.aliases = {k: set(v) for k, v in base.aliases.items()}
        table._keys = {k: (list(n), list(a)) for k, (n, a) in base._keys.items()}
        table.refresh(self.session, self._dirty)
        return table

    def _base_names(self) -> NameTable:
        if self._names is None:
            # Shared with later transactions only when read before this one wrote anything:
            # then it holds committed rows alone, whatever becomes of this transaction.
            self._names = shared_names(self.session) if not self._dirty else NameTable.load(self.session)
        return self._names

    def forget(self, entity_ids: Iterable[str] = (), relation_ids: Iterable[str] = ()) -> None:
        """A write changed these: read them again when next asked."""
        entity_ids = set(entity_ids)
        for node in entity_ids:
            self._entities.pop(node, None)
        for rid in relation_ids:
            self._relations.pop(rid, None)
        self._dirty |= entity_ids
        self._stale |= entity_ids


@dataclass
class _SharedNames:
    revision: int
    changed_at: Any
    table: NameTable


_SHARED_NAMES: weakref.WeakKeyDictionary[Pool, _SharedNames] = weakref.WeakKeyDictionary()  # engine pool -> names
_SHARED_LOCK = threading.Lock()


def shared_names(session: Session) -> NameTable:
    """The stored name table of this database, kept per process and moved forward by the change log.

    Read whole the first time (every name and alias: about a second at a
    million relations), then each later write transaction re-reads only the
    nodes the revisions since touched (:func:`graph.storage.changes.since`); a gap in
    the log reads it whole again. Call inside a transaction that has not
    written yet; do not change the table returned.
    """
    from graph.storage.changes import since
    from graph.storage.tables import GraphStateRow

    key = session.get_bind().engine.pool
    state = session.execute(select(col(GraphStateRow.revision), col(GraphStateRow.changed_at))
                            .where(col(GraphStateRow.id) == 1)).first()
    revision, changed_at = (state[0], state[1]) if state else (0, None)
    with _SHARED_LOCK:
        shared = _SHARED_NAMES.get(key)
        if shared is not None and (shared.revision, shared.changed_at) == (revision, changed_at):
            return shared.table
        if shared is not None and shared.revision < revision:
            moved = since(session.connection(), shared.revision, revision)
            if moved is not None:
                shared.table.refresh(session, moved.entity | moved.redirect)
                shared.revision, shared.changed_at = revision, changed_at
                return shared.table
        table = NameTable.load(session)
        _SHARED_NAMES[key] = _SharedNames(revision, changed_at, table)
        return table


def sheet_ids(sheet: Any) -> tuple[set[str], set[str]]:
    """Every string a raw fact sheet may use as a stored node's id, and its relation ids
    (for :meth:`StoredLookup.prefetch`)."""
    nodes: set[str] = set()
    relations: set[str] = set()
    if not isinstance(sheet, dict):
        return nodes, relations
    for section in ("entities", "events", "claims", "relations"):
        entries = sheet.get(section)
        if not isinstance(entries, list):
            continue
        for f in entries:
            if not isinstance(f, dict):
                continue
            for k in ("ref", "subject", "object") if section == "relations" else ("id", "ref"):
                if isinstance(f.get(k), str):
                    nodes.add(f[k])
            q = f.get("qualifiers")
            if isinstance(q, dict):
                nodes.update(v for k, v in q.items() if k in ("place", "source") and isinstance(v, str))
            about = f.get("about")
            if isinstance(about, list):
                nodes.update(a for a in about if isinstance(a, str))
            if section == "relations" and isinstance(f.get("id"), str):
                relations.add(f["id"])
    return nodes, relations


class Resolver:
    """One sheet's references: its own ids first, then stored ids, merged-away ids, then names and aliases.

    A name or alias (compared as :func:`graph.indexing.names.normalize_name` keys, as
    the API's lookup does) must name exactly one node, the sheet's own or
    stored: a canonical name does not win over another node's alias, since
    "Washington" may mean the city or the U.S. government and only the writer
    knows which. Such a reference is a fault listing the candidates; an id
    is never ambiguous.

    Over a loaded :class:`Catalog` every stored name and alias is tabled up
    front, as before; over a :class:`StoredLookup` only the sheet's own are,
    and a name the sheet does not define is looked up in the stored name
    table when it is first asked for (so a sheet that refers by id never
    reads that table at all).
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.local: dict[str, str] = {}  # an id the sheet defines -> the node it is (itself, or a merge target)
        self.names: dict[str, set[str]] = defaultdict(set)
        self.aliases: dict[str, set[str]] = defaultdict(set)
        self.display: dict[str, str] = {}  # node -> its name, for messages
        if catalog.lookup is None:
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
        node = sheet_id if self.catalog.entity(sheet_id) is not None else self._live_target(sheet_id) or sheet_id
        self.local[sheet_id] = node
        self.display[node] = name
        self.add_names(node, name, aliases)
        return node

    def _live_target(self, merged: str) -> str | None:
        """The stored entity an id merged away names; None if it names none, or its target is gone too
        (every article that supported it was deleted): the id is then free to name a new node."""
        target = self.catalog.redirects.get(merged)
        return target if target is not None and self.catalog.entity(target) is not None else None

    def _named(self, key: str) -> tuple[set[str], set[str]]:
        """Nodes whose name, and nodes with an alias, under ``key``: the sheet's and the stored ones."""
        names, aliases = self.names.get(key, set()), self.aliases.get(key, set())
        if self.catalog.lookup is not None:
            stored_names, stored_aliases = self.catalog.lookup.named(key)
            names, aliases = names | stored_names, aliases | stored_aliases
        return names, aliases

    def resolve(self, ref: str) -> tuple[str | None, str | None]:
        """``(node, None)``, or ``(None, reason)`` naming the candidates
        (:func:`graph.indexing.names.resolve_reference`)."""
        found = resolve_reference(ref, by_id=self._by_id, named=lambda key: set.union(*self._named(key)),
                                  suggest=self.candidates)
        if found.node is not None:
            return found.node, None
        if found.ambiguous:
            named = ", ".join(self._label(i) for i in found.ambiguous)
            return None, f"'{ref}' names {len(found.ambiguous)} entities ({named}); use an id"
        reason = f"'{ref}' is not an entity, event or claim defined in the sheet or stored in the graph"
        if found.candidates:
            reason += "; did you mean " + ", ".join(self._label(c) for c in found.candidates) + "?"
        return None, reason

    def _by_id(self, ref: str) -> str | None:
        """The node an id names: the sheet's own, a stored one, or the live target of one merged away."""
        if ref in self.local:
            return self.local[ref]
        if self.catalog.entity(ref) is not None:
            return ref
        return self._live_target(ref)

    def _label(self, node: str) -> str:
        name = self.display.get(node)
        if name is None and (stored := self.catalog.entity(node)) is not None:
            name = stored.name
        return f"'{node}' ({name})" if name and name != node else f"'{node}'"

    def candidates(self, ref: str, limit: int = CANDIDATES) -> list[str]:
        """Nodes a name or alias of which is near ``ref`` (WRatio at :data:`graph.indexing.names.FUZZY_CUTOFF`
        or better), best first."""
        key = normalize_name(ref)
        if not key:
            return []
        names, aliases, display = self.names, self.aliases, list(self.display)
        if self.catalog.lookup is not None:  # a fault's message: the whole stored name table, once
            table = self.catalog.lookup.name_table()
            names, aliases = table.merged(self.names, self.aliases)
            display = list(dict.fromkeys([*table.ids(), *self.display]))
        surfaces: list[tuple[str, str]] = [(k, n) for t in (names, aliases) for k, ids in t.items() for n in ids]
        surfaces += [(normalize_name(n), n) for n in display]
        out: list[str] = []
        for _, _score, i in process.extract(key, [k for k, _ in surfaces], scorer=fuzz.WRatio,
                                            score_cutoff=FUZZY_CUTOFF, limit=None):
            node = surfaces[i][1]
            if node not in out:
                out.append(node)
            if len(out) == limit:
                break
        return out


def with_story(catalog: Catalog, story: Story) -> Catalog:
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
