"""Walks over the graph as an undirected simple graph, without copying it.

Why this module: ``/v1/paths`` ran Yen's algorithm (``nx.shortest_simple_paths``)
over an undirected copy of the whole graph, and neighbourhoods collected the
whole reachable set before selecting from it. At 1,000,000 relations, with
hubs of tens of thousands of relations, both took seconds. Here every walk
reads the MultiDiGraph's own adjacency (``g._succ`` and ``g._pred``: direction
and parallel relations ignored) and does work bounded by what it returns.

Paths
-----
:func:`simple_paths` gives the simple paths (no entity twice) of at most
``max_length`` hops, **shortest first, then in lexicographic order of their
entity ids read from the source**, at most ``limit`` of them. That order is a
property of the graph alone (not of the order entities were loaded in), so an
index updated in place and one rebuilt from the database answer alike.

It enumerates lengths one at a time by depth-first search from the source,
neighbours in id order, pruned by distances to the target: the entities one and
two hops from the target are collected once, so a branch that can no longer
reach the target in the hops left is cut at once. It stops at ``limit``.

Neighbourhoods
--------------
:func:`ball` gives the entities within ``depth`` hops, nearest first and then
by id, at most ``max_nodes`` of them, and says whether it stopped short. A
level is expanded only while the levels before it have fewer than
``max_nodes`` entities, so a hub's thousands of neighbours are never walked
further. :func:`relations_among` gives the relations among them, at most
:data:`BALL_MAX_RELATIONS` (two countries may share thousands), those of the
nearest entities first. :func:`neighbourhood` is both, with one ``truncated``
flag.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from typing import Any

import networkx as nx

BALL_MAX_NODES = 200  # entities in a neighbourhood answer, the centre included
BALL_MAX_RELATIONS = 500  # relations among them
TWO_HOP_BUDGET = 20_000  # relations read to collect the entities two hops from a path's target


def neighbours(g: nx.MultiDiGraph, node: str) -> set[str]:
    """The entities one relation away, either direction, without ``node`` itself.

    >>> g = nx.MultiDiGraph([("a", "b"), ("c", "a"), ("a", "a")])
    >>> sorted(neighbours(g, "a"))
    ['b', 'c']
    """
    out: set[str] = g._succ[node].keys() | g._pred[node].keys()
    out.discard(node)
    return out


def _adjacent(g: nx.MultiDiGraph, a: str, b: str) -> bool:
    return b in g._succ[a] or b in g._pred[a]


def simple_paths(g: nx.MultiDiGraph, source: str, target: str, *, max_length: int, limit: int) -> list[list[str]]:
    """Simple paths from ``source`` to ``target``, ignoring direction; order as in the module docstring.

    >>> g = nx.MultiDiGraph([("s", "a"), ("a", "t"), ("s", "b"), ("t", "b"), ("s", "c"), ("c", "d"), ("d", "t")])
    >>> simple_paths(g, "s", "t", max_length=3, limit=10)
    [['s', 'a', 't'], ['s', 'b', 't'], ['s', 'c', 'd', 't']]
    >>> simple_paths(g, "s", "t", max_length=3, limit=1)
    [['s', 'a', 't']]
    >>> simple_paths(g, "s", "t", max_length=1, limit=10)
    []
    """
    if source == target:
        return [[source]]
    out: list[list[str]] = []
    near = _TargetSide(g, target)
    for length in range(1, max_length + 1):
        if length in (3, 4):
            out += _three_or_four(g, source, near, length, limit - len(out))
            if len(out) >= limit:
                return out
            continue
        for path in _paths_of_length(g, source, near, length):
            out.append(path)
            if len(out) >= limit:
                return out
    return out


def _degree(g: nx.MultiDiGraph, x: str) -> int:
    """Neighbour entries (either direction), an upper bound of the neighbours: what scanning them costs."""
    return len(g._succ[x]) + len(g._pred[x])


def _linked(g: nx.MultiDiGraph, x: str, among: set[str]) -> list[str]:
    """The members of ``among`` adjacent to ``x`` (either direction), reading the smaller side."""
    succ, pred = g._succ[x], g._pred[x]
    if len(succ) + len(pred) <= len(among):
        return [m for m in succ.keys() | pred.keys() if m in among]
    return [m for m in among if m in succ or m in pred]


def _three_or_four(g: nx.MultiDiGraph, source: str, near: _TargetSide, length: int, limit: int) -> list[list[str]]:
    """The first ``limit`` simple paths of exactly three or four hops, in id order.

    Paths are ``source, x, [m,] y, target`` with ``x`` a neighbour of the
    source and ``y`` one of the target. When the target's side is the cheaper
    one to read (a hub source, a quiet target), every such path is collected
    from there and sorted; otherwise the source's neighbours are taken in id
    order and the walk stops at ``limit``.
    """
    target = near.target
    a = neighbours(g, source)
    a.discard(target)
    b = set(near.one)
    b.discard(source)
    if not a or not b:
        return []
    if length == 3:
        if _cheaper(g, b, len(a), lambda y: min(_degree(g, y), len(a))):
            found = sorted((x, y) for y in b for x in _linked(g, y, a) if x != y)
            return [[source, x, y, target] for x, y in found[:limit]]
        out: list[list[str]] = []
        for x in sorted(a):
            out += [[source, x, y, target] for y in sorted(_linked(g, x, b)) if y != x]
            if len(out) >= limit:
                break
        return out[:limit]
    ends = {source, target}
    sets: dict[str, set[str]] = {}

    def memo(x: str) -> set[str]:  # set intersections run in C: two hubs' common neighbours in a millisecond
        if x not in sets:
            sets[x] = neighbours(g, x)
        return sets[x]

    if _cheaper(g, b, len(a) * min(len(b), 8), lambda y: 2 * _degree(g, y)):
        found4 = sorted((x, m, y) for y in b for m in neighbours(g, y) - ends
                        for x in _linked(g, m, a) if x != y and x != m)
        return [[source, x, m, y, target] for x, m, y in found4[:limit]]
    out = []
    for x in sorted(a):
        ways: list[tuple[str, str]] = []
        if len(b) <= 64:
            around_x = memo(x)
            for y in b:
                if y != x:
                    ways += [(m, y) for m in around_x & memo(y) if m not in ends]
        else:  # many target neighbours: the middle entities in id order, until the page is full
            for m in sorted(neighbours(g, x) - ends):
                ways += [(m, y) for y in sorted(_linked(g, m, b)) if y != x and y != m]
                if len(out) + len(ways) >= limit:
                    break
        out += [[source, x, m, y, target] for m, y in sorted(ways)[: limit - len(out)]]
        if len(out) >= limit:
            break
    return out


def _cheaper(g: nx.MultiDiGraph, items: set[str], bound: int, cost: Callable[[str], int]) -> bool:
    """Whether the summed ``cost`` of ``items`` stays under ``bound`` (stops adding once it does not)."""
    total = 0
    for y in items:
        total += cost(y)
        if total >= bound:
            return False
    return True


class _TargetSide:
    """What is known around the target: its neighbours, and the entities two hops away when that set is small.

    When the target's neighbours have more than :data:`TWO_HOP_BUDGET` relations
    between them (a hub, or a neighbour of one), "two hops away" is checked per
    entity instead, by looking for a common neighbour on the smaller side.
    """

    def __init__(self, g: nx.MultiDiGraph, target: str) -> None:
        self.g, self.target = g, target
        self.one = neighbours(g, target)
        self._two: set[str] | None = None
        self._cost: int | None = None

    def _two_hops(self) -> set[str] | None:
        if self._two is None and self._cost is None:
            g = self.g
            self._cost = 0
            for y in self.one:
                self._cost += len(g._succ[y]) + len(g._pred[y])
                if self._cost > TWO_HOP_BUDGET:
                    break
            if self._cost <= TWO_HOP_BUDGET:
                two = set(self.one)
                two.add(self.target)
                for y in self.one:
                    two.update(g._succ[y])
                    two.update(g._pred[y])
                self._two = two
        return self._two

    def _near_one(self, x: str) -> bool:
        """Whether ``x`` has a neighbour among the target's neighbours."""
        g, one = self.g, self.one
        succ, pred = g._succ[x], g._pred[x]
        if len(succ) + len(pred) <= len(one):
            return any(m in one for m in succ) or any(m in one for m in pred)
        return any(m in succ or m in pred for m in one)

    def within(self, x: str, hops: int) -> bool:
        """Whether ``x`` is at most ``hops`` from the target (a necessary condition for a path of that many hops)."""
        if x == self.target:
            return True
        if hops <= 0:
            return False
        if x in self.one:
            return True
        if hops == 1:
            return False
        two = self._two_hops()
        if hops == 2:
            return x in two if two is not None else self._near_one(x)
        if hops == 3 and two is not None:
            g = self.g
            return any(m in two for m in g._succ[x]) or any(m in two for m in g._pred[x])
        return True  # three hops and more: not pruned


