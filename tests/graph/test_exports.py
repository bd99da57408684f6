import json

import networkx as nx

from graph.exports import cytoscape_data, cytoscape_graph, node_link_data, node_link_graph
from graph.testing import seed_index


def _same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> bool:
    return (dict(a.nodes(data=True)) == dict(b.nodes(data=True))
            and sorted(a.edges(keys=True, data="id")) == sorted(b.edges(keys=True, data="id"))
            and all(a.edges[e] == b.edges[e] for e in a.edges(keys=True)))


def test_node_link_round_trips_through_json():
    g = seed_index().g
    assert _same(node_link_graph(json.loads(json.dumps(node_link_data(g)))), g)


def test_cytoscape_round_trips_and_labels_elements():
    g = seed_index().g
    data = json.loads(json.dumps(cytoscape_data(g)))
    assert _same(cytoscape_graph(data), g)
    node = next(n for n in data["elements"]["nodes"] if n["data"]["id"] == "jen-daskal")
    assert node["data"]["label"] == "Jen Daskal"
    edge_ids = [e["data"]["id"] for e in data["elements"]["edges"]]
    assert len(edge_ids) == len(set(edge_ids)) == g.number_of_edges()
