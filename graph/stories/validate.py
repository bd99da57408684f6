"""Verify a fact sheet against its article and turn it into a :class:`Story`.

Every fault is collected, not just the first, and each names the file, the
fact id, the field and the reason. One fault rejects the whole sheet.

Characters: every string a story holds (the text, every metadata and sheet
value, every key) goes into XML (SVG, GraphML, GEXF), CSV, RDF, HTML and a
database, so it may hold only what all of them carry. Refused, wherever they
stand: the C0 control characters other than tab, line feed and carriage
return (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F), which XML 1.0 cannot
carry at all; DEL and the C1 controls (U+007F-U+009F), which no text means
and which ``str.splitlines`` would take for line breaks; lone surrogates
(U+D800-U+DFFF, not UTF-8 at all); and the non-characters U+FFFE and U+FFFF.
Tab, line feed and carriage return are whitespace: quotes match ignoring it,
so CRLF article files keep their line ends and their offsets.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any

from pydantic import ValidationError

from graph.errors import Fault, SheetInvalid
from graph.model import EntityRecord, Evidence, RelationRecord, Story, date_dict
from graph.stories.resolution import Catalog, Resolver, StoredRelation, relation_key
from graph.stories.sheet import (
    DEFINITION,
    REFERENCE,
    ArticleMeta,
    ClaimFact,
    DateValue,
    EntityFact,
    EventFact,
    FactSheet,
    Quote,
    RefFact,
    RelationFact,
)
from graph.stories.text import NormalizedText, locate, normalize, sentence_at, split_sentences
from graph.vocabulary import PREDICATES, EntityType, Modality

SECTIONS = ("entities", "events", "claims", "relations")


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _locate(loc: tuple[Any, ...], file: str, raw: Any) -> tuple[str | None, str]:
    """The fact id and field a location in a raw sheet names: ``('relations', 3, 'predicate')`` is
    ``relations[3]``'s id (or ``relations[3]`` itself when it has none) and ``predicate``."""
    if len(loc) >= 2 and loc[0] in SECTIONS and isinstance(loc[1], int):
        try:
            entry = raw[loc[0]][loc[1]]
            fact_id = entry.get("id") or entry.get("ref")
        except (AttributeError, IndexError, KeyError, TypeError):
            fact_id = None
        if not isinstance(fact_id, str) or _FORBIDDEN.search(fact_id):
            fact_id = f"{loc[0]}[{loc[1]}]"
        return fact_id, _loc(loc[2:]) or f"{loc[0]}[{loc[1]}]"
    return None, _loc(loc)


def _pydantic_faults(exc: ValidationError, file: str, raw: Any) -> list[Fault]:
    faults = []
    for err in exc.errors():
        loc = err["loc"]
        # ('entities', 3, 'definition', 'name'): the tag of the entry's shape says nothing to a writer
        if len(loc) >= 3 and loc[0] in SECTIONS and loc[2] in (DEFINITION, REFERENCE):
            loc = loc[:2] + loc[3:]
        fact_id, field = _locate(loc, file, raw)
        msg = err["msg"].removeprefix("Value error, ")
        faults.append(Fault(file, fact_id, field or "(sheet)", msg))
    return faults


# What no string of a story may hold (module docstring).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _character(match: re.Match[str]) -> str:
    c = ord(match.group())
    kind = "a lone surrogate" if 0xD800 <= c <= 0xDFFF else "a non-character" if c >= 0xFFFE else "a control character"
    return (f"U+{c:04X} ({kind}) at character {match.start()} is not allowed; text may hold no control "
            f"characters but tab and line breaks")


def _path(loc: tuple[Any, ...]) -> str:
    """``('evidence', 0, 'quote')`` -> ``evidence[0].quote``."""
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else f".{p}" if out else str(p)
    return out


