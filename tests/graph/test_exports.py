import json

import networkx as nx

from graph.readwrite.exports import cytoscape_data, cytoscape_graph, node_link_data, node_link_graph
from graph.testing import seed_index


def _same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> bool:
    return (dict(a.nodes(data=True)) == dict(b.nodes(data=True))
            and sorted(a.edges(keys=True, data="id")) == sorted(b.edges(keys=True, data="id"))
            and all(a.edges[e] == b.edges[e] for e in a.edges(keys=True)))


def test_node_link_round_trips_through_json():
    g = seed_index().g
    assert _same(node_link_graph(json.loads(json.dumps(node_link_data(g)))), g)


def test_cytoscape_round_trips_and_labels_elements():
    g = seed_index().g
    data = json.loads(json.dumps(cytoscape_data(g)))
    assert _same(cytoscape_graph(data), g)
    node = next(n for n in data["elements"]["nodes"] if n["data"]["id"] == "jen-daskal")
    assert node["data"]["label"] == "Jen Daskal"
    edge_ids = [e["data"]["id"] for e in data["elements"]["edges"]]
    assert len(edge_ids) == len(set(edge_ids)) == g.number_of_edges()


# --- the whole stored graph, streamed from the database (graph.readwrite.stream) ----------------------------

import io  # noqa: E402
import shutil  # noqa: E402
import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.generate import generate, write_story_dir  # noqa: E402
from graph.indexing.index import load_index  # noqa: E402
from graph.ingest import ingest_path  # noqa: E402
from graph.readwrite.formats import FORMATS  # noqa: E402
from graph.readwrite.stream import DbSource, export_stream, snapshot  # noqa: E402
from graph.storage.store import create_schema, make_engine  # noqa: E402
from graph.testing import SEEDS  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")  # its JSON-LD parser


GENERATED = list(generate(14, seed=5))  # the store holds the first 12; two more arrive during a stream


def _story_folder(root: Path, seed: bool, stories: list) -> Path:
    root.mkdir(parents=True)
    if seed:
        for story in SEEDS.iterdir():
            if story.is_dir():
                shutil.copytree(story, root / story.name)
    for story in stories:
        write_story_dir(root, story)
    return root


@pytest.fixture(scope="module", params=["seed", "seed+generated"])
def store(request, backend, tmp_path_factory):
    """A database holding the seed (and, in the second case, a dozen generated articles sharing entities)."""
    url = backend.url("exports")
    engine = make_engine(url)
    create_schema(engine)
    generated = request.param != "seed"
    ingest_path(engine, _story_folder(tmp_path_factory.mktemp("stories") / "in", True,
                                      GENERATED[:12] if generated else []))
    yield engine, tmp_path_factory, GENERATED[12:] if generated else GENERATED[:2]
    engine.dispose()
    backend.drop(url)


def _index(engine):
    with Session(engine) as session:
        return load_index(session)


def _triples(data: bytes, syntax: str):
    from rdflib import BNode, Graph

    g = Graph().parse(data=data, format=syntax)
    return len(g), {t for t in g if not any(isinstance(x, BNode) for x in t)}


def same_export(name: str, streamed: bytes, rendered: bytes) -> None:
    """Streamed and rendered: the same bytes; the same members for the zip; the same triples for RDF."""
    if name == "csv":
        with zipfile.ZipFile(io.BytesIO(streamed)) as a, zipfile.ZipFile(io.BytesIO(rendered)) as b:
            assert a.testzip() is None and a.namelist() == b.namelist() == ["nodes.csv", "edges.csv"]
            for member in a.namelist():
                assert a.read(member) == b.read(member), member
    elif name in ("turtle", "jsonld"):
        syntax = "turtle" if name == "turtle" else "json-ld"
        assert _triples(streamed, syntax) == _triples(rendered, syntax)
    else:
        assert streamed == rendered


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_streamed_export_is_the_rendered_one(store, name):
    engine, *_ = store
    ix = _index(engine)
    fmt = FORMATS[name]
    same_export(name, b"".join(export_stream(engine, fmt)), fmt.render(ix, ix.g))


def test_small_batches_give_the_same_export(store):
    """Batches split subjects' runs of relations and the IN (...) lists anywhere: the order holds."""
    engine, *_ = store
    ix = _index(engine)
    for name in ("node-link", "graphml", "csv"):
        fmt = FORMATS[name]
        with snapshot(engine) as conn:
            streamed = b"".join(fmt.stream(DbSource(conn, batch=3)))
        same_export(name, streamed, fmt.render(ix, ix.g))


def test_a_stream_reads_one_snapshot_while_the_store_moves_on(store):
    engine, tmp, later = store
    before = _index(engine)
    fmt = FORMATS["node-link"]
    stream = export_stream(engine, fmt)  # the snapshot is taken here, before a byte is read
    ingest_path(engine, _story_folder(tmp.mktemp("later") / "in", False, later))
    assert b"".join(stream) == fmt.render(before, before.g)
    after = _index(engine)
    assert after.g.number_of_edges() > before.g.number_of_edges()
    assert b"".join(export_stream(engine, fmt)) == fmt.render(after, after.g)


def test_a_dropped_stream_gives_back_its_connection(store):
    engine, *_ = store
    for _ in range(engine.pool.size() + 3 if hasattr(engine.pool, "size") else 8):
        stream = export_stream(engine, FORMATS["gexf"])
        next(stream)
        stream.close()  # a client gone away: the transaction ends, the connection goes back to the pool
    assert b"".join(export_stream(engine, FORMATS["node-link"])).startswith(b'{"directed":true')


def test_a_streamed_rdf_export_credits_the_articles_entities(store):
    """The streamed whole graph resolves the article's credits and its document entity as the in-memory view."""
    from rdflib import Graph

    from graph.semantic.rdf import ARTICLE, ENTITY, SCHEMA

    engine, *_ = store
    g = Graph().parse(data=b"".join(export_stream(engine, FORMATS["turtle"])), format="turtle")
    a = ARTICLE["fentanyl-talks-2024-01-31"]
    assert list(g.objects(a, SCHEMA.author)) == [ENTITY["antoni-slodkowski"]]
    assert list(g.objects(a, SCHEMA.publisher)) == [ENTITY["reuters"]]
    assert not list(g.triples((ENTITY["the-article"], None, None)))
    assert b"".join(export_stream(engine, FORMATS["turtle"])) == b"".join(export_stream(engine, FORMATS["turtle"]))
