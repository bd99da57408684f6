"""The export formats: one registry for the API, the CLI and their docs.

Each format renders a graph (the whole index's, or a neighbourhood's
subgraph with the same node and edge attributes) to bytes, and streams the
whole stored graph from a source of :mod:`graph.readwrite.stream` as chunks (the same
writer: the same bytes, but RDF, whose streamed form has the same triples).
Renderers are imported lazily so that serving JSON never loads rdflib or lxml.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

    from graph.indexing.index import GraphIndex

Renderer = Callable[["GraphIndex", "nx.MultiDiGraph"], bytes]


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    media_type: str
    extension: str
    renderer: str  # "module:function", imported on first use
    description: str
    streamer: str = ""  # "module:function" taking a graph.readwrite.stream source, yielding chunks

    def render(self, ix: GraphIndex, g: nx.MultiDiGraph) -> bytes:
        module, _, func = self.renderer.partition(":")
        fn: Renderer = getattr(import_module(module), func)
        return fn(ix, g)

    def stream(self, source: Any) -> Iterator[bytes]:
        module, _, func = self.streamer.partition(":")
        fn: Callable[[Any], Iterator[bytes]] = getattr(import_module(module), func)
        return fn(source)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format("node-link", "application/json", "json", "graph.readwrite.exports:node_link_bytes",
               "NetworkX node-link JSON (networkx.node_link_graph, d3-force)",
               "graph.readwrite.exports:node_link_chunks"),
        Format("cytoscape", "application/vnd.cytoscape+json", "cyjs", "graph.readwrite.exports:cytoscape_bytes",
               "Cytoscape.js elements JSON (cy.add(data.elements))", "graph.readwrite.exports:cytoscape_chunks"),
        Format("graphml", "application/graphml+xml", "graphml", "graph.readwrite.xml_exports:graphml_bytes",
               "GraphML (networkx.read_graphml, Gephi, yEd, igraph)", "graph.readwrite.xml_exports:graphml_chunks"),
        Format("gexf", "application/gexf+xml", "gexf", "graph.readwrite.xml_exports:gexf_bytes", "GEXF 1.2 (Gephi)",
               "graph.readwrite.xml_exports:gexf_chunks"),
        Format("jsonld", "application/ld+json", "jsonld", "graph.semantic.rdf:jsonld_bytes",
               "JSON-LD with an inline context (schema.org, PROV-O, Web Annotation)",
               "graph.semantic.rdf:jsonld_chunks"),
        Format("turtle", "text/turtle", "ttl", "graph.semantic.rdf:turtle_bytes",
               "RDF Turtle (the same triples as jsonld)",
               "graph.semantic.rdf:turtle_chunks"),
        Format("csv", "application/zip", "zip", "graph.readwrite.tabular:csv_zip_bytes",
               "a zip of nodes.csv and edges.csv (pandas, R)", "graph.readwrite.tabular:csv_zip_chunks"),
    ]
}
