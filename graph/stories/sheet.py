"""The fact-sheet file format, validated with pydantic.

A story directory holds ``article.txt`` (the text, byte for byte),
``meta.yaml`` (:class:`ArticleMeta`) and ``facts.yaml`` (:class:`FactSheet`).
Field-level rules live here; rules that need the article text or the whole
sheet (quotes found, references defined, domain and range) live in
:mod:`graph.stories.validate`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from graph.dates import parse_edtf
from graph.vocabulary import EntityType, Modality

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=SLUG, max_length=120)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
# A reference to an entity, event or claim: an id defined in the sheet, or the id, canonical name or
# alias of one already stored in the graph (resolved by graph.stories.validate; see graph/stories/resolution.py).
Ref = Annotated[str, Field(min_length=1, max_length=300)]

MAX_ATTRIBUTE_DEPTH = 8


def _json_attributes(value: dict[str, Any]) -> dict[str, Any]:
    """``attributes`` hold JSON values only, at most :data:`MAX_ATTRIBUTE_DEPTH` objects and lists deep.

    They are stored as JSON and echoed by the API: a YAML date, ``.nan`` or ``.inf`` cannot be (the write
    failed with a traceback, or every read of the entity did), and 300 levels of nesting exhausted the
    serialiser (a 500). Iterative, so no depth exhausts the interpreter's stack either.

    >>> _json_attributes({"titles": ["President"], "term": {"from": 2021, "acting": False}})
    {'titles': ['President'], 'term': {'from': 2021, 'acting': False}}
    >>> _json_attributes({"since": dt.date(2021, 1, 20)})
    Traceback (most recent call last):
    ValueError: since: a date is not a JSON value; quote it to keep it as text
    """
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        v, depth, where = stack.pop()
        if isinstance(v, dict | list) and depth > MAX_ATTRIBUTE_DEPTH:
            raise ValueError(f"{where} nests deeper than {MAX_ATTRIBUTE_DEPTH} levels of objects and lists")
        if isinstance(v, dict):
            for k, x in reversed(v.items()):  # reversed: the first fault in document order is the one told
                if not isinstance(k, str):
                    raise ValueError(f"{where or 'attributes'}: the key {k!r} is not a string")
                stack.append((x, depth + 1, f"{where}.{k}" if where else k))
        elif isinstance(v, list):
            stack.extend((x, depth + 1, f"{where}[{i}]") for i, x in reversed(list(enumerate(v))))
        elif isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"{where}: {v} is not a JSON number")
        elif not (v is None or isinstance(v, str | int | float)):  # bool is an int
            kind = {"date": "a date", "datetime": "a date and time"}.get(type(v).__name__, f"a {type(v).__name__}")
            raise ValueError(f"{where}: {kind} is not a JSON value; quote it to keep it as text")
    return value


Attributes = Annotated[dict[str, Any], AfterValidator(_json_attributes)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quote(_Strict):
    """Where a fact is stated: the article's words, matched ignoring whitespace.

    ``prefix``/``suffix`` (W3C TextQuoteSelector) or ``occurrence`` (1-based)
    pick one match when the words occur more than once.
    """

    quote: Annotated[str, Field(min_length=1, max_length=1000)]
    prefix: str | None = None
    suffix: str | None = None
    occurrence: Annotated[int, Field(ge=1)] | None = None


def _quotes(value: Any) -> Any:
    # A bare string is shorthand for {quote: ...}: most quotes need no hint.
    if isinstance(value, list):
        return [{"quote": v} if isinstance(v, str) else v for v in value]
    return value


Evidence = Annotated[list[Quote], Field(min_length=1)]


class DateValue(_Strict):
    """A date as the article gives it: EDTF for machines, the words for people."""

    edtf: str
    text: Text  # the article's words for the date; must stand in the fact's evidence

    @field_validator("edtf")
    @classmethod
    def _valid_edtf(cls, v: str) -> str:
        parse_edtf(v)  # raises ValueError with the reason
        return v


class Qualifiers(_Strict):
    time: DateValue | None = None
    place: Ref | None = None  # an entity reference
    role: Text | None = None
    source: Ref | None = None  # who the article attributes the statement to


class _Fact(_Strict):
    id: Slug
    evidence: Evidence

    _split_quotes = field_validator("evidence", mode="before")(_quotes)


class EntityFact(_Fact):
    name: Text
    type: EntityType
    aliases: list[Text] = []
    description: Text | None = None
    attributes: Attributes = {}

    @field_validator("type")
    @classmethod
    def _not_special(cls, v: EntityType) -> EntityType:
        if v in (EntityType.event, EntityType.claim):
            raise ValueError(f"{v.value}s go in the '{v.value}s' section")
        return v


class EventFact(_Fact):
    name: Text
    aliases: list[Text] = []
    description: Text | None = None
    date: DateValue | None = None
    modality: Modality = Modality.asserted
    attributes: Attributes = {}


class ClaimFact(_Fact):
    text: Text
    about: list[Ref] = []
    aliases: list[Text] = []


class RelationFact(_Fact):
    subject: Ref
    predicate: str
    object: Ref
    modality: Modality = Modality.asserted
    qualifiers: Qualifiers = Qualifiers()

    @model_validator(mode="after")
    def _no_self_loop(self) -> RelationFact:
        if self.subject == self.object:
            raise ValueError(f"subject and object are both '{self.subject}'")
        return self


class RefFact(_Strict):
    """An entry that adds this article's aliases and evidence to a node already in the graph.

    ``ref`` is the stored node's id, canonical name or alias (an id the node was merged away from
    counts too); it defines nothing, so the node keeps its id, name, type and description. In the
    ``entities`` section it must name an entity, in ``events`` an event, in ``claims`` a claim.
    The rest of the sheet may refer to it by ``ref``'s words or by the stored id.
    """

    ref: Ref
    aliases: list[Text] = []
    evidence: Evidence

    _split_quotes = field_validator("evidence", mode="before")(_quotes)


# Tags of the two shapes of a section entry; graph.stories.validate drops them from error locations.
DEFINITION, REFERENCE = "definition", "reference"


def _shape(value: Any) -> str:
    return REFERENCE if isinstance(value, RefFact) or (isinstance(value, dict) and "ref" in value) else DEFINITION


def _entry(model: type) -> Any:
    return Annotated[Annotated[model, Tag(DEFINITION)] | Annotated[RefFact, Tag(REFERENCE)], Discriminator(_shape)]


class FactSheet(_Strict):
    entities: list[_entry(EntityFact)] = []  # type: ignore[valid-type]
    events: list[_entry(EventFact)] = []  # type: ignore[valid-type]
    claims: list[_entry(ClaimFact)] = []  # type: ignore[valid-type]
    relations: list[RelationFact] = []


class ArticleMeta(_Strict):
    id: Slug
    title: Text
    publisher: Text
    published: dt.date
    authors: list[Text] = []
    editors: list[Text] = []
    photographers: list[Text] = []
    dateline: Text | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")] = "en"
    url: str | None = None


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace, so that a quote matches across line wraps."""
    return re.sub(r"\s+", " ", text).strip()
