"""The bench's store builders agree with the product's write path; Kùzu holds the same graph."""

from __future__ import annotations

import networkx as nx
import pytest
from sqlalchemy import text
from sqlmodel import Session

from bench.generate import generate
from bench.ingest import BulkWriter, bulk_load, verify_in_order
from graph.indexing.index import index_from_stories, load_index
from graph.storage.store import create_schema, make_engine


def fresh(path):
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    return engine


def test_bulk_load_writes_what_write_story_writes(tmp_path):
    stories = list(generate(24, seed=4))
    real, bulk = fresh(tmp_path / "real.db"), fresh(tmp_path / "bulk.db")
    writer = BulkWriter(real)
    writer.write(stories[:10])
    writer.write(stories[10:])
    t = bulk_load(bulk, stories, batch=7)
    assert t.stories == 24 and t.relations == sum(s.n_relations for s in stories)
    with Session(real) as a, Session(bulk) as b:
        ga, gb = load_index(a).g, load_index(b).g
    assert nx.utils.graphs_equal(ga, gb)
    assert all(ga.nodes[n] == gb.nodes[n] for n in ga)
    docs = ('SELECT kind, item_id, field, text, article_id, start, "end", sentence FROM search_doc'
            " ORDER BY 1, 2, 3, 4, 5, 6")
    with real.connect() as a, bulk.connect() as b:
        assert a.execute(text(docs)).all() == b.execute(text(docs)).all()


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    from bench.kuzu_graph import KuzuGraph

    g = index_from_stories(verify_in_order(generate(40, seed=8))).g
    kz = KuzuGraph(g, tmp_path_factory.mktemp("kuzu") / "db")
    yield g, kz
    kz.close()


def test_kuzu_has_the_same_nodes_and_edges(graphs):
    g, kz = graphs
    assert kz.count_nodes() == g.number_of_nodes()
    assert kz.count_edges() == g.number_of_edges()


def test_kuzu_neighbours_and_paths_agree(graphs):
    g, kz = graphs
    undirected = g.to_undirected(as_view=True)
    hubs = sorted(g, key=lambda n: (-g.degree(n), n))
    for n in hubs[:3] + sorted(g)[:5]:
        assert kz.neighbours(n) == set(nx.all_neighbors(g, n))
    nodes = sorted(g)
    for a, b in zip(nodes[:6], nodes[-6:]):
        found = kz.path(a, b)
        try:
            want = nx.shortest_path_length(undirected, a, b)
        except nx.NetworkXNoPath:
            want = None
        if want is None or want > 4:
            assert found is None
        else:
            assert found[0] == a and found[-1] == b and len(found) - 1 == want


def test_kuzu_pattern_by_name(graphs):
    g, kz = graphs
    u, d = next((u, d) for u, _, d in g.edges(data=True) if g.nodes[u]["type"] == "person")
    name = g.nodes[u]["name"]
    want = sorted(k for x, _, k, p in g.out_edges(u, keys=True, data="predicate")
                  if p == d["predicate"] and g.nodes[x]["name"] == name)
    assert sorted(r[0] for r in kz.pattern(name, d["predicate"])) == want
