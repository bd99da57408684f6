"""/v1/articles, /v1/predicates, /v1/graph: the article, the vocabulary, the whole graph."""

import networkx as nx
from apitools import ARTICLE_ID, every, invalid, problem

from graph.readwrite.exports import cytoscape_graph, node_link_graph
from graph.vocabulary import PREDICATES


def test_articles(client):
    page = client.get("/v1/articles").json()
    assert page["total"] == 1 and page["limit"] == 50 and page["offset"] == 0
    meta = page["items"][0]
    assert meta["id"] == ARTICLE_ID and "text" not in meta
    assert (meta["publisher"], meta["published"], meta["authors"]) == ("Reuters", "2024-01-31", ["Antoni Slodkowski"])
    full = client.get(f"/v1/articles/{ARTICLE_ID}").json()
    assert full == meta | {"text": full["text"]} and len(full["text"]) == meta["length"]
    body = problem(client.get("/v1/articles/no-such-story"), 404, title="Not found")
    assert body["detail"] == "No article with id 'no-such-story'"


def test_every_evidence_span_quotes_the_article(client):
    text = client.get(f"/v1/articles/{ARTICLE_ID}").json()["text"]
    spans = [ev for e in every(client, "/v1/entities") for ev in e["evidence"]]
    spans += [ev for r in every(client, "/v1/relations") for ev in r["evidence"]]
    assert spans and all(text[ev["start"]:ev["end"]] == ev["quote"] for ev in spans)


def test_predicates(client):
    page = client.get("/v1/predicates", params={"limit": 500}).json()
    assert [p["name"] for p in page["items"]] == list(PREDICATES) and page["total"] == len(PREDICATES)
    led = next(p for p in page["items"] if p["name"] == "led")
    assert led.keys() == {"name", "meaning", "domain", "range", "count"}
    assert led["domain"] == ["person"] and led["count"] >= 1
    assert sum(p["count"] for p in page["items"]) == len(client.get("/v1/graph").json()["edges"])
    assert client.get("/v1/predicates", params={"limit": 2}).json()["items"] == page["items"][:2]


def test_graph_formats(client):
    g = node_link_graph(client.get("/v1/graph", params={"format": "node-link"}).json())
    cy = client.get("/v1/graph", params={"format": "cytoscape"}).json()
    assert {"nodes", "edges"} <= cy["elements"].keys()
    assert nx.utils.graphs_equal(cytoscape_graph(cy), g)
    assert g.has_edge("jen-daskal", "us-delegation")
    assert g.number_of_nodes() == client.get("/v1/entities").json()["total"]
    invalid(client.get("/v1/graph", params={"format": "xml"}), "format")
