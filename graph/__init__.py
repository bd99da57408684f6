"""storygraph's domain: what a story says, how it is verified, stored, indexed, queried and exported.

Never imports FastAPI: the CLI, the workers and the tests use it without a web server. The subpackages
follow the path a fact takes, from the sheet a person writes to the formats other tools open:

================  ==============================================================================
``stories/``      a story as it comes in: the fact-sheet format, the story directory, the article's
                  sentences and clauses, and the verification against the text and the stored graph
``storage/``      the database, the source of truth: tables, Alembic migrations, writes, the change
                  log, merges, and the full-text search index
``indexing/``     the in-memory index every read is answered from: built from the store, with its
                  name lookup, sort orders, per-revision memo and readers-writer lock
``algorithms/``   read queries, paths, key actors and paging over the index: pure functions
``readwrite/``    the graph in other tools' formats: node-link, Cytoscape, GraphML, GEXF, CSV
``semantic/``     the RDF view and the read-only SPARQL endpoint over it
``drawing/``      SVG pictures of the graph
================  ==============================================================================

Beside them, what every layer shares: :mod:`graph.model` (the knowledge model once a sheet is
verified), :mod:`graph.vocabulary` (entity types, modalities, predicates), :mod:`graph.dates` (EDTF),
:mod:`graph.errors` (the typed domain errors), and :mod:`graph.ingest`, the use cases that run the path:
check a story, or verify and write it in one transaction.
"""
