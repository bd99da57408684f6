"""The export formats: one registry for the API, the CLI and their docs.

Each format renders a graph (the whole index's, or a neighbourhood's
subgraph with the same node and edge attributes) to bytes. Renderers are
imported lazily so that serving JSON never loads rdflib or lxml.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import networkx as nx

    from .index import GraphIndex

Renderer = Callable[["GraphIndex", "nx.MultiDiGraph"], bytes]


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    media_type: str
    extension: str
    renderer: str  # "module:function", imported on first use
    description: str

    def render(self, ix: "GraphIndex", g: "nx.MultiDiGraph") -> bytes:
        module, _, func = self.renderer.partition(":")
        fn: Renderer = getattr(import_module(module), func)
        return fn(ix, g)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format("node-link", "application/json", "json", "graph.exports:node_link_bytes",
               "NetworkX node-link JSON (networkx.node_link_graph, d3-force)"),
        Format("cytoscape", "application/vnd.cytoscape+json", "cyjs", "graph.exports:cytoscape_bytes",
               "Cytoscape.js elements JSON (cy.add(data.elements))"),
        Format("graphml", "application/graphml+xml", "graphml", "graph.xml_exports:graphml_bytes",
               "GraphML (networkx.read_graphml, Gephi, yEd, igraph)"),
        Format("gexf", "application/gexf+xml", "gexf", "graph.xml_exports:gexf_bytes", "GEXF 1.2 (Gephi)"),
        Format("jsonld", "application/ld+json", "jsonld", "graph.rdf:jsonld_bytes",
               "JSON-LD with an inline context (schema.org, PROV-O, Web Annotation)"),
        Format("turtle", "text/turtle", "ttl", "graph.rdf:turtle_bytes", "RDF Turtle (the same triples as jsonld)"),
        Format("csv", "application/zip", "zip", "graph.tabular:csv_zip_bytes",
               "a zip of nodes.csv and edges.csv (pandas, R)"),
    ]
}
