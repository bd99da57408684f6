"""/v1/graph and /v1/entities/{ref}/neighborhood in every export format, by `format` or `Accept`."""

from __future__ import annotations

import importlib.util
import io
import zipfile

import networkx as nx
import pytest
from apitools import ARTICLE_ID, PROBLEM, invalid, problem
from starlette.responses import JSONResponse

from graph.readwrite.exports import node_link_data, node_link_graph
from graph.readwrite.formats import FORMATS
from graph.readwrite.xml_exports import graphml_graph

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")  # its JSON-LD parser

RDF = importlib.util.find_spec("graph.semantic.rdf") is not None  # written in parallel; tested as soon as it exists
NEEDS_RDF = {"jsonld", "turtle"}
AVAILABLE = [name for name in FORMATS if RDF or name not in NEEDS_RDF]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert sorted(a.edges(keys=True)) == sorted(b.edges(keys=True))
    assert all(a.edges[e] == b.edges[e] for e in a.edges(keys=True))


def equivalent(name: str, a: bytes, b: bytes) -> bool:
    """Same bytes; for RDF (whose blank nodes rdflib may serialize in any order), the same triple count
    and the same triples among those without blank nodes."""
    if name not in NEEDS_RDF:
        return a == b
    from rdflib import BNode, Graph

    syntax = "turtle" if name == "turtle" else "json-ld"
    ga, gb = Graph().parse(data=a, format=syntax), Graph().parse(data=b, format=syntax)

    def named(g: Graph) -> set:
        return {t for t in g if not any(isinstance(x, BNode) for x in t)}

    return len(ga) == len(gb) and named(ga) == named(gb)


def media(r) -> str:
    return r.headers["content-type"].split(";")[0]


@pytest.fixture(scope="module")
def ix(client):
    return client.app.state.runtime.index


@pytest.mark.parametrize("name", AVAILABLE)
def test_every_format_with_its_media_type_and_file_name(client, ix, name):
    fmt = FORMATS[name]
    r = client.get("/v1/graph", params={"format": name})
    assert r.status_code == 200, r.text
    assert media(r) == fmt.media_type
    disposition = "inline" if fmt.media_type.endswith("json") else "attachment"
    assert r.headers["content-disposition"] == f'{disposition}; filename="{ARTICLE_ID}.{fmt.extension}"'
    assert "accept" in r.headers["vary"].lower()
    assert equivalent(name, r.content, fmt.render(ix, ix.g))


@pytest.mark.parametrize("name", AVAILABLE)
def test_accept_chooses_the_same_format(client, name):
    fmt = FORMATS[name]
    by_query = client.get("/v1/graph", params={"format": name})
    by_accept = client.get("/v1/graph", headers={"Accept": fmt.media_type})
    assert by_accept.status_code == 200 and media(by_accept) == fmt.media_type
    assert equivalent(name, by_accept.content, by_query.content)
    assert by_accept.headers["content-disposition"] == by_query.headers["content-disposition"]


def test_node_link_stays_the_default_and_unchanged(client, ix):
    plain = client.get("/v1/graph")
    assert plain.status_code == 200 and plain.headers["content-type"] == "application/json"
    assert plain.json() == node_link_data(ix.g)
    assert plain.content == JSONResponse(node_link_data(ix.g)).body  # byte for byte what it always sent
    for accept in ("application/json", "*/*", BROWSER, "application/*", "application/json;q=0.5, text/csv"):
        r = client.get("/v1/graph", headers={"Accept": accept})
        assert r.status_code == 200 and r.content == plain.content, accept
    assert client.get("/v1/graph", params={"format": "node-link"}).content == plain.content
    same(node_link_graph(plain.json()), ix.g)


