"""Response models: the v1 contract frontends code against.

Offsets in :class:`Evidence` are Unicode code points into the article text,
end exclusive: ``article.text[start:end] == quote``.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EntityRef(_Out):
    id: str
    name: str
    type: str


class Evidence(_Out):
    article_id: str
    quote: str = Field(description="The article's exact words")
    start: int = Field(description="Offset of the first code point of the quote in the article text")
    end: int = Field(description="Offset just past the quote (end exclusive)")
    sentence: int | None = Field(description="Index of the article sentence the quote starts in; null in page furniture")


class DateOut(_Out):
    edtf: str = Field(description="The date in EDTF (ISO 8601-2), e.g. 2024-01-30, 2023-11, 2024-22 (summer)")
    text: str = Field(description="The article's words for the date")
    precision: str = Field(description="day, month, season, year or interval")
    earliest: str | None
    latest: str | None
    approximate: bool = False


class Entity(_Out):
    id: str
    name: str
    type: str
    aliases: list[str]
    description: str | None
    attributes: dict[str, Any]
    date: DateOut | None = Field(None, description="Events only")
    modality: str | None = Field(None, description="Events only: asserted, planned, expected ...")
    evidence: list[Evidence]
    degree: int = Field(description="Number of relations in and out")


class EntityHit(Entity):
    score: float | None = Field(description="Match of q: 1 exact, 0.9 prefix, 0.8 word prefix, up to 0.7 fuzzy; null without q")


class Qualifiers(_Out):
    time: DateOut | None = None
    place: EntityRef | None = None
    role: str | None = None
    source: EntityRef | None = Field(None, description="Who the article attributes the statement to")


class Relation(_Out):
    id: str
    subject: EntityRef
    predicate: str
    object: EntityRef
    qualifiers: Qualifiers
    modality: str
    evidence: list[Evidence]


class Page(_Out, Generic[T]):
    items: list[T]
    total: int = Field(description="Number of items across all pages")
    limit: int
    offset: int


class Neighborhood(_Out):
    nodes: list[Entity]
    edges: list[Relation]


class NodeLinkGraph(BaseModel):
    """NetworkX node-link JSON (``networkx.node_link_graph(data, edges="edges")``): what ``format=node-link`` gives."""

    model_config = ConfigDict(extra="allow")

    directed: bool
    multigraph: bool
    graph: dict[str, Any]
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


class Path(_Out):
    nodes: list[EntityRef]
    relations: list[list[Relation]] = Field(description="relations[i]: every relation between nodes[i] and nodes[i+1], either direction")
    length: int


class Paths(_Out):
    paths: list[Path]


class Claim(_Out):
    id: str
    text: str
    about: list[EntityRef]
    asserted_by: list[EntityRef]
    denied_by: list[EntityRef]
    status: str = Field(description="Derived: disputed, asserted, denied or unattributed")
    evidence: list[Evidence]
    attributions: list[Relation] = Field(description="The asserts/denies relations, with their evidence")


class Event(_Out):
    id: str
    name: str
    date: str | None = Field(description="EDTF")
    precision: str | None
    date_text: str | None
    earliest: str | None
    latest: str | None
    modality: str
    participants: list[EntityRef]
    place: EntityRef | None
    evidence: list[Evidence]


class Article(_Out):
    id: str
    title: str
    publisher: str
    published: str
    authors: list[str]
    editors: list[str]
    photographers: list[str]
    dateline: str | None
    language: str
    url: str | None
    length: int = Field(description="Length of the text in Unicode code points")
    text_sha256: str
    content_sha256: str


class ArticleWithText(Article):
    text: str


class CoverageClause(_Out):
    start: int = Field(description="Offset of the clause's first code point in the article text")
    end: int = Field(description="Offset just past the clause (end exclusive)")
    text: str = Field(description="The article's words, exactly: text[start:end]")
    statements: list[str] = Field(description="Ids of the relations, claims and events whose evidence overlaps it; "
                                              "empty: no statement touches this clause")


class CoverageSentence(_Out):
    index: int = Field(description="The sentence's index, as in evidence's `sentence`")
    start: int
    end: int
    statements: list[str] = Field(description="Ids of the statements whose evidence overlaps the sentence")
    clauses_covered: int
    clauses_total: int
    clauses: list[CoverageClause]


class ArticleCoverage(_Out):
    """Which clauses of the article the stored statements cite (README "Sentences and coverage")."""

    article_id: str
    sentences_cited: int = Field(description="Sentences some statement's evidence overlaps")
    sentences_total: int
    clauses_covered: int = Field(description="Clauses some statement's evidence overlaps")
    clauses_total: int
    sentences: list[CoverageSentence]


class Predicate(_Out):
    name: str
    meaning: str
    domain: list[str]
    range: list[str]
    count: int = Field(description="Relations using it")


class Status(_Out):
    status: str


class Problem(BaseModel):
    """An RFC 9457 problem document (``application/problem+json``)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    candidates: list[dict[str, Any]] | None = Field(None, description="404/409 on an entity reference: did you mean ...")
    errors: list[dict[str, Any]] | None = Field(None, description="422: each invalid parameter, where and why")
