"""The in-memory index every read is answered from: built from the store, swapped whole per revision.

- :mod:`~graph.indexing.index`: the index (a NetworkX MultiDiGraph, its names, orders and articles).
- :mod:`~graph.indexing.build`: reading the store into NetworkX, all of it or what a revision touched.
- :mod:`~graph.indexing.names`: alias-aware name lookup.
- :mod:`~graph.indexing.orders`: sort orders kept beside the graph, for paging.
- :mod:`~graph.indexing.memo`: one memo per index for the answers that cost most.
- :mod:`~graph.indexing.rwlock`: the readers-writer lock that keeps a writer from stalling readers.
"""