def test_accept_quality_values_decide(client):
    def chosen(accept: str) -> str:
        r = client.get("/v1/graph", headers={"Accept": accept})
        assert r.status_code == 200, r.text
        return media(r)

    assert chosen("application/gexf+xml;q=0.5, application/graphml+xml") == "application/graphml+xml"
    assert chosen("application/graphml+xml;q=0.2, application/gexf+xml;q=0.9") == "application/gexf+xml"
    assert chosen("application/graphml+xml, */*;q=0.1") == "application/graphml+xml"
    assert chosen("application/zip, application/json;q=0") == "application/zip"
    assert chosen("*/*;q=0.5, application/json;q=0") != "application/json"
    assert chosen("APPLICATION/GRAPHML+XML; charset=utf-8") == "application/graphml+xml"
    if RDF:
        assert chosen("text/*") == "text/turtle"


def test_format_wins_over_accept(client):
    r = client.get("/v1/graph", params={"format": "gexf"}, headers={"Accept": "image/png"})
    assert r.status_code == 200 and media(r) == "application/gexf+xml"


@pytest.mark.parametrize("accept", ["image/png", "text/html", "application/json;q=0", "application/xml"])
def test_an_accept_no_format_matches_is_406_listing_the_media_types(client, accept):
    body = problem(client.get("/v1/graph", headers={"Accept": accept}), 406, title="Not acceptable")
    assert body["type"] == "https://storygraph.dev/problems/not-acceptable"
    assert body["available"] == [f.media_type for f in FORMATS.values()]
    assert body["formats"] == list(FORMATS)
    assert all(f.media_type in body["detail"] for f in FORMATS.values())


def test_an_unknown_format_is_422_listing_the_formats(client):
    for params in ({"format": "xml"}, {"format": ""}, {"format": "GraphML"}):
        body = invalid(client.get("/v1/graph", params=params), "format")
        assert all(f"'{name}'" in body["errors"][0]["reason"] for name in FORMATS)


def test_graphml_round_trips_through_the_api(client, ix):
    r = client.get("/v1/graph", params={"format": "graphml"})
    same(graphml_graph(r.content), ix.g)
    raw = nx.read_graphml(io.BytesIO(r.content))
    assert sorted(raw.edges(keys=True)) == sorted(ix.g.edges(keys=True))


def test_gexf_and_csv_through_the_api(client, ix):
    gexf = nx.read_gexf(io.BytesIO(client.get("/v1/graph", params={"format": "gexf"}).content))
    assert (gexf.number_of_nodes(), gexf.number_of_edges()) == (ix.g.number_of_nodes(), ix.g.number_of_edges())
    with zipfile.ZipFile(io.BytesIO(client.get("/v1/graph", params={"format": "csv"}).content)) as z:
        assert z.namelist() == ["nodes.csv", "edges.csv"]
        assert z.read("nodes.csv").decode().count("\n") > ix.g.number_of_nodes()


@pytest.mark.skipif(not RDF, reason="graph/semantic/rdf.py is not written yet")
def test_rdf_formats_parse_to_the_same_triples(client):
    rdflib = pytest.importorskip("rdflib")
    turtle = rdflib.Graph().parse(data=client.get("/v1/graph", params={"format": "turtle"}).content, format="turtle")
    jsonld = rdflib.Graph().parse(data=client.get("/v1/graph", params={"format": "jsonld"}).content, format="json-ld")
    assert len(turtle) == len(jsonld) > 0


# --- the neighbourhood -----------------------------------------------------------------------------

def test_neighbourhood_json_is_unchanged_without_a_format(client):
    plain = client.get("/v1/entities/daskal/neighborhood", params={"depth": 2})
    assert plain.status_code == 200 and plain.json().keys() == {"nodes", "edges"}
    for accept in ("application/json", "*/*", BROWSER):
        r = client.get("/v1/entities/daskal/neighborhood", params={"depth": 2}, headers={"Accept": accept})
        assert r.json() == plain.json(), accept
    assert "content-disposition" not in plain.headers


