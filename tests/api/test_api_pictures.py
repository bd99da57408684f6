"""The SVG pictures: valid XML, labels that match the graph, the same bytes every time, a legend."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest
from apitools import ARTICLE_ID, problem

from graph.drawing.render import label_lines

SVG = "{http://www.w3.org/2000/svg}"


def parse(r) -> ET.Element:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/svg+xml"
    assert r.headers["x-content-type-options"] == "nosniff"
    root = ET.fromstring(r.content)
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == root.get("height") == "100%"  # scaled to its box: the size is the viewBox's
    assert all(float(v) > 0 for v in root.get("viewBox").split()[2:])
    return root


def nodes(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-id"): g for g in root.iter(f"{SVG}g") if g.get("class", "").split()[:1] == ["node"]}


def label(g: ET.Element) -> list[str]:
    text = g.find(f"{SVG}text")
    return [t.text for t in text.findall(f"{SVG}tspan")]


def check_nodes(root: ET.Element, expected: list[dict]) -> None:
    shown = nodes(root)
    assert set(shown) == {n["id"] for n in expected}
    for n in expected:
        g = shown[n["id"]]
        assert g.get("data-type") == n["type"]
        assert g.find(f"{SVG}title").text == f"{n['name']} ({n['type']})"
        lines = label(g)
        assert lines == label_lines(n["name"])
        if not lines[-1].endswith("…"):
            assert " ".join(lines) == " ".join(n["name"].split())  # the label is the name, wrapped
        else:
            assert " ".join(n["name"].split()).startswith(" ".join(lines)[:-1].rstrip())
    legend = [g.get("data-type") for g in root.iter(f"{SVG}g") if g.get("class") == "legend-item"]
    assert sorted(legend) == sorted({n["type"] for n in expected})
    for item in root.iter(f"{SVG}g"):
        if item.get("class") == "legend-item":
            assert item.find(f"{SVG}text").text == item.get("data-type")


def test_whole_graph_svg(client):
    r = client.get("/v1/graph.svg")
    root = parse(r)
    assert r.headers["content-disposition"] == f'inline; filename="{ARTICLE_ID}.svg"'
    graph = client.get("/v1/graph").json()
    check_nodes(root, graph["nodes"])
    edges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    ids = {i for g in edges for i in g.get("data-ids").split()}
    assert ids == {e["id"] for e in graph["edges"]}
    assert root.find(f"{SVG}title").text.startswith("storygraph: US says fentanyl talks")
    # No script and no stylesheet: safe to inline under a strict CSP, the same in any viewer.
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}style"))


def test_svg_is_deterministic(client):
    a = client.get("/v1/graph.svg").content
    b = client.get("/v1/graph.svg").content
    assert a == b
    from graph.drawing.render import render_svg
    from graph.readwrite.exports import neighborhood_graph
    from graph.testing import seed_index

    ix = seed_index()
    one = render_svg(neighborhood_graph(ix, "jen-daskal", depth=2), focus="jen-daskal")
    two = render_svg(neighborhood_graph(ix, "jen-daskal", depth=2), focus="jen-daskal")
    assert one == two


@pytest.mark.parametrize("depth", [1, 2])
def test_neighborhood_svg(client, depth):
    r = client.get("/v1/entities/Daskal/neighborhood.svg", params={"depth": depth})
    root = parse(r)
    assert r.headers["content-disposition"] == f'inline; filename="jen-daskal-depth-{depth}.svg"'
    data = client.get("/v1/entities/Daskal/neighborhood", params={"depth": depth}).json()
    check_nodes(root, data["nodes"])
    focus = nodes(root)["jen-daskal"]
    assert "focus" in focus.get("class").split()
    edges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    assert {i for g in edges for i in g.get("data-ids").split()} == {e["id"] for e in data["edges"]}
    assert r.content == client.get("/v1/entities/jen-daskal/neighborhood.svg", params={"depth": depth}).content


def test_neighborhood_svg_is_not_shadowed_and_checks_its_input(client):
    # /v1/entities/{ref} takes one segment: the .svg route answers, not the entity's JSON.
    assert client.get("/v1/entities/wang-xiaohong/neighborhood.svg").headers["content-type"] == "image/svg+xml"
    assert client.get("/v1/entities/wang-xiaohong").headers["content-type"] == "application/json"
    problem(client.get("/v1/entities/daskl/neighborhood.svg"), 404)
    problem(client.get("/v1/entities/daskal/neighborhood.svg", params={"depth": 4}), 422)


def test_svg_paths_are_documented(client):
    doc = client.get("/openapi.json").json()
    for path in ("/v1/graph.svg", "/v1/entities/{ref}/neighborhood.svg"):
        assert "image/svg+xml" in doc["paths"][path]["get"]["responses"]["200"]["content"], path


# --- bounds (issue 10): a node cap with a visible caption, one layout per picture however many ask ----------

def caption(root: ET.Element) -> str | None:
    return next((t.text for t in root.iter(f"{SVG}text") if t.get("class") == "caption"), None)


def test_whole_graph_svg_within_the_cap_is_whole_and_says_so(client):
    r = client.get("/v1/graph.svg")
    assert r.headers["Storygraph-Truncated"] == "false"
    assert caption(parse(r)) is None


@pytest.mark.parametrize("cap", [1, 7])
def test_whole_graph_svg_past_the_cap_draws_the_most_connected_entities_and_says_so(client, monkeypatch, cap):
    from graph.drawing import pictures

    graph = client.get("/v1/graph").json()
    degree = {n["id"]: set() for n in graph["nodes"]}
    for e in graph["edges"]:
        s, o = e["source"], e["target"]
        if s != o:
            degree[s].add(o)
            degree[o].add(s)
    ranked = sorted(degree, key=lambda n: (-len(degree[n]), n))
    monkeypatch.setattr(pictures, "MAX_NODES", cap)
    pictures.clear()
    r = client.get("/v1/graph.svg")
    pictures.clear()
    assert r.headers["Storygraph-Truncated"] == "true"
    root = parse(r)
    assert set(nodes(root)) == set(ranked[:cap])
    total = len(graph["nodes"])
    assert caption(root) is not None and f"{cap} most connected of {total} entities" in caption(root)
    assert f"of {total} entities" in root.find(f"{SVG}desc").text
    kept = set(ranked[:cap])
    edges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    assert {i for g in edges for i in g.get("data-ids").split()} == {
        e["id"] for e in graph["edges"] if e["source"] in kept and e["target"] in kept and e["source"] != e["target"]}


def test_a_picture_past_the_relation_cap_says_so(client, monkeypatch):
    from graph.drawing import pictures

    monkeypatch.setattr(pictures, "MAX_RELATIONS", 3)
    pictures.clear()
    r = client.get("/v1/graph.svg")
    n = client.get("/v1/entities/daskal/neighborhood.svg", params={"depth": 2})
    pictures.clear()
    for answer in (r, n):
        assert answer.headers["Storygraph-Truncated"] == "true"
        root = parse(answer)
        edges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
        assert len({i for g in edges for i in g.get("data-ids").split()}) <= 3
        assert caption(root) is not None


def test_a_cut_neighbourhood_picture_says_so_in_the_picture(client, monkeypatch):
    from graph.algorithms import pathfind
    from graph.drawing import pictures

    monkeypatch.setattr(pathfind, "BALL_MAX_NODES", 3)
    pictures.clear()
    r = client.get("/v1/entities/daskal/neighborhood.svg", params={"depth": 2})
    pictures.clear()
    assert r.headers["Storygraph-Truncated"] == "true"
    root = parse(r)
    assert len(nodes(root)) == 3 and "jen-daskal" in nodes(root)
    assert "nearest" in caption(root)


@pytest.mark.parametrize("path", ["/v1/graph.svg", "/v1/entities/daskal/neighborhood.svg?depth=2"])
def test_identical_pictures_asked_at_once_are_drawn_once(client, monkeypatch, path):
    """Eight requests for the same picture at once: one layout, the others wait for it; the same bytes."""
    from concurrent.futures import ThreadPoolExecutor

    from graph.drawing import pictures, render

    calls: list[int] = []
    layout = render._layout

    def counted(g):
        calls.append(len(g))
        time.sleep(0.5)  # widen the window in which the other requests arrive; nothing asserts on time
        return layout(g)

    monkeypatch.setattr(render, "_layout", counted)
    pictures.clear()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.get(path), range(8)))
    pictures.clear()
    assert [a.status_code for a in answers] == [200] * 8
    assert len({a.content for a in answers}) == 1
    assert len(calls) == 1