def character_faults(meta_raw: Any, sheet_raw: Any, text: Any, *, meta_file: str = "meta.yaml",
                     sheet_file: str = "facts.yaml", text_file: str = "article.txt") -> list[Fault]:
    r"""A fault for every string (value or key) that holds a character no story may hold (module docstring).

    Run before anything reads the sheet's ids: PostgreSQL cannot even compare a string holding NUL.

    >>> for f in character_faults({"title": "A\x01"}, {"entities": [{"id": "x", "name": "\ud800"}]}, "ok\r\n"):
    ...     print(f.file, f.fact_id, f.field, f.reason.split(" at ")[0])
    meta.yaml None title U+0001 (a control character)
    facts.yaml x name U+D800 (a lone surrogate)
    """
    faults = []
    if isinstance(text, str) and (m := _FORBIDDEN.search(text)):
        faults.append(Fault(text_file, None, "text", _character(m)))
    for file, raw in ((meta_file, meta_raw), (sheet_file, sheet_raw)):
        stack: list[tuple[tuple[Any, ...], Any]] = [((), raw)]
        found = []
        while stack:  # iterative: a deeply nested document must not exhaust the interpreter's stack
            loc, value = stack.pop()
            if isinstance(value, str):
                if m := _FORBIDDEN.search(value):
                    found.append((loc, _character(m)))
            elif isinstance(value, dict):
                for k, v in value.items():
                    if isinstance(k, str) and (m := _FORBIDDEN.search(k)):
                        found.append((loc, "a key: " + _character(m)))
                        continue
                    stack.append(((*loc, k), v))
            elif isinstance(value, list):
                stack.extend(((*loc, i), v) for i, v in enumerate(value))
        def order(f: tuple[tuple[Any, ...], str]) -> list[tuple[Any, ...]]:
            return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in f[0]]

        for loc, reason in sorted(found, key=order):
            fact_id, _ = _locate(loc, file, raw)
            field = _path(loc[2:] if fact_id is not None else loc) or (_path(loc[:2]) if loc else "(file)")
            faults.append(Fault(file, fact_id, field, reason))
    return faults


