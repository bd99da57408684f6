"""The pictures the API serves: which entities they show, and one drawing per picture however many ask.

Why this module: drawing is the most expensive read the service has (a
layout of every entity shown, then the label boxes), and it had no bound.
The whole graph of a large archive has a hundred thousand entities, and four
clients asking for the same picture at once made four drawings of it.

Bounds
    A picture shows at most :data:`MAX_NODES` entities and :data:`MAX_RELATIONS`
    relations among them (the neighbourhood answer's own caps, so a
    neighbourhood is drawn as ``/v1/entities/{ref}/neighborhood`` answers it).
    :func:`whole_graph` beyond that draws the most connected entities (the
    most distinct neighbours, either direction; ties by id) and the relations
    among them, those of the most connected first; :func:`neighbourhood` draws
    the nearest entities (:func:`graph.algorithms.pathfind.neighbourhood`). A cut picture
    says so in a caption under its title and in its ``<desc>``, and
    :attr:`Picture.truncated` is True (the API's ``Storygraph-Truncated``).
    The layout's own work is bounded too (:mod:`graph.drawing.render`).

One drawing per picture
    Pictures are kept in the index's memo (:mod:`graph.indexing.memo`), the last
    :data:`CACHE_SIZE` of its revision. A request for a picture that is being
    drawn waits for that drawing instead of starting its own ("single flight"):
    eight identical requests at once make one layout. How many different
    pictures are drawn at once is the HTTP layer's concern (its gates), not
    this module's.

>>> from graph.testing import seed_index
>>> ix = seed_index()
>>> p = whole_graph(ix)
>>> p.truncated, p.svg.startswith(b"<?xml"), whole_graph(ix) is p
(False, True, True)
>>> neighbourhood(ix, "wang-xiaohong", 1).svg.count(b' data-id=')
4
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx

from graph.algorithms import pathfind
from graph.drawing import render
from graph.errors import InvalidParameter
from graph.indexing import memo

if TYPE_CHECKING:
    from graph.indexing.index import GraphIndex

MAX_NODES = 200  # entities in a picture: as a neighbourhood answer (pathfind.BALL_MAX_NODES)
MAX_RELATIONS = 500  # relations among them: as a neighbourhood answer (pathfind.BALL_MAX_RELATIONS)
CACHE_SIZE = 32  # pictures kept per index; a picture of 200 entities is about 300 KB


@dataclass(frozen=True, slots=True)
class Picture:
    svg: bytes
    truncated: bool  # entities or relations were left out


def _kept(ix: GraphIndex, key: tuple[Any, ...], draw: Callable[[], Picture]) -> Picture:
    picture: Picture = memo.get(ix, "picture", key, draw, size=CACHE_SIZE)
    return picture


def clear() -> None:
    """Forget every kept picture (tests that change a cap)."""
    memo.clear("picture")


def most_connected(g: nx.MultiDiGraph, k: int) -> list[str]:
    """The ``k`` entities with the most distinct neighbours (either direction, not themselves); ties by id.

    Counting distinct neighbours builds a set per entity; entities are taken
    in order of a cheap upper bound (successors plus predecessors), and the
    walk stops once that bound falls below the k-th best count, so only the
    candidates near the top are counted (a hundred thousand entities: the
    bounds are read, a few hundred sets built).

    >>> g = nx.MultiDiGraph([("a", "b"), ("a", "b"), ("c", "a"), ("d", "c"), ("d", "d")])
    >>> most_connected(g, 2)
    ['a', 'c']
    """
    if k <= 0:
        return []
    succ, pred = g._succ, g._pred
    heap: list[tuple[int, _Desc]] = []  # the kept k, worst (fewest neighbours, then greatest id) first
    candidates = [(-(len(succ[v]) + len(pred[v])), v) for v in g]
    heapq.heapify(candidates)  # popped in order of the bound, most first: no sort of every entity
    while candidates:
        bound, v = heapq.heappop(candidates)
        if len(heap) == k and -bound < heap[0][0]:
            break
        around = succ[v].keys() | pred[v].keys()
        item = (len(around) - (v in around), _Desc(v))
        if len(heap) < k:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)
    return [v for _, v in sorted((-count, d.v) for count, d in heap)]


class _Desc:
    """An id ordered backwards, so that in a min-heap of (count, id) the greatest id of a count is the worst."""

    __slots__ = ("v",)

    def __init__(self, v: str) -> None:
        self.v = v

    def __lt__(self, other: _Desc) -> bool:
        return self.v > other.v

    def __gt__(self, other: _Desc) -> bool:
        return self.v < other.v

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.v == other.v


def _subgraph(g: nx.MultiDiGraph, nodes: list[str], relations: list[tuple[Any, ...]]) -> nx.MultiDiGraph:
    h = nx.MultiDiGraph(**g.graph)
    h.add_nodes_from((n, g.nodes[n]) for n in nodes)
    h.add_edges_from(relations)
    return h


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def whole_graph(ix: GraphIndex) -> Picture:
    """The whole graph, or its :data:`MAX_NODES` most connected entities and relations among them, as an SVG."""
    return _kept(ix, (None, 0), lambda: _draw_whole(ix))


def _draw_whole(ix: GraphIndex) -> Picture:
    g = ix.g
    titles = [a.get("title") for a in ix.articles.values()]
    title = f"storygraph: {titles[0]}" if len(titles) == 1 and titles[0] else "storygraph"
    total = g.number_of_nodes()
    if total <= MAX_NODES and g.number_of_edges() <= MAX_RELATIONS:
        return Picture(render.render_svg(g, title=title), False)
    shown = most_connected(g, MAX_NODES)
    relations, cut = pathfind.relations_among(g, dict.fromkeys(shown, 0), MAX_RELATIONS)
    entities = (f"all {_count(total, 'entity', 'entities')}" if total <= MAX_NODES
                else f"the {len(shown):,} most connected of {_count(total, 'entity', 'entities')}")
    caption = (f"Cut to fit: {entities} and "
               + (f"{_count(len(relations), 'relation', 'relations')} among them; more were left out."
                  if cut else "every relation among them."))
    return Picture(render.render_svg(_subgraph(g, shown, relations), title=title, caption=caption), True)


def neighbourhood(ix: GraphIndex, node: str, depth: int) -> Picture:
    """The entities within ``depth`` hops of ``node`` and the relations among them, cut around a hub, as an SVG."""
    if not 1 <= depth <= 3:
        raise InvalidParameter("depth", "must be 1, 2 or 3")
    return _kept(ix, (node, depth), lambda: _draw_neighbourhood(ix, node, depth))


def _draw_neighbourhood(ix: GraphIndex, node: str, depth: int) -> Picture:
    g = ix.g
    reach, cut = pathfind.ball(g, node, depth, max_nodes=min(pathfind.BALL_MAX_NODES, MAX_NODES))
    relations, cut_relations = pathfind.relations_among(
        g, reach, max_relations=min(pathfind.BALL_MAX_RELATIONS, MAX_RELATIONS))
    name = g.nodes[node].get("name", node)
    hops = f"{depth} hop{'s' if depth > 1 else ''}"
    caption = None
    if cut or cut_relations:
        caption = (f"Cut around a hub: the {_count(len(reach), 'nearest entity', 'nearest entities')} within {hops}"
                   f" and {_count(len(relations), 'relation', 'relations')} among them; more were left out.")
    svg = render.render_svg(_subgraph(g, list(reach), relations), focus=node, title=f"{name}: {hops} around",
                            caption=caption)
    return Picture(svg, cut or cut_relations)
