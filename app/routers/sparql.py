"""SPARQL 1.1 Protocol: read-only queries over the RDF view of the graph (pyoxigraph)."""

from __future__ import annotations

from typing import Annotated, Any, Callable
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from graph import sparql
from graph.errors import InvalidParameter, NotAcceptable, QueryInvalid, UnsupportedMediaType
from graph.index import GraphIndex

from ..deps import IndexDep
from ..gates import slot
from ..problems import responses

router = APIRouter(prefix="/v1/sparql", tags=["sparql"])

JSON = "application/sparql-results+json"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
SPARQL_QUERY = "application/sparql-query"
FORM = "application/x-www-form-urlencoded"

# Media types by answer form, the first the default; "application/json" is answered as SPARQL JSON.
RESULT_TYPES: dict[str, tuple[str, Callable[[sparql.QueryResult], bytes]]] = {
    JSON: (JSON, sparql.results_json),
    "application/json": (JSON, sparql.results_json),
    CSV: (CSV, sparql.results_csv),
    TSV: (TSV, sparql.results_tsv),
}
GRAPH_TYPES: dict[str, tuple[str, Callable[[sparql.QueryResult], bytes]]] = {
    TURTLE: (TURTLE, sparql.graph_turtle),
    NTRIPLES: (NTRIPLES, sparql.graph_ntriples),
}
TRUNCATED_HEADER = "Storygraph-Truncated"