@pytest.mark.parametrize("name", AVAILABLE)
def test_neighbourhood_in_every_format(client, ix, name):
    fmt = FORMATS[name]
    r = client.get("/v1/entities/Daskal/neighborhood", params={"depth": 2, "format": name})
    assert r.status_code == 200, r.text
    assert media(r) == fmt.media_type
    assert f'filename="jen-daskal-depth-2.{fmt.extension}"' in r.headers["content-disposition"]
    by_accept = client.get("/v1/entities/Daskal/neighborhood", params={"depth": 2},
                           headers={"Accept": fmt.media_type})
    if name == "node-link":  # application/json means the endpoint's own JSON
        assert by_accept.json().keys() == {"nodes", "edges"}
    else:
        assert equivalent(name, by_accept.content, r.content)


def test_neighbourhood_graphml_is_the_neighbourhood(client, ix):
    plain = client.get("/v1/entities/daskal/neighborhood", params={"depth": 2}).json()
    r = client.get("/v1/entities/daskal/neighborhood", params={"depth": 2, "format": "graphml"})
    g = graphml_graph(r.content)
    assert set(g) == {n["id"] for n in plain["nodes"]}
    assert sorted(k for *_, k in g.edges(keys=True)) == sorted(e["id"] for e in plain["edges"])
    same(g, ix.g.subgraph(g).copy())
    link = node_link_graph(client.get("/v1/entities/daskal/neighborhood",
                                      params={"depth": 2, "format": "node-link"}).json())
    same(link, g)


def test_neighbourhood_errors(client):
    problem(client.get("/v1/entities/daskl/neighborhood", params={"format": "graphml"}), 404)
    invalid(client.get("/v1/entities/daskal/neighborhood", params={"format": "png"}), "format")
    problem(client.get("/v1/entities/daskal/neighborhood", headers={"Accept": "image/png"}), 406)
    invalid(client.get("/v1/entities/daskal/neighborhood", params={"format": "gexf", "depth": 4}), "depth")


def test_openapi_declares_every_media_type(client):
    spec = client.get("/openapi.json").json()
    for path in ("/v1/graph", "/v1/entities/{ref}/neighborhood"):
        op = spec["paths"][path]["get"]
        assert set(op["responses"]["200"]["content"]) == {f.media_type for f in FORMATS.values()}, path
        assert PROBLEM in op["responses"]["406"]["content"]
        params = {p["name"]: p for p in op["parameters"]}
        # Accept is read but not declared: OpenAPI ignores a header parameter named Accept (fuzzing found it)
        assert params["format"]["in"] == "query" and "accept" not in {name.lower() for name in params}
        assert set(FORMATS) <= set(params["format"]["schema"]["anyOf"][0]["enum"])


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json"])
def test_neighbourhood_rdf_is_the_same_bytes_under_its_strong_etag(client, accept):
    """A strong ETag promises the same bytes: blank nodes no longer reorder from one request to the next."""
    first, second = (client.get("/v1/entities/daskal/neighborhood", params={"depth": 2}, headers={"Accept": accept})
                     for _ in range(2))
    assert first.status_code == second.status_code == 200
    assert first.headers["etag"] == second.headers["etag"]
    assert first.content == second.content
    again = client.get("/v1/entities/daskal/neighborhood", params={"depth": 2},
                       headers={"Accept": accept, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_sparql_sees_the_articles_people_as_entities(client):
    from graph.semantic.sparql_examples import EVERY_PERSON

    r = client.get("/v1/sparql", params={"query": EVERY_PERSON}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    names = [b["name"]["value"] for b in r.json()["results"]["bindings"]]
    assert names == sorted(["Jen Daskal", "Joe Biden", "Xi Jinping", "Wang Xiaohong", "Antoni Slodkowski",
                            "Andrew Cawthorne", "Ng Han Guan"])
    assert all(b["person"]["type"] == "uri" for b in r.json()["results"]["bindings"])