def _paths_of_length(g: nx.MultiDiGraph, source: str, near: _TargetSide, length: int) -> Iterator[list[str]]:
    """Every simple path of exactly ``length`` hops, in lexicographic order of ids."""
    if not near.within(source, length):
        return
    target = near.target
    path = [source]
    on_path = {source}

    def walk(node: str, left: int) -> Iterator[list[str]]:
        if left == 1:
            if _adjacent(g, node, target):
                yield [*path, target]
            return
        if left == 2:
            # The middle entity must neighbour both: scan the smaller side.
            mine = g._succ[node].keys() | g._pred[node].keys()
            small, big = (mine, near.one) if len(mine) <= len(near.one) else (near.one, mine)
            for m in sorted(x for x in small if x in big and x not in on_path and x != target):
                yield [*path, m, target]
            return
        for m in sorted(neighbours(g, node)):
            if m in on_path or m == target or not near.within(m, left - 1):
                continue
            path.append(m)
            on_path.add(m)
            yield from walk(m, left - 1)
            path.pop()
            on_path.discard(m)

    yield from walk(source, length)


def ball(g: nx.MultiDiGraph, node: str, depth: int, max_nodes: int | None = None) -> tuple[dict[str, int], bool]:
    """Entities within ``depth`` hops of ``node`` (either direction) with their distance, and whether it was cut.

    Ordered nearest first, then by id, and cut after ``max_nodes`` (default
    :data:`BALL_MAX_NODES`): the second
    value is True when entities within ``depth`` were left out.

    >>> g = nx.MultiDiGraph([("a", "b"), ("c", "a"), ("b", "d"), ("d", "e")])
    >>> ball(g, "a", 2)
    ({'a': 0, 'b': 1, 'c': 1, 'd': 2}, False)
    >>> ball(g, "a", 2, max_nodes=2)
    ({'a': 0, 'b': 1}, True)
    """
    if max_nodes is None:
        max_nodes = BALL_MAX_NODES
    reach = {node: 0}
    frontier = [node]
    for level in range(1, depth + 1):
        room = max_nodes - len(reach)
        # Only the ``room`` smallest new ids of the level can be kept: from an entity with many more
        # neighbours than that (a hub), only its smallest ids are read into the level.
        keep = room + len(reach)
        found: set[str] = set()
        trimmed = False
        for x in frontier:
            for side in (g._succ[x], g._pred[x]):
                if len(side) > 4 * keep:
                    found.update(heapq.nsmallest(keep, side))
                    trimmed = True
                else:
                    found.update(side)
        found.difference_update(reach)
        if not found:
            break
        if trimmed or len(found) > room:
            for x in heapq.nsmallest(room, found):
                reach[x] = level
            return reach, True
        frontier = sorted(found)
        for x in frontier:
            reach[x] = level
    return reach, False


