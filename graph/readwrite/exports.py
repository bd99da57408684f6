"""Whole-graph formats that frontend libraries load directly, and what every export shares.

Converters come in symmetric pairs, as in NetworkX: ``*_data`` turns the
graph into plain JSON-ready data, ``*_graph`` turns that data back. The
other formats of the registry (:mod:`graph.readwrite.formats`) live in
:mod:`graph.readwrite.xml_exports` (GraphML, GEXF), :mod:`graph.readwrite.tabular` (CSV) and
:mod:`graph.semantic.rdf` (JSON-LD, Turtle); this module also builds the graph an
export renders (the whole graph or a neighbourhood) and its file name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import networkx as nx

from graph.errors import InvalidParameter
from graph.readwrite.formats import FORMATS as REGISTRY
from graph.readwrite.formats import Format
from graph.readwrite.stream import MemorySource, chunked

if TYPE_CHECKING:
    from graph.indexing.index import GraphIndex
    from graph.readwrite.stream import DbSource

    Source = MemorySource | DbSource

FORMATS = tuple(REGISTRY)  # every export format's name, node-link (the default) first


def node_link_data(g: nx.MultiDiGraph) -> dict[str, Any]:
    """NetworkX node-link JSON (d3-force, networkx.node_link_graph).

    >>> from graph.testing import seed_index
    >>> g = seed_index().g
    >>> nx.utils.graphs_equal(node_link_graph(node_link_data(g)), g)
    True
    """
    data: dict[str, Any] = nx.node_link_data(g, edges="edges")
    return data


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


def _json(data: Any) -> str:
    # Compact, as the API has always sent its JSON (Starlette's JSONResponse).
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _document(source: Source, *, head: Callable[[], str], node: Callable[[str, dict[str, Any]], Any],
              edge: Callable[[str, str, str, dict[str, Any]], Any], tail: str) -> Iterator[bytes]:
    """``head()``, the nodes as ``node`` writes them, ``],"edges":[``, the edges as ``edge`` writes them, ``tail``:
    how both JSON formats stream, each element compact JSON, read batch by batch from ``source``."""
    def pieces() -> Iterator[str]:
        yield head()
        sep = ""
        for batch in source.node_batches():
            for n, d in batch:
                yield sep + _json(node(n, d))
                sep = ","
        yield '],"edges":['
        sep = ""
        for edges in source.edge_batches():
            for u, v, k, d in edges:
                yield sep + _json(edge(u, v, k, d))
                sep = ","
        yield tail

    return chunked(pieces())


def node_link_chunks(source: Source) -> Iterator[bytes]:
    """:func:`node_link_data` as compact JSON, written node by node from a source of :mod:`graph.readwrite.stream`."""
    return _document(
        source,
        head=lambda: '{"directed":true,"multigraph":true,"graph":' + _json(source.graph) + ',"nodes":[',
        node=lambda n, d: {**d, "id": n},
        edge=lambda u, v, k, d: {**d, "source": u, "target": v, "key": k},
        tail="]}")


def cytoscape_chunks(source: Source) -> Iterator[bytes]:
    """:func:`cytoscape_data` as compact JSON, written element by element from a source of
    :mod:`graph.readwrite.stream`."""
    return _document(
        source,
        head=lambda: '{"data":' + _json(source.graph) + ',"directed":true,"multigraph":true,"elements":{"nodes":[',
        node=lambda n, d: {"data": {"id": n, "label": d["name"], **d}},
        edge=lambda u, v, k, d: {"data": {**d, "source": u, "target": v, "key": k, "label": d["predicate"]}},
        tail="]}}")


def node_link_bytes(ix: GraphIndex, g: nx.MultiDiGraph) -> bytes:
    """The ``node-link`` format of :mod:`graph.readwrite.formats`."""
    return b"".join(node_link_chunks(MemorySource(ix, g)))


def cytoscape_bytes(ix: GraphIndex, g: nx.MultiDiGraph) -> bytes:
    """The ``cytoscape`` format of :mod:`graph.readwrite.formats`."""
    return b"".join(cytoscape_chunks(MemorySource(ix, g)))


def get_format(name: str, parameter: str = "format") -> Format:
    """The registry's format called ``name``, or a 422 naming ``parameter`` and listing the formats."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise InvalidParameter(parameter, f"'{name}' is not one of {', '.join(REGISTRY)}") from None


def is_text(fmt: Format) -> bool:
    """Whether the format is text (JSON, XML, Turtle) rather than bytes (a zip)."""
    media = fmt.media_type
    return media.startswith("text/") or media.endswith(("json", "+xml", "/xml"))


def neighborhood_graph(ix: GraphIndex, node: str, *, depth: int = 1) -> nx.MultiDiGraph:
    """The entities within ``depth`` hops of ``node`` (either direction) and every relation among them.

    The one neighbourhood builder: :func:`graph.algorithms.queries.neighborhood` (the JSON)
    and the exports use it (cut around a hub: :func:`graph.algorithms.pathfind.neighbourhood`).
    A new MultiDiGraph with the index's
    attributes: nodes nearest first, then by id; relations those of the nearest
    entities first. Nothing outside the neighbourhood is read.

    >>> from graph.testing import seed_index
    >>> h = neighborhood_graph(seed_index(), "wang-xiaohong", depth=1)
    >>> sorted(h)
    ['china', 'daskal-wang-meeting', 'jen-daskal', 'wang-xiaohong']
    """
    from graph.algorithms.pathfind import neighbourhood

    if not 1 <= depth <= 3:
        raise InvalidParameter("depth", "must be 1, 2 or 3")
    reach, among, _ = neighbourhood(ix.g, node, depth)
    h = nx.MultiDiGraph(**ix.g.graph)
    h.add_nodes_from((n, ix.g.nodes[n]) for n in reach)
    h.add_edges_from(among)
    return h


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "graph"


def filename(ix: GraphIndex, fmt: Format, *, node: str | None = None, depth: int | None = None) -> str:
    """The file name an export is saved under.

    The whole graph: ``<article id>.<ext>`` when it holds one article, else
    ``storygraph.<ext>``; a neighbourhood: ``<entity id>-depth-<N>.<ext>``.

    >>> from graph.testing import seed_index
    >>> filename(seed_index(), REGISTRY["graphml"])
    'fentanyl-talks-2024-01-31.graphml'
    >>> filename(seed_index(), REGISTRY["csv"], node="jen-daskal", depth=2)
    'jen-daskal-depth-2.zip'
    """
    if node is not None:
        stem = f"{node}-depth-{depth or 1}"
    else:
        stem = next(iter(ix.articles)) if len(ix.articles) == 1 else "storygraph"
    return f"{_slug(stem)}.{fmt.extension}"
