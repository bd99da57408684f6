"""Paths and neighbourhoods from graph.algorithms.pathfind against brute force over small random graphs."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from graph.algorithms import pathfind, queries
from graph.testing import seed_index


def _random_graph(rng: random.Random, n: int, m: int) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_nodes_from(f"n{i:02d}" for i in range(n))
    for i in range(m):
        u, v = rng.sample(sorted(g), 2) if rng.random() > 0.05 else [f"n{rng.randrange(n):02d}"] * 2
        g.add_edge(u, v, key=f"r{i}")
    return g


def _brute_paths(g: nx.MultiDiGraph, s: str, t: str, max_length: int) -> list[list[str]]:
    simple = nx.Graph(g.to_undirected(as_view=True))
    found = list(nx.all_simple_paths(simple, s, t, cutoff=max_length))
    return sorted(found, key=lambda p: (len(p), p))


@pytest.mark.parametrize("seed", range(8))
def test_paths_are_the_shortest_simple_paths_in_id_order(seed):
    rng = random.Random(seed)
    g = _random_graph(rng, 14, rng.randrange(14, 40))
    for _ in range(25):
        s, t = rng.sample(sorted(g), 2)
        max_length, limit = rng.randrange(1, 6), rng.randrange(1, 12)
        assert pathfind.simple_paths(g, s, t, max_length=max_length, limit=limit) == \
            _brute_paths(g, s, t, max_length)[:limit]


def test_paths_through_a_hub_match_brute_force():
    rng = random.Random(99)
    g = _random_graph(rng, 40, 60)
    for i in range(40):  # a hub: n00 related to everything, some of it twice
        g.add_edge("n00", f"n{i:02d}", key=f"h{i}")
        g.add_edge(f"n{i:02d}", "n00", key=f"k{i}")
    pathfind_two_hop_budget = pathfind.TWO_HOP_BUDGET
    try:
        for budget in (pathfind_two_hop_budget, 0):  # the two-hop set, and the check per entity
            pathfind.TWO_HOP_BUDGET = budget
            for _ in range(30):
                s, t = rng.sample(sorted(g), 2)
                assert pathfind.simple_paths(g, s, t, max_length=4, limit=10) == _brute_paths(g, s, t, 4)[:10]
    finally:
        pathfind.TWO_HOP_BUDGET = pathfind_two_hop_budget


def test_seed_paths_keep_their_shape():
    ix = seed_index()
    found = queries.paths(ix, "jen-daskal", "xi-jinping", max_length=4, limit=10)
    ids = [[n["id"] for n in p["nodes"]] for p in found]
    assert ids == _brute_paths(ix.g, "jen-daskal", "xi-jinping", 4)[:10]


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_small_neighbourhoods_are_whole(depth):
    ix = seed_index()
    for node in sorted(ix.g)[::7]:
        reach, truncated = pathfind.ball(ix.g, node, depth)
        expected = nx.single_source_shortest_path_length(ix.g.to_undirected(as_view=True), node, cutoff=depth)
        assert reach == expected and not truncated
        assert list(reach) == sorted(reach, key=lambda n: (reach[n], n))
        nodes, edges = queries.neighborhood(ix, node, depth=depth)
        sub = ix.g.subgraph(expected)
        assert [n["id"] for n in nodes] == sorted(expected, key=lambda n: (expected[n], n))
        assert sorted(e["id"] for e in edges) == sorted(d["id"] for _, _, d in sub.edges(data=True))


def test_a_hub_neighbourhood_is_cut_nearest_first_and_says_so():
    g = nx.MultiDiGraph()
    for i in range(50):
        g.add_edge("hub", f"a{i:02d}", key=f"r{i}")
        g.add_edge(f"a{i:02d}", f"b{i:02d}", key=f"s{i}")
    reach, truncated = pathfind.ball(g, "hub", 2, max_nodes=20)
    assert truncated and list(reach) == ["hub"] + [f"a{i:02d}" for i in range(19)]
    reach, truncated = pathfind.ball(g, "hub", 2, max_nodes=60)
    assert truncated and list(reach)[:51] == ["hub"] + [f"a{i:02d}" for i in range(50)] and len(reach) == 60
    reach, truncated = pathfind.ball(g, "hub", 2, max_nodes=101)
    assert not truncated and len(reach) == 101
    relations, cut = pathfind.relations_among(g, reach)
    assert not cut and sorted((u, v, k) for u, v, k, _ in relations) == sorted(g.edges(keys=True))


def test_two_hubs_thousands_of_shared_relations_are_cut_nearest_first():
    g = nx.MultiDiGraph()
    for i in range(300):
        g.add_edge("hub", "other", key=f"r{i:03d}", id=f"r{i:03d}")
        g.add_edge("other", "hub", key=f"s{i:03d}", id=f"s{i:03d}")
    g.add_edge("hub", "small", key="t", id="t")
    g.add_edge("small", "small", key="loop", id="loop")
    reach, relations, cut = pathfind.neighbourhood(g, "hub", 1)
    assert list(reach) == ["hub", "other", "small"]
    assert cut and len(relations) == pathfind.BALL_MAX_RELATIONS
    assert [k for _, _, k, _ in relations] == sorted(k for _, _, k in g.edges(keys=True) if k[0] in "rs")[:500]
    relations, cut = pathfind.relations_among(g, reach, max_relations=1000)
    assert not cut and len(relations) == 602 and [k for *_, k, _ in relations][-2:] == ["t", "loop"]


@pytest.mark.parametrize("seed", range(4))
def test_relations_among_are_those_of_the_subgraph(seed):
    rng = random.Random(seed)
    g = _random_graph(rng, 30, 120)
    for node in sorted(g)[:10]:
        for depth in (1, 2):
            reach, _ = pathfind.ball(g, node, depth, max_nodes=12)
            relations, cut = pathfind.relations_among(g, reach, max_relations=10_000)
            assert not cut
            assert sorted((u, v, k) for u, v, k, _ in relations) == sorted(g.subgraph(reach).edges(keys=True))


@pytest.mark.parametrize("seed", range(4))
def test_a_cut_ball_is_the_start_of_the_whole_one(seed):
    rng = random.Random(seed)
    g = _random_graph(rng, 60, 90)
    for i in range(0, 60, 2):  # a hub, so that some levels are read from its smallest ids only
        g.add_edge("n00", f"n{i:02d}", key=f"h{i}")
    for node in sorted(g)[::5]:
        for depth in (1, 2, 3):
            whole = nx.single_source_shortest_path_length(g.to_undirected(as_view=True), node, cutoff=depth)
            ordered = sorted(whole, key=lambda n: (whole[n], n))
            for cap in (1, 2, 3, 5, 8, 40, 100):
                reach, cut = pathfind.ball(g, node, depth, max_nodes=cap)
                assert list(reach) == ordered[:cap] and cut == (len(ordered) > cap)
                assert all(reach[n] == whole[n] for n in reach)
