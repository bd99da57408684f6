"""Response models: the v1 contract frontends code against.

Offsets in :class:`Evidence` are Unicode code points into the article text,
end exclusive: ``article.text[start:end] == quote``.

Every field of a response model is sent, null or not (FastAPI and
:mod:`app.piecewise` dump the whole model), so the schema marks every one
``required`` (:class:`Out`): a generated client then types ``Entity.date`` as
``DateOut | null``, not as possibly absent. Closed vocabularies are enums, the
same ones the parameters take (a page of ``EntityHit`` is ``EntityHitPage`` in
the document: app/openapi.py).

>>> "date" in Entity.model_json_schema(mode="serialization")["required"]
True
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from graph.algorithms.queries import ClaimStatus
from graph.vocabulary import EntityType, Modality

T = TypeVar("T")

# How precise a date is (graph.dates.EdtfDate.precision).
Precision = Literal["day", "month", "season", "year", "interval"]


class Out(BaseModel):
    """A response model: every field is required in the schema, since every one is sent (null or not)."""

    model_config = ConfigDict(extra="ignore", json_schema_serialization_defaults_required=True)


_Out = Out


class EntityRef(_Out):
    id: str
    name: str
    type: EntityType


class Evidence(_Out):
    article_id: str
    quote: str = Field(description="The article's exact words")
    start: int = Field(description="Offset of the first code point of the quote in the article text")
    end: int = Field(description="Offset just past the quote (end exclusive)")
    sentence: int | None = Field(
        description="Index of the article sentence the quote starts in; null in page furniture")


class DateOut(_Out):
    edtf: str = Field(description="The date in EDTF (ISO 8601-2), e.g. 2024-01-30, 2023-11, 2024-22 (summer)")
    text: str = Field(description="The article's words for the date")
    precision: Precision = Field(description="day, month, season, year or interval")
    earliest: str | None
    latest: str | None
    approximate: bool = False


class Entity(_Out):
    id: str
    name: str
    type: EntityType
    aliases: list[str]
    description: str | None
    attributes: dict[str, Any]
    date: DateOut | None = Field(description="Events only; null otherwise")
    modality: Modality | None = Field(description="Events only: asserted, planned, expected ...; null otherwise")
    evidence: list[Evidence]
    degree: int = Field(description="Number of relations in and out")


class EntityHit(Entity):
    score: float | None = Field(
        description="Match of q: 1 exact, 0.9 prefix, 0.8 word prefix, up to 0.7 fuzzy; null without q")


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
    modality: Modality
    evidence: list[Evidence]


class Page(_Out, Generic[T]):
    items: list[T]
    total: int = Field(description="Number of items across all pages")
    limit: int
    offset: int


class Neighborhood(_Out):
    """The default JSON of ``/v1/entities/{ref}/neighborhood``: the entities and the relations among them."""

    model_config = ConfigDict(json_schema_extra={"additionalProperties": False})  # tells it from NodeLinkGraph

    nodes: list[Entity]
    edges: list[Relation]


class NodeLinkNode(BaseModel):
    """A node of node-link JSON: its ``id`` and the entity's fields (name, type, aliases, evidence ...)."""

    model_config = ConfigDict(extra="allow")

    id: str


class NodeLinkEdge(BaseModel):
    """A link of node-link JSON: ``source`` and ``target`` node ids, ``key`` the relation id, and its fields."""

    model_config = ConfigDict(extra="allow")

    source: str
    target: str
    key: str


class NodeLinkGraph(BaseModel):
    """NetworkX node-link JSON (``networkx.node_link_graph(data, edges="edges")``): what ``format=node-link`` gives."""

    model_config = ConfigDict(extra="allow")

    directed: bool
    multigraph: bool
    graph: dict[str, Any] = Field(description="Graph attributes")
    nodes: list[NodeLinkNode]
    edges: list[NodeLinkEdge]