DESCRIPTION = f"""\
Read-only [SPARQL 1.1](https://www.w3.org/TR/sparql11-query/) over the RDF view of the graph (the triples of
`GET /v1/graph?format=turtle`), evaluated by pyoxigraph, following the
[SPARQL 1.1 Protocol](https://www.w3.org/TR/sparql11-protocol/).

**Answers by `Accept`.** `SELECT` and `ASK`: `{JSON}` (the default; `application/json` gets the same),
`{CSV}` or `{TSV}`. `CONSTRUCT` and `DESCRIBE`: `{TURTLE}` (the default) or `{NTRIPLES}`. A media type that
cannot carry the answer is a 406 listing those that can.

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

_EXAMPLE_JSON = {"head": {"vars": ["denier", "claim"]},
                 "results": {"bindings": [{"denier": {"type": "literal", "value": "China"},
                                           "claim": {"type": "literal", "value": "China is the primary source of "
                                                     "the precursor chemicals synthesized into fentanyl by drug "
                                                     "cartels in Mexico."}}]},
                 "truncated": False}

_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer, in the media type chosen by `Accept`",
        "headers": {TRUNCATED_HEADER: {"description": "`true` when rows (or triples) beyond the cap were cut off",
                                       "schema": {"type": "string", "enum": ["true", "false"]}}},
        "content": {
            JSON: {"schema": {"type": "object", "description": "SPARQL 1.1 Query Results JSON (SELECT: head.vars and "
                              "results.bindings; ASK: boolean), plus `truncated`"}, "example": _EXAMPLE_JSON},
            CSV: {"schema": {"type": "string"},
                  "example": "denier,claim\r\nChina,China is the primary source ...\r\n"},
            TSV: {"schema": {"type": "string"},
                  "example": '?denier\t?claim\n"China"\t"China is the primary source ..."\n'},
            TURTLE: {"schema": {"type": "string"}, "example": "@prefix sg: <https://storygraph.dev/vocab#> .\n..."},
            NTRIPLES: {"schema": {"type": "string"}},
        },
    },
    **responses(400, 406, 415, 422, 500, 503, 504),
}
_QUERY_DOC = "A SPARQL 1.1 query: SELECT, ASK, CONSTRUCT or DESCRIBE"
_QUERY_EXAMPLE = ("PREFIX schema: <https://schema.org/>\n"
                  "SELECT ?name WHERE { ?person a schema:Person ; schema:name ?name } ORDER BY ?name")


def _ranges(accept: str | None) -> list[tuple[str, float]]:
    """The media ranges of an ``Accept`` header with their q-values."""
    out = []
    for part in (accept or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        out.append((fields[0].lower(), q))
    return out


def negotiate(accept: str | None, offers: list[str]) -> str | None:
    """The offer ``Accept`` prefers (most specific matching range decides its q; ties: offer order)."""
    ranges = _ranges(accept)
    if not ranges:
        return offers[0]
    best, best_q = None, 0.0
    for offer in offers:
        kind = offer.split("/")[0] + "/*"
        q = None
        for specificity in (offer, kind, "*/*"):
            matches = [rq for r, rq in ranges if r == specificity]
            if matches:
                q = max(matches)
                break
        if q is not None and q > best_q:
            best, best_q = offer, q
    return best


def _answer(ix: GraphIndex, request: Request, query: str) -> Response:
    accept = request.headers.get("accept")
    offers = list(RESULT_TYPES) + list(GRAPH_TYPES)
    if negotiate(accept, offers) is None:  # nothing could be served: say so before running anything
        raise NotAcceptable(f"Accept '{accept}' names no media type this endpoint serves",
                            [JSON, CSV, TSV, TURTLE, NTRIPLES])
    settings = getattr(request.app.state, "settings", None)
    result = sparql.run_query(ix, query, timeout=getattr(settings, "sparql_timeout_seconds", sparql.DEFAULT_TIMEOUT),
                              max_rows=getattr(settings, "sparql_max_rows", sparql.DEFAULT_MAX_ROWS))
    table = GRAPH_TYPES if result.form == "graph" else RESULT_TYPES
    chosen = negotiate(accept, list(table))
    if chosen is None:
        kind = "CONSTRUCT/DESCRIBE" if result.form == "graph" else result.form.upper()
        available = [mt for mt, _ in table.values()]
        raise NotAcceptable(f"A {kind} answer comes as {', '.join(dict.fromkeys(available))}; "
                            f"Accept '{accept}' names none of them", list(dict.fromkeys(available)))
    media_type, render = table[chosen]
    return Response(render(result), media_type=media_type,
                    headers={TRUNCATED_HEADER: "true" if result.truncated else "false", "Vary": "Accept"})


@router.get("", summary="Run a SPARQL query (query in the URL)", response_class=Response, responses=_OK,
            description=DESCRIPTION, dependencies=[slot("sparql")])
async def sparql_get(
    ix: IndexDep,
    request: Request,
    query: Annotated[str, Query(description=_QUERY_DOC, examples=[_QUERY_EXAMPLE], min_length=1)],
) -> Response:
    return await run_in_threadpool(_answer, ix, request, query)


@router.post(
    "", summary="Run a SPARQL query (query in the body)", response_class=Response, responses=_OK,
    dependencies=[slot("sparql")],
    description=DESCRIPTION + f"\n\nThe body is the query itself (`Content-Type: {SPARQL_QUERY}`) or a form "
                              f"with a `query` field (`Content-Type: {FORM}`). POST is only for long queries: "
                              f"nothing is ever written.",
    openapi_extra={"requestBody": {"required": True, "content": {
        SPARQL_QUERY: {"schema": {"type": "string"}, "example": _QUERY_EXAMPLE},
        FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string", "description": _QUERY_DOC}},
                          "required": ["query"]}},
    }}},
)
async def sparql_post(ix: IndexDep, request: Request) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise QueryInvalid("The request body is not UTF-8") from None
    if content_type == SPARQL_QUERY:
        query = text
    elif content_type == FORM:
        values = parse_qs(text, keep_blank_values=True).get("query", [])
        if len(values) != 1:
            raise InvalidParameter("query", "the form must have exactly one 'query' field" if values
                                   else "the form has no 'query' field")
        query = values[0]
    else:
        raise UnsupportedMediaType(f"Send the query as {SPARQL_QUERY} or as a {FORM} form with a 'query' field, "
                                   f"not '{content_type or 'no Content-Type'}'", [SPARQL_QUERY, FORM])
    return await run_in_threadpool(_answer, ix, request, query)
