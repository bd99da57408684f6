"""Key actors: centrality and communities, checked against values computed here from the graph."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

from graph.algorithms import analytics
from graph.errors import InvalidParameter
from graph.indexing import memo
from graph.indexing.index import index_from_stories
from graph.stories.files import read_story
from graph.testing import SEEDS, seed_index


@pytest.fixture(scope="module")
def ix():
    return seed_index()


def test_degree_ranks_as_the_entities_degree(ix):
    ranked = analytics.centrality(ix, "degree")
    n = ix.g.number_of_nodes() - sum(1 for v in ix.g if ix.g.degree(v) == 0)
    best = max(ix.g, key=lambda v: (ix.g.degree(v), [-ord(c) for c in v]))
    assert ranked[0]["entity"]["id"] == best == "china"
    assert ranked[0]["rank"] == 1
    for item in ranked:
        assert item["score"] == pytest.approx(ix.g.degree(item["entity"]["id"]) / (n - 1))
    keys = [(-i["score"], i["entity"]["id"]) for i in ranked]
    assert keys == sorted(keys)  # by score, ties by id


def test_ties_share_a_rank(ix):
    ranked = analytics.centrality(ix, "degree")
    for prev, item in itertools.pairwise(ranked):
        assert item["rank"] == (prev["rank"] if item["score"] == prev["score"] else ranked.index(item) + 1)
    assert any(a["rank"] == b["rank"] for a, b in itertools.pairwise(ranked))  # the seed has ties


def test_betweenness_on_the_undirected_simple_graph(ix):
    simple = nx.Graph(ix.g.to_undirected())
    simple.remove_edges_from(list(nx.selfloop_edges(simple)))
    simple.remove_nodes_from([v for v in list(simple) if simple.degree(v) == 0])
    expected = nx.betweenness_centrality(simple)
    ranked = analytics.centrality(ix, "betweenness")
    assert {i["entity"]["id"]: i["score"] for i in ranked} == pytest.approx(expected)
    assert ranked[0]["entity"]["id"] == max(expected, key=expected.get)


def test_pagerank_sums_to_one(ix):
    ranked = analytics.centrality(ix, "pagerank")
    assert sum(i["score"] for i in ranked) == pytest.approx(1.0)
    expected = nx.pagerank(ix.g)
    assert ranked[0]["entity"]["id"] == max(expected, key=lambda v: (expected[v], v))


def test_filters_select_relations_and_their_entities(ix):
    ranked = analytics.centrality(ix, "degree", predicates=["asserts,denies"])
    edges = [(u, v) for u, v, p in ix.g.edges(data="predicate") if p in ("asserts", "denies")]
    nodes = {x for e in edges for x in e}
    assert {i["entity"]["id"] for i in ranked} == nodes
    counts = {v: sum(v in e for e in edges) for v in nodes}
    top = max(counts, key=lambda v: (counts[v], [-ord(c) for c in v]))
    assert ranked[0]["entity"]["id"] == top
    typed = analytics.centrality(ix, "degree", types=["person", "country"])
    assert typed and {i["entity"]["type"] for i in typed} <= {"person", "country"}
    people = analytics.centrality(ix, "degree", predicates=["met_with"], types=["person"])
    assert {i["entity"]["id"] for i in people} == {u for a, b, p in ix.g.edges(data="predicate") if p == "met_with"
                                                   for u in (a, b) if ix.g.nodes[u]["type"] == "person"
                                                   and ix.g.nodes[b if u == a else a]["type"] == "person"}


def test_empty_selection(ix):
    assert analytics.centrality(ix, "pagerank", predicates=["edited"], types=["country"]) == []
    assert analytics.communities(ix, predicates=["edited"], types=["country"]) == []


@pytest.mark.parametrize("kwargs, parameter", [
    ({"measure": "closeness"}, "measure"), ({"predicates": ["loves"]}, "predicate"),
    ({"predicates": ["led,loves"]}, "predicate"), ({"types": ["planet"]}, "type"),
])
def test_unknown_names_are_invalid(ix, kwargs, parameter):
    measure = kwargs.pop("measure", "degree")
    with pytest.raises(InvalidParameter) as exc:
        analytics.centrality(ix, measure, **kwargs)
    assert exc.value.parameter == parameter


def test_results_are_cached_per_revision_and_filters(ix):
    a = analytics.centrality(ix, "betweenness", predicates=["led", "met_with"])
    b = analytics.centrality(ix, "betweenness", predicates=["met_with,led"])
    assert a is b  # the same filters, however written
    assert analytics.centrality(ix, "betweenness") is not a
    assert ("centrality", "betweenness", ("led", "met_with")) in [key[:3] for key in memo.kept(ix, "analytics")]


def test_communities_partition_the_graph_and_are_stable(ix):
    groups = analytics.communities(ix)
    members = [m["id"] for c in groups for m in c["members"]]
    assert len(members) == len(set(members)) == sum(1 for v in ix.g if ix.g.degree(v) > 0)
    assert [c["size"] for c in groups] == sorted((c["size"] for c in groups), reverse=True)
    assert [c["id"] for c in groups] == list(range(len(groups)))
    for c in groups:
        assert c["size"] == len(c["members"])
        degrees = [ix.g.degree(m["id"]) for m in c["members"]]
        assert degrees == sorted(degrees, reverse=True) and c["label"] == c["members"][0]["name"]
    fresh = index_from_stories([read_story(d) for d in sorted(SEEDS.iterdir()) if d.is_dir()])
    assert analytics.communities(fresh) == groups  # a fixed seed: the same answer from a new index


def test_resolution_changes_the_grain(ix):
    coarse, fine = analytics.communities(ix, resolution=0.2), analytics.communities(ix, resolution=5)
    assert len(coarse) < len(fine)
    with pytest.raises(InvalidParameter):
        analytics.communities(ix, resolution=0)
