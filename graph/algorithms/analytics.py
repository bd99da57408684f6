"""Key actors: centrality and communities of the story graph, with NetworkX.

Both work on the graph of the selected relations: the relations whose
predicate is one of ``predicates`` and whose two entities are of one of
``types`` (each filter left out means all), with the entities they link.
Entities no selected relation touches are left out.

The graph is immutable for a given revision of the store, so answers are
kept per (measure, filters) in the index's memo (:mod:`graph.indexing.memo`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar, get_args

import networkx as nx

from graph.errors import InvalidParameter
from graph.indexing import memo
from graph.indexing.index import GraphIndex
from graph.vocabulary import PREDICATES, EntityType

Measure = Literal["degree", "betweenness", "pagerank"]
MEASURES: tuple[Measure, ...] = get_args(Measure)
SEED = 20240131  # Louvain's random seed: fixed, so communities are the same on every call
_DIGITS = 12  # scores are rounded so float noise never breaks a tie
_CACHE_SIZE = 128  # answers kept per index
T = TypeVar("T")


def _names(values: Iterable[str] | None, known: Iterable[str], parameter: str, what: str) -> frozenset[str]:
    """Repeated or comma-separated names, checked against ``known``."""
    out = {v.strip() for value in (values or ()) for v in value.split(",") if v.strip()}
    known = set(known)
    bad = sorted(out - known)
    if bad:
        raise InvalidParameter(parameter, f"{', '.join(repr(b) for b in bad)} {'is' if len(bad) == 1 else 'are'} "
                                          f"not {what}; known: {', '.join(sorted(known))}")
    return frozenset(out)


def check_filters(predicates: Iterable[str] | None = None,
                  types: Iterable[str] | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """Validate the ``predicate`` and ``type`` filters; each may repeat or hold commas.

    Examples
    --------
    >>> sorted(check_filters(["met_with,led", "led"], None)[0])
    ['led', 'met_with']
    >>> check_filters(["loves"])
    Traceback (most recent call last):
    ...
    graph.errors.InvalidParameter: Parameter 'predicate': 'loves' is not a predicate; known: about, ...
    """
    return (_names(predicates, PREDICATES, "predicate", "a predicate"),
            _names(types, (t.value for t in EntityType), "type", "an entity type"))


def selected_graph(ix: GraphIndex, predicates: frozenset[str] = frozenset(),
                   types: frozenset[str] = frozenset()) -> nx.MultiDiGraph:
    """The relations of these predicates between entities of these types (empty: all), and their entities.

    Parameters
    ----------
    ix : GraphIndex
        The story graph.
    predicates, types : frozenset of str
        Filters; an empty set keeps every predicate or type.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph, nodes and edges in id order, with the index's attributes.

    Examples
    --------
    >>> from graph.testing import seed_index
    >>> sub = selected_graph(seed_index(), frozenset({"led"}))
    >>> sorted(sub.nodes)
    ['jen-daskal', 'us-delegation']
    """
    g = ix.g
    edges = sorted(((u, v, k, d) for u, v, k, d in g.edges(keys=True, data=True)
                    if (not predicates or d["predicate"] in predicates)
                    and (not types or (g.nodes[u]["type"] in types and g.nodes[v]["type"] in types))),
                   key=lambda e: e[2])
    sub = nx.MultiDiGraph()
    for n in sorted({n for u, v, _, _ in edges for n in (u, v)}):
        sub.add_node(n, **g.nodes[n])
    for u, v, k, d in edges:
        sub.add_edge(u, v, key=k, **d)
    return sub


def _simple(sub: nx.MultiDiGraph) -> nx.Graph:
    """The undirected simple projection; ``weight`` counts the relations between two entities."""
    simple = nx.Graph()
    simple.add_nodes_from(sorted(sub))
    for u, v in sorted(sub.edges()):
        if u == v:
            continue
        if simple.has_edge(u, v):
            simple[u][v]["weight"] += 1
        else:
            simple.add_edge(u, v, weight=1)
    return simple


def _cached(ix: GraphIndex, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """An answer kept in the index's memo at its revision: it goes when the index moves on or goes."""
    answer: T = memo.get(ix, "analytics", key, compute, size=_CACHE_SIZE)
    return answer


def _scores(sub: nx.MultiDiGraph, measure: str) -> dict[str, float]:
    if sub.number_of_nodes() == 0:
        return {}
    scores: dict[str, float]  # networkx is untyped: what it answers, said here
    if measure == "degree":
        scores = nx.degree_centrality(sub)
    elif measure == "betweenness":
        scores = nx.betweenness_centrality(_simple(sub), normalized=True)
    else:
        scores = nx.pagerank(sub, alpha=0.85)
    return scores


