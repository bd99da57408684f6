"""The graph in the formats other tools open: JSON graph libraries, GraphML, GEXF, CSV.

- :mod:`~graph.readwrite.formats`: the registry of export formats.
- :mod:`~graph.readwrite.exports`: node-link, Cytoscape and what every export shares.
- :mod:`~graph.readwrite.stream`: where an export reads its graph, the index or one database snapshot.
- :mod:`~graph.readwrite.tabular`: two CSV tables in a zip.
- :mod:`~graph.readwrite.xml_exports`: GraphML and GEXF.
- :mod:`~graph.readwrite.xmlsafe`: text any XML 1.0 document can carry.
"""
