"""SPARQL 1.1 Protocol: read-only queries over the RDF view of the graph (pyoxigraph)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.datastructures import QueryParams
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from starlette.concurrency import run_in_threadpool

from graph.errors import AnswerNotWritable, InvalidParameter, QueryInvalid, QueryRefused
from graph.indexing.index import GraphIndex
from graph.semantic import sparql, sparql_formats

from ..deps import TRUNCATED_HEADER, IndexDep, get_runtime
from ..errors import NotAcceptable, ProtocolViolation, UnsupportedMediaType
from ..gates import slot
from ..negotiation import negotiate
from ..problems import MEDIA_TYPE as PROBLEM
from ..problems import responses

router = APIRouter(prefix="/sparql", tags=["sparql"])

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
RDF_XML = "application/rdf+xml"
JSON_LD = "application/ld+json"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
FORM = "application/x-www-form-urlencoded"
DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")

Writer = Callable[[sparql.QueryResult], bytes]


def _answers(writers: dict[str, Writer], *, json: str, xml: str) -> dict[str, tuple[str, Writer]]:
    """Each media type to itself and its writer, then ``application/json`` and ``/xml`` to ``json``'s and ``xml``'s."""
    table = {media_type: (media_type, write) for media_type, write in writers.items()}
    return {**table, "application/json": table[json], "application/xml": table[xml]}


# Media types by answer form, in the server's order of preference (the first is the default when
# Accept leaves the choice open). "application/json" and "application/xml" get the answer form's JSON
# and XML format: SPARQL JSON/XML results for SELECT and ASK, JSON-LD and RDF/XML for a graph.
RESULT_TYPES = _answers({JSON: sparql.results_json, XML: sparql_formats.results_xml, CSV: sparql.results_csv,
                         TSV: sparql.results_tsv}, json=JSON, xml=XML)
GRAPH_TYPES = _answers({TURTLE: sparql.graph_turtle, NTRIPLES: sparql.graph_ntriples,
                        RDF_XML: sparql_formats.graph_rdfxml, JSON_LD: sparql_formats.graph_jsonld},
                       json=JSON_LD, xml=RDF_XML)

DESCRIPTION = f"""\
Read-only [SPARQL 1.1](https://www.w3.org/TR/sparql11-query/) over the RDF view of the graph (the triples of
`GET /v1/graph?format=turtle`), evaluated by pyoxigraph, following the
[SPARQL 1.1 Protocol](https://www.w3.org/TR/sparql11-protocol/): SPARQLWrapper and rdflib's `SPARQLStore`
work with their default settings.

**Answers by `Accept`** (q-values honoured; among equal q-values the more specific range wins).
`SELECT` and `ASK`: `{JSON}` (the default; `application/json` gets the same), `{XML}` (`application/xml`
gets the same), `{CSV}` or `{TSV}`. `CONSTRUCT` and `DESCRIBE`: `{TURTLE}` (the default), `{NTRIPLES}`,
`{RDF_XML}` (also for `application/xml`) or `{JSON_LD}` (expanded form; also for `application/json`).
A media type that cannot carry the answer is a 406 listing those that can. A graph RDF/XML cannot write
(a predicate IRI that does not end in an XML name) comes in the next format `Accept` names, or is a 406.
In XML, characters XML 1.0 cannot carry are written as U+FFFD.

**Protocol.** One `query` per request (two are a 400). The dataset is the one default graph:
`default-graph-uri` and `named-graph-uri` are refused (400) rather than ignored. An update
(`update=`, `Content-Type: {SPARQL_UPDATE}`) is the 400 read-only answer. A GET with a body is a 400.
Each such problem names the parameter in `errors`.

**Limits.** Queries only: an update (`INSERT`, `DELETE`, `LOAD`, `CLEAR`, ...) or a federated `SERVICE` is
a 400, as is a malformed query (with the parser's message, `line` and `column`), one longer than 100 000
characters, and one nested too deep for the parser (more than 128 levels of brackets: `query-too-complex`).
A query is stopped after the time budget (`STORYGRAPH_SPARQL_TIMEOUT_SECONDS`, default 5 s): 504; one that
needs more memory than a query may use: 503. CSV cells a spreadsheet would run as a formula get a leading
`'`. At most `STORYGRAPH_SPARQL_MAX_ROWS`
(default 10 000) rows or triples come back; the `{TRUNCATED_HEADER}` header (`true`/`false`, on every format)
and the JSON member `truncated` say whether more were cut off. Add a `LIMIT` to page.

**Prefixes** the data uses: `sg:` <https://storygraph.dev/vocab#>, `entity:` <https://storygraph.dev/id/>,
`relation:` <https://storygraph.dev/relation/>, `article:` <https://storygraph.dev/article/>,
`schema:` <https://schema.org/>, `prov:` <http://www.w3.org/ns/prov#>, `oa:` <http://www.w3.org/ns/oa#>;
`rdf:`, `rdfs:` and `xsd:` as usual. Queries must declare the prefixes they use.
"""


# --- the JSON results, typed (SPARQL 1.1 Query Results JSON Format, section 3) ---------------------------

class SparqlIri(BaseModel):
    """An IRI."""

    type: Literal["uri"]
    value: str


class SparqlBlankNode(BaseModel):
    """A blank node, by its label in this answer."""

    type: Literal["bnode"]
    value: str


class SparqlLiteral(BaseModel):
    """A literal: a language-tagged string has `xml:lang`, a typed literal other than a plain string `datatype`."""

    model_config = ConfigDict(populate_by_name=True)

    type: Literal["literal"]
    value: str
    datatype: str | SkipJsonSchema[None] = Field(None, description="The datatype IRI; absent for xsd:string")
    xml_lang: str | SkipJsonSchema[None] = Field(None, alias="xml:lang", description="The language tag")


class SparqlTriple(BaseModel):
    """The parts of a quoted triple (RDF 1.2)."""

    subject: SparqlTerm
    predicate: SparqlTerm
    object: SparqlTerm


class SparqlTripleTerm(BaseModel):
    """A quoted triple (RDF 1.2 / SPARQL 1.2), as `TRIPLE(...)` makes."""

    type: Literal["triple"]
    value: SparqlTriple


SparqlTerm = Annotated[SparqlIri | SparqlBlankNode | SparqlLiteral | SparqlTripleTerm,
                       Field(discriminator="type")]
SparqlTriple.model_rebuild()


class SparqlHead(BaseModel):
    vars: list[str] | SkipJsonSchema[None] = Field(None, description="The SELECT's variables; absent for ASK")


class SparqlBindings(BaseModel):
    bindings: list[dict[str, SparqlTerm]] = Field(
        description="One object per solution: variable name to term; an unbound variable is absent")


class SparqlResults(BaseModel):
    """SPARQL 1.1 Query Results JSON: `results` for SELECT, `boolean` for ASK; plus `truncated`."""

    head: SparqlHead
    truncated: bool = Field(description="Whether rows beyond `STORYGRAPH_SPARQL_MAX_ROWS` were cut off")
    results: SparqlBindings | SkipJsonSchema[None] = Field(None, description="SELECT only")
    boolean: bool | SkipJsonSchema[None] = Field(None, description="ASK only")


class SparqlResultsResponse(JSONResponse):
    """Only so that the OpenAPI document puts :class:`SparqlResults` under the SPARQL JSON media type."""

    media_type = JSON


_EXAMPLE_JSON = {"head": {"vars": ["denier", "claim"]}, "truncated": False,
                 "results": {"bindings": [{"denier": {"type": "literal", "value": "China"},
                                           "claim": {"type": "literal", "value": "China is the primary source of "
                                                     "the precursor chemicals synthesized into fentanyl by drug "
                                                     "cartels in Mexico."}}]}}


def _text(**example: Any) -> dict[str, Any]:
    return {"schema": {"type": "string"}, **example}


_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer, in the media type chosen by `Accept`",
        "model": SparqlResults,
        "headers": {TRUNCATED_HEADER: {"description": "`true` when rows (or triples) beyond the cap were cut off",
                                       "schema": {"type": "string", "enum": ["true", "false"]}}},
        "content": {
            JSON: {"example": _EXAMPLE_JSON},
            XML: _text(example='<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/'
                          '2005/sparql-results#"><head><variable name="denier" />...'),
            CSV: _text(example="denier,claim\r\nChina,China is the primary source ...\r\n"),
            TSV: _text(example='?denier\t?claim\n"China"\t"China is the primary source ..."\n'),
            TURTLE: _text(example="@prefix sg: <https://storygraph.dev/vocab#> .\n..."),
            NTRIPLES: _text(),
            RDF_XML: _text(),
            JSON_LD: {"schema": {"type": "array", "description": "JSON-LD in expanded form: one object per subject",
                                 "items": {"type": "object", "additionalProperties": True}}},
        },
    },
    # The problems' schema named outright: FastAPI would put a response "model" under this route's
    # media type (SPARQL JSON, see SparqlResultsResponse), not application/problem+json.
    **{status: {k: v for k, v in entry.items() if k != "model"} | {"content": {PROBLEM: {"schema": {
        "$ref": "#/components/schemas/Problem"}}}} for status, entry in responses(400, 406, 415, 422, 500, 503,
                                                                                    504).items()},
}
_QUERY_DOC = "A SPARQL 1.1 query: SELECT, ASK, CONSTRUCT or DESCRIBE"
_QUERY_EXAMPLE = ("PREFIX schema: <https://schema.org/>\n"
                  "SELECT ?name WHERE { ?person a schema:Person ; schema:name ?name } ORDER BY ?name")


def _answer_held(ix: GraphIndex, request: Request, query: str) -> Response:
    """:func:`_answer` with the index held for reading, in the worker thread that runs it (see
    ``app.deps.reads_index``: held only while it works, never while the request waits for a thread)."""
    with ix.lock.reading():
        return _answer(ix, request, query)


def _answer(ix: GraphIndex, request: Request, query: str) -> Response:
    accept = request.headers.get("accept")
    offers = list(RESULT_TYPES) + list(GRAPH_TYPES)
    if negotiate(accept, offers) is None:  # nothing could be served: say so before running anything
        raise NotAcceptable(f"Accept '{accept}' names no media type this endpoint serves",
                            list(dict.fromkeys(mt for mt, _ in [*RESULT_TYPES.values(), *GRAPH_TYPES.values()])))
    settings = get_runtime(request).settings
    result = sparql.run_query(ix, query, timeout=settings.sparql_timeout_seconds, max_rows=settings.sparql_max_rows)
    table = dict(GRAPH_TYPES if result.form == "graph" else RESULT_TYPES)
    chosen = negotiate(accept, list(table))
    if chosen is None:
        kind = "CONSTRUCT/DESCRIBE" if result.form == "graph" else result.form.upper()
        available = list(dict.fromkeys(mt for mt, _ in table.values()))
        raise NotAcceptable(f"A {kind} answer comes as {', '.join(available)}; "
                            f"Accept '{accept}' names none of them", available)
    while True:
        media_type, render = table[chosen]
        try:
            body = render(result)
            break
        except AnswerNotWritable:  # this answer cannot be written in that format (RDF/XML): the next one Accept names
            table = {k: v for k, v in table.items() if v[0] != media_type}
            chosen = negotiate(accept, list(table))
            if chosen is None:
                raise
    return Response(body, media_type=media_type,
                    headers={TRUNCATED_HEADER: "true" if result.truncated else "false", "Vary": "Accept"})


# --- the protocol's rules for a request ---------------------------------------------------------------------

def _read_only(parameter: str, location: str) -> QueryRefused:
    return QueryRefused("SPARQL updates are not allowed: this endpoint is read-only (the request sends "
                        f"'{parameter}'); send a SELECT, ASK, CONSTRUCT or DESCRIBE query",
                        parameter=parameter, location=location)


def _refuse_dataset(names: Any, location: str) -> None:
    """``default-graph-uri`` / ``named-graph-uri``: refused, not ignored (the answer would not be what was asked)."""
    for name in DATASET_PARAMETERS:
        if name in names:
            raise ProtocolViolation(name, location, f"'{name}' is not supported: this service has one default "
                                                    f"graph (the whole story graph) and no named graphs; leave "
                                                    f"'{name}' out")


def _one_query(values: list[str], location: str) -> None:
    if len(values) > 1:
        raise ProtocolViolation("query", location, f"The request has {len(values)} 'query' parameters; the SPARQL "
                                                   f"protocol takes exactly one")


def _check_url(params: QueryParams) -> None:
    """What the URL's parameters may not be, on GET and POST alike: an update, a dataset, two queries."""
    if "update" in params:
        raise _read_only("update", "query")
    _refuse_dataset(params, "query")
    _one_query(params.getlist("query"), "query")


async def _get_request(request: Request) -> None:
    """A GET carries one query in its URL and nothing in its body (checked before a slot is taken)."""
    _check_url(request.query_params)
    if await request.body():
        raise ProtocolViolation("body", "body", "A GET request carries its query in the URL and has no body; "
                                                "send the query as the 'query' parameter, or POST it")


@router.get("", summary="Run a SPARQL query (query in the URL)", response_class=SparqlResultsResponse,
            responses=_OK, description=DESCRIPTION, dependencies=[Depends(_get_request), slot("sparql")])
async def sparql_get(
    ix: IndexDep,
    request: Request,
    query: Annotated[str, Query(description=_QUERY_DOC, examples=[_QUERY_EXAMPLE], min_length=1)],
) -> Response:
    return await run_in_threadpool(_answer_held, ix, request, query)


async def _post_request(request: Request) -> None:
    """The POST's one query into ``request.state.sparql_query`` (checked before a slot is taken)."""
    request.state.sparql_query = await _post_query(request)


async def _post_query(request: Request) -> str:
    """The one query of a POST, by its ``Content-Type``; everything the protocol does not allow is refused."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    _check_url(request.query_params)
    if content_type == SPARQL_UPDATE:
        raise _read_only("Content-Type", "header")
    if content_type not in (SPARQL_QUERY, FORM):
        raise UnsupportedMediaType(f"Send the query as {SPARQL_QUERY} or as a {FORM} form with a 'query' field, "
                                   f"not '{content_type or 'no Content-Type'}'", [SPARQL_QUERY, FORM],
                                   parameter="Content-Type")
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise QueryInvalid("The request body is not UTF-8") from None
    if content_type == SPARQL_QUERY:
        if "query" in request.query_params:
            raise ProtocolViolation("query", "query", "The body is the query (application/sparql-query); a "
                                                      "'query' parameter in the URL as well makes two")
        return text
    fields = parse_qs(text, keep_blank_values=True)
    if "update" in fields:
        raise _read_only("update", "body")
    _refuse_dataset(fields, "body")
    values = fields.get("query", [])
    if "query" in request.query_params:
        values.append(request.query_params["query"])
    _one_query(values, "body")
    if not values:
        raise InvalidParameter("query", "the form has no 'query' field")
    return values[0]


@router.post(
    "", summary="Run a SPARQL query (query in the body)", response_class=SparqlResultsResponse, responses=_OK,
    dependencies=[Depends(_post_request), slot("sparql")],
    description=DESCRIPTION + f"\n\nThe body is the query itself (`Content-Type: {SPARQL_QUERY}`) or a form "
                              f"with a `query` field (`Content-Type: {FORM}`); any other `Content-Type` is a 415. "
                              f"POST is only for long queries: nothing is ever written.",
    openapi_extra={"requestBody": {"required": True, "content": {
        SPARQL_QUERY: {"schema": {"type": "string"}, "example": _QUERY_EXAMPLE},
        FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string", "description": _QUERY_DOC}},
                          "required": ["query"]}},
    }}},
)
async def sparql_post(ix: IndexDep, request: Request) -> Response:
    return await run_in_threadpool(_answer_held, ix, request, request.state.sparql_query)