def centrality(ix: GraphIndex, measure: str = "degree", *, predicates: Iterable[str] | None = None,
               types: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Entities ranked by a centrality measure, highest first, ties by id.

    Parameters
    ----------
    ix : GraphIndex
        The story graph.
    measure : {"degree", "betweenness", "pagerank"}
        ``degree``: ``networkx.degree_centrality`` of the multigraph, the
        relations in and out (parallel ones count) over n - 1, so unfiltered
        it orders entities as their ``degree`` does. ``betweenness``:
        ``networkx.betweenness_centrality`` (normalized) on the undirected
        simple projection: who brokers between others. ``pagerank``:
        ``networkx.pagerank`` (alpha 0.85) along the relations' direction.
    predicates, types : iterable of str, optional
        Only relations of these predicates between entities of these types
        (each may repeat or hold commas; see :func:`selected_graph`).

    Returns
    -------
    list of dict
        ``{entity: {id, name, type}, score, rank}``; ``rank`` is 1 + the
        number of entities that score strictly higher (ties share a rank).

    Raises
    ------
    InvalidParameter
        An unknown measure, predicate or type, naming ``measure``,
        ``predicate`` or ``type``.

    Examples
    --------
    >>> from graph.testing import seed_index
    >>> top = centrality(seed_index(), "degree", predicates=["led"])
    >>> [(c["entity"]["id"], c["score"], c["rank"]) for c in top]
    [('jen-daskal', 1.0, 1), ('us-delegation', 1.0, 1)]
    """
    if measure not in MEASURES:
        raise InvalidParameter("measure", f"'{measure}' is not one of {', '.join(MEASURES)}")
    preds, kinds = check_filters(predicates, types)

    def compute() -> list[dict[str, Any]]:
        sub = selected_graph(ix, preds, kinds)
        scores = {n: round(float(s), _DIGITS) for n, s in _scores(sub, measure).items()}
        ordered = sorted(scores, key=lambda n: (-scores[n], n))
        out, rank = [], 0
        for i, n in enumerate(ordered):
            if i == 0 or scores[n] < scores[ordered[i - 1]]:
                rank = i + 1
            out.append({"entity": ix.names.ref(n), "score": scores[n], "rank": rank})
        return out

    return _cached(ix, ("centrality", measure, tuple(sorted(preds)), tuple(sorted(kinds))), compute)


def communities(ix: GraphIndex, *, predicates: Iterable[str] | None = None, types: Iterable[str] | None = None,
                resolution: float = 1.0) -> list[dict[str, Any]]:
    """The groups the story falls into: Louvain communities with a fixed seed.

    ``networkx.community.louvain_communities`` runs on the undirected simple
    projection of the selected graph (see :func:`selected_graph`), each edge
    weighted by the number of relations between its two entities, with seed
    :data:`SEED`, so the same graph always gives the same answer.

    Parameters
    ----------
    ix : GraphIndex
        The story graph.
    predicates, types : iterable of str, optional
        Filters, as for :func:`centrality`.
    resolution : float
        Louvain's resolution (> 0): above 1 favours smaller communities.

    Returns
    -------
    list of dict
        ``{id, size, members, label}``, largest first (ties by label, then
        first member). ``members`` are entity refs ordered by degree in the
        selected graph, highest first, ties by id; ``label`` is the name of
        the first, its most central member. ``id`` is the position, from 0.

    Examples
    --------
    >>> from graph.testing import seed_index
    >>> groups = communities(seed_index(), predicates=["led", "met_with"])
    >>> sum(c["size"] for c in groups) == len({m["id"] for c in groups for m in c["members"]})
    True
    >>> communities(seed_index(), predicates=["led"])[0]["label"]
    'Jen Daskal'
    """
    if not resolution > 0:
        raise InvalidParameter("resolution", "must be greater than 0")
    preds, kinds = check_filters(predicates, types)

    def compute() -> list[dict[str, Any]]:
        sub = selected_graph(ix, preds, kinds)
        if sub.number_of_nodes() == 0:
            return []
        simple = _simple(sub)
        degree = dict(sub.degree())
        found = nx.community.louvain_communities(simple, weight="weight", resolution=resolution, seed=SEED)
        groups = []
        for members in found:
            ordered = sorted(members, key=lambda n: (-degree[n], n))
            refs = [ix.names.ref(n) for n in ordered]
            groups.append({"size": len(refs), "members": refs, "label": refs[0]["name"]})
        groups.sort(key=lambda c: (-c["size"], c["label"], c["members"][0]["id"]))
        return [{"id": i} | c for i, c in enumerate(groups)]

    return _cached(ix, ("communities", float(resolution), tuple(sorted(preds)), tuple(sorted(kinds))), compute)