def relations_among(g: nx.MultiDiGraph, nodes: dict[str, int], max_relations: int | None = None
                    ) -> tuple[list[tuple[str, str, str, dict[str, Any]]], bool]:
    """The relations ``(u, v, key, data)`` with both ends in ``nodes``, at most ``max_relations``, and whether cut.

    ``nodes`` is in answer order (as :func:`ball` gives it). Entities are taken
    in that order, each with its relations to the entities before it (and to
    itself), the other end in answer order, parallel relations by id; the walk
    stops at the cap, so two hubs' thousands of shared relations are not all
    read. A hub's own relations are not walked either: each entity reads the
    smaller of its adjacency and the entities before it. Default cap:
    :data:`BALL_MAX_RELATIONS`.

    >>> g = nx.MultiDiGraph([("a", "b", "r1"), ("b", "c", "r2"), ("c", "a", "r3"), ("b", "a", "r4")])
    >>> rels, cut = relations_among(g, {"a": 0, "b": 1})
    >>> [(u, v, k) for u, v, k, _ in rels], cut
    ([('a', 'b', 'r1'), ('b', 'a', 'r4')], False)
    >>> len(relations_among(g, {"a": 0, "b": 1, "c": 1}, max_relations=2)[0])
    2
    """
    if max_relations is None:
        max_relations = BALL_MAX_RELATIONS
    rank = {n: i for i, n in enumerate(nodes)}
    order = list(nodes)
    out: list[tuple[str, str, str, dict[str, Any]]] = []
    for i, u in enumerate(order):
        succ, pred = g._succ[u], g._pred[u]
        if len(succ) + len(pred) <= i + 1:
            others = sorted({v for v in succ.keys() | pred.keys() if rank.get(v, i + 1) <= i}, key=rank.__getitem__)
        else:
            others = [v for v in order[: i + 1] if v in succ or v in pred]
        for v in others:
            pair = [(u, v, k, d) for k, d in succ.get(v, {}).items()]
            if v != u:
                pair += [(v, u, k, d) for k, d in pred.get(v, {}).items()]
            pair.sort(key=lambda e: e[3].get("id", e[2]))
            if len(out) + len(pair) > max_relations:
                out += pair[: max_relations - len(out)]
                return out, True
            out += pair
    return out, False


def neighbourhood(g: nx.MultiDiGraph, node: str, depth: int) -> tuple[dict[str, int], list[tuple[Any, ...]], bool]:
    """:func:`ball` and :func:`relations_among` with their defaults: entities, relations, and whether either was cut."""
    reach, cut = ball(g, node, depth)
    relations, cut_relations = relations_among(g, reach)
    return reach, relations, cut or cut_relations