def content_hash(text: str, meta: dict[str, Any], sheet: dict[str, Any]) -> str:
    blob = json.dumps({"text": text, "meta": meta, "sheet": sheet}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class _Types(dict[str, str]):
    """Node -> type: what the sheet says, else what the catalog has stored (asked when first needed)."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog

    def __missing__(self, node: str) -> str:
        stored = self.catalog.entity(node)
        if stored is None:
            raise KeyError(node)
        return stored.type

    def get(self, node: str, default: Any = None) -> Any:
        try:
            return self[node]
        except KeyError:
            return default


class _Checker:
    def __init__(self, meta: ArticleMeta, text: str, sheet: FactSheet, file: str, catalog: Catalog):
        self.meta, self.text, self.sheet, self.file = meta, text, sheet, file
        self.norm = NormalizedText(text)
        self.sentences = split_sentences(text)
        self.faults: list[Fault] = []
        self.catalog = catalog
        self.types = _Types(catalog)  # node -> type: the sheet's, else the stored one
        self.resolver = Resolver(catalog)
        self.refs: dict[int, str] = {}  # id() of a RefFact entry -> the stored node it names

    def others(self, articles: frozenset[str]) -> list[str]:
        """The articles other than this one, sorted: a stored fact they support is not ours to change."""
        return sorted(articles - {self.meta.id})

    def fault(self, fact_id: str | None, field: str, reason: str) -> None:
        self.faults.append(Fault(self.file, fact_id, field, reason))

    def evidence(self, fact_id: str, quotes: list[Quote]) -> list[Evidence]:
        out = []
        for i, q in enumerate(quotes):
            try:
                span = locate(self.text, self.norm, q.quote, prefix=q.prefix, suffix=q.suffix, occurrence=q.occurrence)
            except ValueError as exc:
                self.fault(fact_id, f"evidence[{i}].quote", str(exc))
                continue
            exact = self.text[span.start : span.end]
            out.append(Evidence(self.meta.id, exact, span.start, span.end, sentence_at(self.sentences, span.start)))
        return out

    def date(self, fact_id: str, field: str, date: DateValue | None, evidence: list[Evidence]) -> dict[str, Any] | None:
        if date is None:
            return None
        words = normalize(date.text)
        if evidence and not any(words in normalize(e.quote) for e in evidence):
            self.fault(fact_id, f"{field}.text", f"'{date.text}' does not stand in this fact's evidence quotes")
        return date_dict(date.edtf, date.text)

    def aliases(self, fact_id: str, aliases: list[str]) -> list[str]:
        for i, alias in enumerate(aliases):
            if not self.norm.find_all(alias):
                self.fault(fact_id, f"aliases[{i}]", f"'{alias}' is not a surface form of the article")
        return list(dict.fromkeys(aliases))

    def definitions(self, section: str) -> list[Any]:
        return [f for f in getattr(self.sheet, section) if not isinstance(f, RefFact)]

    def ids(self) -> None:
        counts = Counter(f.id for s in SECTIONS for f in getattr(self.sheet, s) if not isinstance(f, RefFact))
        for fact_id, n in counts.items():
            if n > 1:
                self.fault(fact_id, "id", f"defined {n} times; ids are unique across the sheet")
        for section in ("entities", "events", "claims"):
            for f in self.definitions(section):
                kind = (EntityType.event if isinstance(f, EventFact)
                        else EntityType.claim if isinstance(f, ClaimFact) else f.type)
                name = f.text if isinstance(f, ClaimFact) else f.name
                node = self.resolver.define(f.id, name, f.aliases)
                stored = self.catalog.entity(node)
                if stored and node == f.id and stored.type != kind.value:
                    others = self.others(self.catalog.entity_articles(node))
                    if others:
                        self.fault(f.id, "type", f"'{f.id}' is a {stored.type} in the graph (article '{others[0]}'); "
                                                 f"a sheet cannot make it a {kind.value}")
                        continue
                self.types[node] = kind.value if node == f.id else self.types.get(node, kind.value)

    def references(self) -> None:
        """Resolve every ``ref:`` entry to one stored node of its section's kind."""
        seen: dict[str, str] = {}
        for section in ("entities", "events", "claims"):
            for i, f in enumerate(getattr(self.sheet, section)):
                if not isinstance(f, RefFact):
                    continue
                node, reason = self.resolver.resolve(f.ref)
                if node is None:
                    self.fault(f.ref, "ref", reason or "")
                    continue
                if node in self.resolver.local.values():
                    self.fault(f.ref, "ref", f"'{f.ref}' names '{node}', which this sheet defines; "
                                             "give the aliases and evidence in its definition")
                    continue
                stored = self.catalog.entity(node)
                if stored is None:  # pragma: no cover - resolve() answers stored or local nodes
                    continue
                kind = stored.type
                want = {"events": "an event", "claims": "a claim"}.get(section, "an entity")
                is_kind = {"events": kind == "event", "claims": kind == "claim"}.get(
                    section, kind not in ("event", "claim"))
                if not is_kind:
                    self.fault(f.ref, "ref",
                               f"'{f.ref}' names '{node}', a {kind}; the {section} section refers to {want}")
                    continue
                if node in seen:
                    self.fault(f.ref, "ref", f"'{f.ref}' names '{node}' like {seen[node]}; one entry per node")
                    continue
                seen[node] = f"{section}[{i}]"
                self.refs[id(f)] = node
                self.resolver.add_names(node, None, f.aliases)

    def ref(self, fact_id: str, field: str, ref: str | None) -> str | None:
        if ref is None:
            return None
        node, reason = self.resolver.resolve(ref)
        if node is None:
            self.fault(fact_id, field, reason or "")
        return node

    def referred(self, f: RefFact) -> EntityRecord | None:
        node = self.refs.get(id(f))
        ev = self.evidence(f.ref, f.evidence)
        aliases = self.aliases(f.ref, f.aliases)
        if node is None:
            return None
        stored = self.catalog.entity(node)
        assert stored is not None  # references() kept only stored nodes
        return EntityRecord(node, stored.name, stored.type, aliases, evidence=ev, defines=False)

    def defined(self, f: EntityFact | EventFact | ClaimFact, record: EntityRecord) -> EntityRecord:
        """A definition; one of an id merged away adds its name, aliases and evidence to the merge target."""
        node = self.resolver.local.get(f.id, f.id)
        if node == f.id:
            return record
        target = self.catalog.entity(node)
        assert target is not None  # define() answers a merge target only when it is stored
        aliases = list(dict.fromkeys([record.name, *record.aliases]))
        return EntityRecord(node, target.name, target.type, aliases, evidence=record.evidence, defines=False)

    def entities(self) -> list[EntityRecord]:
        out = []
        for f in self.sheet.entities:
            if isinstance(f, RefFact):
                out.append(self.referred(f))
                continue
            out.append(self.defined(f, EntityRecord(f.id, f.name, f.type.value, self.aliases(f.id, f.aliases),
                                                    f.description, dict(f.attributes),
                                                    evidence=self.evidence(f.id, f.evidence))))
        for f in self.sheet.events:
            if isinstance(f, RefFact):
                out.append(self.referred(f))
                continue
            ev = self.evidence(f.id, f.evidence)
            out.append(self.defined(f, EntityRecord(f.id, f.name, EntityType.event.value,
                                                    self.aliases(f.id, f.aliases), f.description,
                                                    dict(f.attributes), self.date(f.id, "date", f.date, ev),
                                                    f.modality.value, ev)))
        for f in self.sheet.claims:
            if isinstance(f, RefFact):
                out.append(self.referred(f))
                continue
            out.append(self.defined(f, EntityRecord(f.id, f.text, EntityType.claim.value,
                                                    self.aliases(f.id, f.aliases),
                                                    evidence=self.evidence(f.id, f.evidence))))
        return [e for e in out if e is not None]

    def shared(self, f: RelationFact, key: dict[str, Any]) -> None:
        """A relation id stored by another article must state the same relation."""
        stored: StoredRelation | None = self.catalog.relation(f.id)
        others = self.others(stored.articles) if stored else []
        if not stored or not others:
            return
        have = relation_key(stored.subject, stored.predicate, stored.object, stored.modality, stored.qualifiers)
        for field, value in key.items():
            if have[field] != value:
                self.fault(f.id, field, f"already names a relation of article '{others[0]}' with {field} "
                                        f"{have[field]!r}, not {value!r}; one id states one relation")
                return

    def relation(self, f: RelationFact) -> RelationRecord | None:
        subject = self.ref(f.id, "subject", f.subject)
        obj = self.ref(f.id, "object", f.object)
        q = f.qualifiers
        place = self.ref(f.id, "qualifiers.place", q.place)
        source = self.ref(f.id, "qualifiers.source", q.source)
        if subject is not None and subject == obj:
            self.fault(f.id, "object",
                       f"'{f.subject}' and '{f.object}' both name '{subject}'; a relation links two nodes")
            obj = None
        pred = PREDICATES.get(f.predicate)
        if pred is None:
            self.fault(f.id, "predicate", f"'{f.predicate}' is not in the predicate vocabulary")
        else:
            for role, ref, allowed in (("subject", subject, pred.domain), ("object", obj, pred.range)):
                if ref and self.types[ref] not in allowed:
                    kinds = ", ".join(sorted(allowed))
                    self.fault(f.id, role,
                               f"'{ref}' is a {self.types[ref]}; '{f.predicate}' takes a {role} of type {kinds}")
        if f.predicate in ("asserts", "denies") and f.modality is not Modality.asserted:
            self.fault(f.id, "modality", f"'{f.predicate}' carries its own polarity; leave modality 'asserted'")
        if f.modality is Modality.reported and q.source is None:
            self.fault(f.id, "qualifiers.source", "a reported relation names who reported it")
        evidence = self.evidence(f.id, f.evidence)
        quals: dict[str, Any] = {k: v for k, v in q.model_dump(exclude_none=True).items() if k != "time"}
        quals.update({k: v for k, v in (("place", place), ("source", source)) if v is not None})
        time = self.date(f.id, "qualifiers.time", q.time, evidence)
        if time:
            quals["time"] = time
        if subject is None or obj is None or pred is None:
            return None
        self.shared(f, relation_key(subject, f.predicate, obj, f.modality.value, quals))
        return RelationRecord(f.id, subject, f.predicate, obj, f.modality.value, quals, evidence)

    def about(self, claim: ClaimFact, evidence: list[Evidence]) -> list[RelationRecord]:
        out = []
        node = self.resolver.local.get(claim.id, claim.id)
        for i, ref in enumerate(claim.about):
            target = self.ref(claim.id, f"about[{i}]", ref)
            if target is None:
                continue
            if self.types.get(target) == EntityType.claim:
                self.fault(claim.id, f"about[{i}]", f"'{ref}' is a claim; a claim is about entities")
                continue
            out.append(RelationRecord(f"{claim.id}--about--{target}", node, "about", target, "asserted", {}, evidence))
        return out


def verify(meta_raw: Any, sheet_raw: Any, text: str, *, meta_file: str = "meta.yaml",
           sheet_file: str = "facts.yaml", text_file: str = "article.txt", catalog: Catalog | None = None) -> Story:
    """Check a sheet against its article; return the :class:`Story` or raise :class:`SheetInvalid`.

    ``catalog`` (:func:`graph.stories.resolution.load_catalog`) holds what is already
    stored: a sheet may refer to those nodes by id, name or alias, and may
    state a relation another article states only the same way.
    """
    faults = character_faults(meta_raw, sheet_raw, text, meta_file=meta_file, sheet_file=sheet_file,
                              text_file=text_file)
    if faults:
        raise SheetInvalid(faults)
    try:
        meta = ArticleMeta.model_validate(meta_raw)
    except ValidationError as exc:
        faults += _pydantic_faults(exc, meta_file, meta_raw)
    try:
        sheet = FactSheet.model_validate(sheet_raw)
    except ValidationError as exc:
        faults += _pydantic_faults(exc, sheet_file, sheet_raw)
    if faults:
        raise SheetInvalid(faults)
    if not text.strip():
        raise SheetInvalid([Fault(text_file, None, "text", "the article text is empty")])

    c = _Checker(meta, text, sheet, sheet_file, catalog or Catalog())
    c.ids()
    c.references()
    entities = c.entities()
    evidence_of = {e.id: e.evidence for e in entities}
    relations = [r for f in sheet.relations if (r := c.relation(f))]
    for claim in c.definitions("claims"):
        relations += c.about(claim, evidence_of.get(c.resolver.local.get(claim.id, claim.id), []))
    if c.faults:
        raise SheetInvalid(c.faults)
    meta_json = meta.model_dump(mode="json")
    sheet_json = sheet.model_dump(mode="json", exclude_defaults=True)
    return Story(
        meta=meta,
        text=text,
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        content_sha256=content_hash(text, meta_json, sheet_json),
        sheet=sheet_json,
        entities=entities,
        relations=relations,
    )
