"""SPARQLWrapper and rdflib's SPARQLStore, with their default settings, against a live server (issue 12).

Both ask for XML by default (``application/sparql-results+xml`` for SELECT and
ASK, ``application/rdf+xml`` for CONSTRUCT), which the endpoint once answered
with a 406: SPARQLWrapper raised, and SPARQLStore failed with ``ValueError`` on
GET and ``TypeError`` on POST. Each client runs over a real uvicorn on
127.0.0.1, GET and POST, as its users would call it.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from app.settings import REPO_SEEDS
from tests.workers.servers import Server, environment, free_port, running, uvicorn_command

PREFIXES = "PREFIX schema: <https://schema.org/>\nPREFIX sg: <https://storygraph.dev/vocab#>\n"
PERSONS = PREFIXES + 'SELECT ?name WHERE { ?p sg:type "person" ; schema:name ?name } ORDER BY ?name'
ASK = "ASK { <https://storygraph.dev/id/china> ?p ?o }"
CONSTRUCT = PREFIXES + 'CONSTRUCT { ?p schema:name ?n } WHERE { ?p sg:type "person" ; schema:name ?n }'
NAME = URIRef("https://schema.org/name")


@pytest.fixture(scope="module")
def server(backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = backend.url("clients")
    try:
        with running("sparql-clients", uvicorn_command(free_port()), environment(url, REPO_SEEDS),
                     Path(tmp_path_factory.mktemp("clients")) / "uvicorn.log") as srv:
            yield srv
    finally:
        backend.drop(url)


@pytest.fixture(scope="module")
def endpoint(server: Server) -> str:
    return server.url + "/v1/sparql"


@pytest.fixture(scope="module")
def persons(server: Server) -> list[str]:
    """The names the JSON answer lists: what every client must see too."""
    body = server.get("/v1/sparql?" + urlencode({"query": PERSONS})).json()
    names = [b["name"]["value"] for b in body["results"]["bindings"]]
    assert len(names) == 7 and "Jen Daskal" in names
    return names


def _wrapper(endpoint: str, query: str, method: str | None) -> SPARQLWrapper:
    sparql = SPARQLWrapper(endpoint)  # the defaults: XML results, GET, format=xml&output=xml&results=xml
    if method:
        sparql.setMethod(method)  # POST: a urlencoded form
    sparql.setQuery(query)
    return sparql


@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_select_with_its_defaults(endpoint, persons, method):
    sparql = _wrapper(endpoint, PERSONS, method)
    result = sparql.query()
    assert result.response.headers["Content-Type"].startswith("application/sparql-results+xml")
    document = result.convert()  # an xml.dom.minidom Document, as SPARQLWrapper hands XML over
    names = [b.getElementsByTagName("literal")[0].firstChild.data for b in document.getElementsByTagName("binding")]
    assert names == persons


@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_ask_with_its_defaults(endpoint, method):
    document = _wrapper(endpoint, ASK, method).query().convert()
    assert document.getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_construct_with_its_defaults(endpoint, method):
    result = _wrapper(endpoint, CONSTRUCT, method).query()
    assert result.response.headers["Content-Type"].startswith("application/rdf+xml")
    graph = result.convert()  # RDF/XML parsed by rdflib
    assert isinstance(graph, Graph) and len(graph) == 7
    assert (None, NAME, Literal("Jen Daskal")) in graph


@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_json_still_works(endpoint, persons, method):
    sparql = _wrapper(endpoint, PERSONS, method)
    sparql.setReturnFormat(JSON)
    body = sparql.query().convert()
    assert [b["name"]["value"] for b in body["results"]["bindings"]] == persons


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_rdflib_sparqlstore_with_its_defaults(endpoint, persons, method):
    store = SPARQLStore(endpoint) if method == "GET" else SPARQLStore(endpoint, method="POST")
    graph = Graph(store)
    assert [str(row.name) for row in graph.query(PERSONS)] == persons
    assert graph.query(ASK).askAnswer is True
    constructed = graph.query(CONSTRUCT).graph
    assert len(constructed) == 7 and (None, NAME, Literal("Jen Daskal")) in constructed
    assert store.query(ASK).askAnswer is True  # the store itself, as rdflib's own code calls it


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_rdflib_sparqlstore_reads_terms_exactly(endpoint, method):
    q = ('SELECT ?s ?n ?l WHERE { BIND(<https://storygraph.dev/id/china> AS ?s) BIND(42 AS ?n) '
         'BIND("Pékin"@fr AS ?l) }')
    row = next(iter(Graph(SPARQLStore(endpoint, method=method)).query(q)))
    assert row.s == URIRef("https://storygraph.dev/id/china")
    assert row.n == Literal(42) and row.l == Literal("Pékin", lang="fr")


def _raw(endpoint: str, method: str, target: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """One request as sent, byte for byte (urllib would not send a GET with a body)."""
    url = urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request(method, url.path + target, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"{}") | {"content-type": r.getheader("content-type")}
    finally:
        conn.close()


def test_a_get_with_a_body_is_400_over_the_wire(endpoint):
    status, body = _raw(endpoint, "GET", "?" + urlencode({"query": ASK}), body=b"query=ASK%20%7B%7D",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and body["content-type"] == "application/problem+json"
    assert body["errors"][0]["parameter"] == "body"


def test_a_post_without_content_type_is_415_over_the_wire(endpoint):
    status, body = _raw(endpoint, "POST", "", body=ASK.encode())  # http.client sends no Content-Type
    assert status == 415 and body["content-type"] == "application/problem+json"
    assert body["errors"][0]["parameter"] == "Content-Type"