class CytoscapeNodeData(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    label: str = Field(description="The entity's name")


class CytoscapeEdgeData(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(description="The relation id")
    source: str
    target: str
    label: str = Field(description="The predicate")


class CytoscapeNode(BaseModel):
    data: CytoscapeNodeData


class CytoscapeEdge(BaseModel):
    data: CytoscapeEdgeData


class CytoscapeElements(BaseModel):
    nodes: list[CytoscapeNode]
    edges: list[CytoscapeEdge]


class CytoscapeGraph(BaseModel):
    """Cytoscape.js JSON (``format=cytoscape``): ``cy.add(data.elements)``."""

    model_config = ConfigDict(extra="allow")

    data: dict[str, Any] = Field(description="Graph attributes")
    directed: bool
    multigraph: bool
    elements: CytoscapeElements


class JsonLdDocument(BaseModel):
    """JSON-LD (``format=jsonld``): a ``@context`` and the ``@graph`` of nodes (schema.org and ``sg:`` terms)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    context: Any = Field(None, alias="@context", description="The terms' IRIs")
    graph: list[dict[str, Any]] = Field(default_factory=list, alias="@graph",
                                        description="The nodes; JSON-LD compaction may put a lone node at the top")


class Path(_Out):
    nodes: list[EntityRef]
    relations: list[list[Relation]] = Field(
        description="relations[i]: every relation between nodes[i] and nodes[i+1], either direction")
    length: int


class Paths(_Out):
    paths: list[Path]


class Claim(_Out):
    id: str
    text: str
    about: list[EntityRef]
    asserted_by: list[EntityRef]
    denied_by: list[EntityRef]
    status: ClaimStatus = Field(description="Derived: disputed, asserted, denied or unattributed")
    evidence: list[Evidence]
    attributions: list[Relation] = Field(description="The asserts/denies relations, with their evidence")


class Event(_Out):
    id: str
    name: str
    date: str | None = Field(description="EDTF")
    precision: Precision | None
    date_text: str | None
    earliest: str | None
    latest: str | None
    modality: Modality
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
    status: Literal["ok"]


class Candidate(BaseModel):
    """An entity a reference may have meant (a 404's nearest names, a 409's every match)."""

    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    type: EntityType
    score: float | None = Field(None, description="404 only: how well the reference matches, as in search")


class ProblemError(BaseModel):
    """One thing wrong with the request: a parameter (``parameter``, ``location``), a body field
    (``field``, ``location: body``), or a fact of a sheet (``file``, ``fact_id``, ``field``)."""

    model_config = ConfigDict(extra="allow")

    reason: str
    parameter: str | None = None
    field: str | None = None
    location: str | None = Field(None, description="query, path, header or body")
    file: str | None = Field(None, description="Fact sheet errors: article or sheet")
    fact_id: str | None = Field(None, description="Fact sheet errors: the fact's id, if it has one")


class Problem(BaseModel):
    """An RFC 9457 problem document (``application/problem+json``).

    ``type``, ``title``, ``status``, ``detail`` and ``instance`` are always there; the other
    members depend on the problem (``candidates``, ``errors``, ``available``, ``merged_into`` ...).
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the kind of problem, or about:blank")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The request's path, percent-encoded as sent")
    candidates: list[Candidate] | None = Field(None, description="404/409 on an entity reference: did you mean ...")
    errors: list[ProblemError] | None = Field(None, description="422: each invalid parameter, where and why")


class EntityMovedProblem(Problem):
    """308: the entity id was merged into another (``Location`` is the same URL for the entity kept)."""

    merged_into: str = Field(description="The id of the entity it was merged into")
    location: str = Field(description="The URL to ask instead, as in `Location`")


# Schemas the OpenAPI document names though no route returns them as its JSON model (app/openapi.py).
EXTRA_COMPONENTS: list[type[BaseModel]] = [CytoscapeGraph, JsonLdDocument, EntityMovedProblem]
