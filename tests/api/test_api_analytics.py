"""GET /v1/analytics/centrality and /v1/analytics/communities, checked against the exported graph."""

from __future__ import annotations

import networkx as nx
import pytest
from apitools import INVALID, every, invalid


@pytest.fixture(scope="module")
def g(client) -> nx.MultiDiGraph:
    """The graph as a client sees it, loaded into NetworkX by the client."""
    return nx.node_link_graph(client.get("/v1/graph").json(), edges="edges")


def test_degree_leader_is_the_entity_with_most_relations(client, g):
    body = client.get("/v1/analytics/centrality", params={"measure": "degree", "limit": 5}).json()
    assert body["limit"] == 5 and len(body["items"]) == 5
    connected = [v for v in g if g.degree(v) > 0]
    assert body["total"] == len(connected)
    most = max(g.degree(v) for v in connected)
    leaders = sorted(v for v in connected if g.degree(v) == most)
    top = body["items"][0]
    assert top["entity"]["id"] == leaders[0] and top["rank"] == 1
    assert top.keys() == {"entity", "score", "rank"} and top["entity"].keys() == {"id", "name", "type"}
    assert top["score"] == pytest.approx(most / (len(connected) - 1))
    entity = client.get(f"/v1/entities/{leaders[0]}").json()
    assert entity["degree"] == most
    items = every(client, "/v1/analytics/centrality")
    keys = [(-i["score"], i["entity"]["id"]) for i in items]
    assert keys == sorted(keys)


def test_betweenness_finds_the_broker(client, g):
    simple = nx.Graph()
    simple.add_edges_from((u, v) for u, v in g.edges() if u != v)
    expected = nx.betweenness_centrality(simple)
    items = every(client, "/v1/analytics/centrality", measure="betweenness")
    assert {i["entity"]["id"]: i["score"] for i in items} == pytest.approx(expected)
    assert items[0]["entity"]["id"] == max(expected, key=expected.get)


def test_pagerank(client, g):
    items = every(client, "/v1/analytics/centrality", measure="pagerank")
    expected = nx.pagerank(g)
    assert {i["entity"]["id"]: i["score"] for i in items} == pytest.approx(expected, abs=1e-6)


def test_filters_repeat_or_take_commas(client, g):
    a = client.get("/v1/analytics/centrality", params=[("predicate", "asserts"), ("predicate", "denies")]).json()
    b = client.get("/v1/analytics/centrality", params={"predicate": "asserts,denies"}).json()
    assert a == b
    nodes = {x for u, v, p in g.edges(data="predicate") if p in ("asserts", "denies") for x in (u, v)}
    assert {i["entity"]["id"] for i in a["items"]} == nodes and a["total"] == len(nodes)
    people = every(client, "/v1/analytics/centrality", type="person")
    assert people and {i["entity"]["type"] for i in people} == {"person"}
    both = every(client, "/v1/analytics/centrality", type=["person", "country"], predicate="met_with")
    assert {i["entity"]["type"] for i in both} <= {"person", "country"}


@pytest.mark.parametrize("path", ["/v1/analytics/centrality", "/v1/analytics/communities"])
@pytest.mark.parametrize("params, parameter, reason", [
    ({"predicate": "loves"}, "predicate", None),
    ({"predicate": "led,loves"}, "predicate", None),
    ({"type": "planet"}, "type", None),
])
def test_unknown_filters_are_422(client, path, params, parameter, reason):
    body = invalid(client.get(path, params=params), parameter)
    bad = params[parameter].split(",")[-1]
    assert body["detail"].startswith(f"Parameter '{parameter}': '{bad}' is not ")


def test_unknown_measure_is_422(client):
    body = invalid(client.get("/v1/analytics/centrality", params={"measure": "closeness"}), "measure")
    reason = "Input should be 'degree', 'betweenness' or 'pagerank'"
    assert body == {"type": INVALID, "title": "Invalid parameter", "status": 422,
                    "detail": f"Parameter 'measure': {reason}", "instance": "/v1/analytics/centrality",
                    "errors": [{"parameter": "measure", "location": "query", "reason": reason}]}


def test_communities(client, g):
    body = client.get("/v1/analytics/communities").json()
    assert body.keys() == {"communities", "seed", "resolution"} and body["resolution"] == 1.0
    groups = body["communities"]
    members = [m["id"] for c in groups for m in c["members"]]
    assert sorted(members) == sorted(v for v in g if g.degree(v) > 0)
    assert [c["size"] for c in groups] == sorted((c["size"] for c in groups), reverse=True)
    for i, c in enumerate(groups):
        assert c.keys() == {"id", "size", "members", "label"} and c["id"] == i and c["size"] == len(c["members"])
        top = max(c["members"], key=lambda m: (g.degree(m["id"]), [-ord(ch) for ch in m["id"]]))
        assert c["label"] == top["name"] == c["members"][0]["name"]
    assert client.get("/v1/analytics/communities").json() == body  # a fixed seed: stable
    daskal = next(c for c in groups if "jen-daskal" in [m["id"] for m in c["members"]])
    assert "wang-xiaohong" in [m["id"] for m in daskal["members"]]  # they met


def test_communities_filters_and_resolution(client):
    led = client.get("/v1/analytics/communities", params={"predicate": "led"}).json()["communities"]
    assert led == [{"id": 0, "size": 2, "label": "Jen Daskal",
                    "members": [{"id": "jen-daskal", "name": "Jen Daskal", "type": "person"},
                                {"id": "us-delegation", "name": "U.S. interagency delegation to Beijing",
                                 "type": "organization"}]}]
    fine = client.get("/v1/analytics/communities", params={"resolution": 5}).json()["communities"]
    coarse = client.get("/v1/analytics/communities", params={"resolution": 0.2}).json()["communities"]
    assert len(coarse) < len(fine)
    invalid(client.get("/v1/analytics/communities", params={"resolution": 0}), "resolution")
    invalid(client.get("/v1/analytics/communities", params={"resolution": "big"}), "resolution")
