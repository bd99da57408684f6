"""The knowledge model as the domain sees it once a sheet is verified.

These records are what ingestion writes and what the graph is built from;
they carry evidence already anchored to exact offsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph.dates import EdtfDate, parse_edtf
from graph.stories.sheet import ArticleMeta


@dataclass(frozen=True, slots=True)
class Evidence:
    """A W3C-style anchor: the exact quote and its code-point offsets."""

    article_id: str
    quote: str
    start: int
    end: int
    sentence: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"article_id": self.article_id, "quote": self.quote, "start": self.start,
                "end": self.end, "sentence": self.sentence}


def date_dict(edtf: str, text: str) -> dict[str, Any]:
    """A date as stored on nodes and edges: EDTF, words, precision, interval."""
    d: EdtfDate = parse_edtf(edtf)
    return {
        "edtf": edtf,
        "text": text,
        "precision": d.precision,
        "earliest": d.earliest.isoformat() if d.earliest else None,
        "latest": d.latest.isoformat() if d.latest else None,
        "approximate": d.approximate,
    }


@dataclass(slots=True)
class EntityRecord:
    id: str
    name: str
    type: str
    aliases: list[str] = field(default_factory=list)
    description: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    date: dict[str, Any] | None = None  # events only
    modality: str | None = None  # events only: asserted, planned, expected ...
    evidence: list[Evidence] = field(default_factory=list)
    # False for a sheet entry that refers to a stored node (``ref:``): it adds aliases and evidence
    # but leaves the node's name, type, description and attributes as they are.
    defines: bool = True


@dataclass(frozen=True, slots=True)
class Relation:
    """What makes a relation: its id, its triple, its modality and its qualifiers.

    A verified sheet's :class:`RelationRecord` adds the evidence that cites it; the stored graph as a new sheet
    sees it (:class:`graph.stories.resolution.StoredRelation`) adds the articles that support it.
    """

    id: str
    subject: str
    predicate: str
    object: str
    modality: str
    qualifiers: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RelationRecord(Relation):
    evidence: list[Evidence]


@dataclass(slots=True)
class Story:
    """One article and everything its fact sheet says, verified."""

    meta: ArticleMeta
    text: str
    text_sha256: str
    content_sha256: str  # text + metadata + sheet: unchanged hash, nothing to write
    sheet: dict[str, Any]  # the sheet as given, for round trips
    entities: list[EntityRecord]
    relations: list[RelationRecord]
