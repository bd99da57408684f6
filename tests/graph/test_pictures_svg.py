"""Pictures of a graph far past the cap: its most connected entities, one bounded layout, a caption.

The API tests (tests/api/test_api_pictures.py) lower the caps on the seed;
here the graph is really big (2,000 entities, the old code laid all of them out
with Kamada-Kawai: minutes), and the layout is counted, never timed.
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from graph.drawing import pictures, render
from graph.indexing.index import GraphIndex

SVG = "{http://www.w3.org/2000/svg}"
TYPES = ["person", "organization", "country", "event", "claim"]


def big_index(n: int = 2000, seed: int = 7) -> GraphIndex:
    """``n`` entities, about 3n relations, a few hubs (preferential attachment): an archive's shape."""
    rnd = random.Random(seed)
    g = nx.MultiDiGraph()
    ids = [f"e{i:05d}" for i in range(n)]
    for i, v in enumerate(ids):
        g.add_node(v, name=f"Entity {i}", type=TYPES[i % len(TYPES)], aliases=[], description=None,
                   attributes={}, date=None, modality=None, evidence=[])
    ends: list[str] = [ids[0]]
    for i, v in enumerate(ids[1:], 1):
        for k in range(3):
            u = rnd.choice(ends)
            if u != v:
                rid = f"r{i}-{k}"
                g.add_edge(v, u, key=rid, id=rid, predicate="met_with", modality="asserted", qualifiers={},
                           article_id="a", evidence=[])
                ends += [u, v]
    return GraphIndex(g, {}, {})


@pytest.fixture(scope="module")
def big() -> GraphIndex:
    return big_index()


def shown(svg: bytes) -> tuple[set[str], set[str], str | None]:
    root = ET.fromstring(svg)
    nodes = {g.get("data-id") for g in root.iter(f"{SVG}g") if g.get("class", "").split()[:1] == ["node"]}
    ids = {i for g in root.iter(f"{SVG}g") if g.get("class") == "edge" for i in g.get("data-ids").split()}
    caption = next((t.text for t in root.iter(f"{SVG}text") if t.get("class") == "caption"), None)
    return nodes, ids, caption


def test_a_graph_past_the_cap_is_drawn_as_its_most_connected_entities(big, monkeypatch):
    laid_out: list[int] = []
    layout = render._layout
    monkeypatch.setattr(render, "_layout", lambda g: laid_out.append(len(g)) or layout(g))
    picture = pictures.whole_graph(big)
    assert picture.truncated
    assert laid_out == [pictures.MAX_NODES]  # one layout, of the capped graph only
    nodes, ids, caption = shown(picture.svg)
    g = big.g
    degree = {v: len((set(g._succ[v]) | set(g._pred[v])) - {v}) for v in g}
    expected = sorted(g, key=lambda v: (-degree[v], v))[: pictures.MAX_NODES]
    assert nodes == set(expected)
    assert ids and len(ids) <= pictures.MAX_RELATIONS
    assert all(g.edges[u, v, k]["id"] == k for u, v, k in g.edges(keys=True) if k in ids)
    assert caption == (f"Cut to fit: the {pictures.MAX_NODES} most connected of 2,000 entities and "
                       f"{len(ids)} relations among them; more were left out.")
    assert pictures.whole_graph(big) is picture  # kept: asked again, not drawn again
    assert laid_out == [pictures.MAX_NODES]


def test_a_hub_neighbourhood_is_cut_to_the_cap_and_says_so(big):
    hub = pictures.most_connected(big.g, 1)[0]
    picture = pictures.neighbourhood(big, hub, 2)
    assert picture.truncated
    nodes, _, caption = shown(picture.svg)
    assert hub in nodes and len(nodes) == pictures.MAX_NODES
    assert caption.startswith(f"Cut around a hub: the {pictures.MAX_NODES} nearest entities within 2 hops")


def test_the_same_graph_gives_the_same_bytes_past_the_cap():
    a, b = big_index(600, seed=3), big_index(600, seed=3)
    assert a.revision == b.revision and a is not b
    assert pictures.whole_graph(a).svg == pictures.whole_graph(b).svg


def test_a_picture_scales_to_its_box_instead_of_being_cropped():
    """The drawing's size is in the viewBox only: a browser tab, an <img> or a slide scales it to fit."""
    from graph.readwrite.exports import neighborhood_graph
    from graph.testing import seed_index

    for g in (seed_index().g, neighborhood_graph(seed_index(), "jen-daskal", depth=2)):
        root = ET.fromstring(render.render_svg(g))
        x, y, w, h = (float(v) for v in root.get("viewBox").split())
        assert (x, y) == (0.0, 0.0) and w > 0 and h > 0
        assert root.get("width") == "100%" and root.get("height") == "100%"
        assert root.get("preserveAspectRatio", "xMidYMid meet") == "xMidYMid meet"
        background = next(r for r in root.iter(f"{SVG}rect"))
        assert (float(background.get("width")), float(background.get("height"))) == (w, h)
