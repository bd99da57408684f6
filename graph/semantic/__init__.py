"""The graph as linked data: its RDF view and a read-only SPARQL endpoint over it.

- :mod:`~graph.semantic.rdf`: schema.org, PROV-O and Web Annotation triples.
- :mod:`~graph.semantic.sparql`: SPARQL 1.1 queries with pyoxigraph, bounded in time and size.
- :mod:`~graph.semantic.sparql_formats`: the answer formats that are XML or JSON-LD.
- :mod:`~graph.semantic.sparql_examples`: the research questions of the docs, as the tests run them.
- :mod:`~graph.semantic.sandbox`: a query worker that cannot open a network connection.
"""
