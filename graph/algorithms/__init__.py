"""Read queries and graph algorithms over the index: pure functions, no I/O.

- :mod:`~graph.algorithms.queries`: entities, relations, claims, events, neighbourhoods.
- :mod:`~graph.algorithms.pathfind`: paths between entities.
- :mod:`~graph.algorithms.analytics`: centrality and communities.
- :mod:`~graph.algorithms.paging`: lists that build only the page asked for.
"""
