"""Whole-graph formats that frontend libraries load directly.

Converters come in symmetric pairs, as in NetworkX: ``*_data`` turns the
graph into plain JSON-ready data, ``*_graph`` turns that data back.
"""

from __future__ import annotations

import json
from typing import Any

import networkx as nx

FORMATS = ("node-link", "cytoscape")


def node_link_data(g: nx.MultiDiGraph) -> dict[str, Any]:
    """NetworkX node-link JSON (d3-force, networkx.node_link_graph).

    >>> from graph.testing import seed_index
    >>> g = seed_index().g
    >>> nx.utils.graphs_equal(node_link_graph(node_link_data(g)), g)
    True
    """
    return nx.node_link_data(g, edges="edges")


def node_link_graph(data: dict[str, Any]) -> nx.MultiDiGraph:
    return nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")


def cytoscape_data(g: nx.MultiDiGraph) -> dict[str, Any]:
    """Cytoscape.js ``elements`` JSON: ``cy.add(data["elements"])`` loads it.

    Each node's ``data`` has ``id``, ``name`` (and ``label``); each edge's has
    ``source``, ``target``, the relation ``id`` and its ``predicate`` as ``label``.

    >>> from graph.testing import seed_index
    >>> g = seed_index().g
    >>> nx.utils.graphs_equal(cytoscape_graph(cytoscape_data(g)), g)
    True
    """
    nodes = [{"data": {"id": n, "label": d["name"], **d}} for n, d in g.nodes(data=True)]
    edges = [{"data": {**d, "source": u, "target": v, "key": k, "label": d["predicate"]}}
             for u, v, k, d in g.edges(keys=True, data=True)]
    return {"data": dict(g.graph), "directed": True, "multigraph": True,
            "elements": {"nodes": nodes, "edges": edges}}


def cytoscape_graph(data: dict[str, Any]) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(**data.get("data", {}))
    for node in data["elements"]["nodes"]:
        attrs = {k: v for k, v in node["data"].items() if k not in ("id", "label")}
        g.add_node(node["data"]["id"], **attrs)
    for edge in data["elements"]["edges"]:
        attrs = {k: v for k, v in edge["data"].items() if k not in ("source", "target", "key", "label")}
        g.add_edge(edge["data"]["source"], edge["data"]["target"], key=edge["data"]["key"], **attrs)
    return g


def node_link_bytes(ix, g: nx.MultiDiGraph) -> bytes:
    """The ``node-link`` format of :mod:`graph.formats`."""
    return json.dumps(node_link_data(g), ensure_ascii=False).encode()


def cytoscape_bytes(ix, g: nx.MultiDiGraph) -> bytes:
    """The ``cytoscape`` format of :mod:`graph.formats`."""
    return json.dumps(cytoscape_data(g), ensure_ascii=False).encode()
