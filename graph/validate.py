"""Verify a fact sheet against its article and turn it into a :class:`Story`.

Every fault is collected, not just the first, and each names the file, the
fact id, the field and the reason. One fault rejects the whole sheet.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from pydantic import ValidationError

from .errors import Fault, SheetInvalid
from .model import EntityRecord, Evidence, RelationRecord, Story, date_dict
from .sheet import ArticleMeta, ClaimFact, DateValue, EventFact, FactSheet, Quote, RelationFact
from .text import NormalizedText, locate, normalize, sentence_at, split_sentences
from .vocabulary import PREDICATES, EntityType, Modality

SECTIONS = ("entities", "events", "claims", "relations")


def _loc(loc: tuple) -> str:
    return ".".join(str(p) for p in loc)


def _pydantic_faults(exc: ValidationError, file: str, raw: Any) -> list[Fault]:
    faults = []
    for err in exc.errors():
        loc = err["loc"]
        fact_id, field = None, _loc(loc)
        # ('relations', 3, 'predicate') -> the id of relations[3], field 'predicate'
        if len(loc) >= 2 and loc[0] in SECTIONS and isinstance(loc[1], int):
            try:
                fact_id = raw[loc[0]][loc[1]].get("id")
            except (AttributeError, IndexError, KeyError, TypeError):
                fact_id = None
            field = _loc(loc[2:]) or f"{loc[0]}[{loc[1]}]"
            if fact_id is None:
                fact_id = f"{loc[0]}[{loc[1]}]"
        msg = err["msg"].removeprefix("Value error, ")
        faults.append(Fault(file, fact_id, field or "(sheet)", msg))
    return faults


def content_hash(text: str, meta: dict[str, Any], sheet: dict[str, Any]) -> str:
    blob = json.dumps({"text": text, "meta": meta, "sheet": sheet}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class _Checker:
    def __init__(self, meta: ArticleMeta, text: str, sheet: FactSheet, file: str, known: dict[str, str],
                 taken: dict[str, str]):
        self.meta, self.text, self.sheet, self.file = meta, text, sheet, file
        self.norm = NormalizedText(text)
        self.sentences = split_sentences(text)
        self.faults: list[Fault] = []
        self.types: dict[str, str] = dict(known)  # entity id -> type (known: already stored)
        self.taken = taken  # relation id -> the article that owns it

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

    def date(self, fact_id: str, field: str, date: DateValue | None, evidence: list[Evidence]) -> dict | None:
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

    def ids(self) -> None:
        counts = Counter(f.id for s in SECTIONS for f in getattr(self.sheet, s))
        for fact_id, n in counts.items():
            if n > 1:
                self.fault(fact_id, "id", f"defined {n} times; ids are unique across the sheet")
        for section in ("entities", "events", "claims"):
            for f in getattr(self.sheet, section):
                kind = EntityType.event if isinstance(f, EventFact) else EntityType.claim if isinstance(f, ClaimFact) else f.type
                self.types[f.id] = kind.value  # the sheet's own definition wins

    def ref(self, fact_id: str, field: str, ref: str | None) -> str | None:
        if ref is not None and ref not in self.types:
            self.fault(fact_id, field, f"'{ref}' is not an entity, event or claim defined in the sheet")
            return None
        return ref

    def entities(self) -> list[EntityRecord]:
        out = []
        for f in self.sheet.entities:
            out.append(EntityRecord(f.id, f.name, f.type.value, self.aliases(f.id, f.aliases), f.description,
                                    dict(f.attributes), evidence=self.evidence(f.id, f.evidence)))
        for f in self.sheet.events:
            ev = self.evidence(f.id, f.evidence)
            out.append(EntityRecord(f.id, f.name, EntityType.event.value, self.aliases(f.id, f.aliases),
                                    f.description, dict(f.attributes), self.date(f.id, "date", f.date, ev),
                                    f.modality.value, ev))
        for f in self.sheet.claims:
            out.append(EntityRecord(f.id, f.text, EntityType.claim.value, self.aliases(f.id, f.aliases),
                                    evidence=self.evidence(f.id, f.evidence)))
        return out

    def relation(self, f: RelationFact) -> RelationRecord | None:
        owner = self.taken.get(f.id)
        if owner is not None and owner != self.meta.id:
            self.fault(f.id, "id", f"already names a relation of article '{owner}'")
        subject = self.ref(f.id, "subject", f.subject)
        obj = self.ref(f.id, "object", f.object)
        q = f.qualifiers
        self.ref(f.id, "qualifiers.place", q.place)
        self.ref(f.id, "qualifiers.source", q.source)
        pred = PREDICATES.get(f.predicate)
        if pred is None:
            self.fault(f.id, "predicate", f"'{f.predicate}' is not in the vocabulary (GET /v1/predicates)")
        else:
            for role, ref, allowed in (("subject", subject, pred.domain), ("object", obj, pred.range)):
                if ref and self.types[ref] not in allowed:
                    kinds = ", ".join(sorted(allowed))
                    self.fault(f.id, role, f"'{ref}' is a {self.types[ref]}; '{f.predicate}' takes a {role} of type {kinds}")
        if f.predicate in ("asserts", "denies") and f.modality is not Modality.asserted:
            self.fault(f.id, "modality", f"'{f.predicate}' carries its own polarity; leave modality 'asserted'")
        if f.modality is Modality.reported and q.source is None:
            self.fault(f.id, "qualifiers.source", "a reported relation names who reported it")
        evidence = self.evidence(f.id, f.evidence)
        quals: dict[str, Any] = {k: v for k, v in q.model_dump(exclude_none=True).items() if k != "time"}
        time = self.date(f.id, "qualifiers.time", q.time, evidence)
        if time:
            quals["time"] = time
        if subject is None or obj is None or pred is None:
            return None
        return RelationRecord(f.id, subject, f.predicate, obj, f.modality.value, quals, evidence)

    def about(self, claim: ClaimFact, evidence: list[Evidence]) -> list[RelationRecord]:
        out = []
        for i, ref in enumerate(claim.about):
            if self.ref(claim.id, f"about[{i}]", ref) is None:
                continue
            if self.types[ref] == EntityType.claim:
                self.fault(claim.id, f"about[{i}]", f"'{ref}' is a claim; a claim is about entities")
                continue
            out.append(RelationRecord(f"{claim.id}--about--{ref}", claim.id, "about", ref, "asserted", {}, evidence))
        return out


def verify(meta_raw: Any, sheet_raw: Any, text: str, *, meta_file: str = "meta.yaml",
           sheet_file: str = "facts.yaml", known: dict[str, str] | None = None,
           taken: dict[str, str] | None = None) -> Story:
    """Check a sheet against its article; return the :class:`Story` or raise :class:`SheetInvalid`.

    ``known`` maps ids of entities already stored to their types, so a sheet
    may refer to them; ``taken`` maps stored relation ids to their article, so
    a sheet cannot take over another article's relation.
    """
    faults: list[Fault] = []
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
        raise SheetInvalid([Fault("article.txt", None, "text", "the article text is empty")])

    c = _Checker(meta, text, sheet, sheet_file, known or {}, taken or {})
    c.ids()
    entities = c.entities()
    evidence_of = {e.id: e.evidence for e in entities}
    relations = [r for f in sheet.relations if (r := c.relation(f))]
    for claim in sheet.claims:
        relations += c.about(claim, evidence_of[claim.id])
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
