"""Pictures of the graph: SVG for papers, slides and the explorer page.

The layout puts entities so that their distances on the page follow their
distances in the graph (stress majorization, the energy Kamada-Kawai
minimizes): a start from three pivot entities' distances, then at most
:data:`LAYOUT_ROUNDS` majorization rounds, each a few n-by-n matrix
products. The jitter is seeded and the nodes and edges are read in sorted
order, so the same graph always gives the same picture (the same bytes).
Label boxes are then pushed apart, at most :data:`SPREAD_CHECKS` times. How
many entities a picture may hold is :mod:`graph.drawing.pictures`' business (it cuts
big graphs first).

Why not NetworkX's ``kamada_kawai_layout``: it runs SciPy's optimizer to
convergence with no bound on its iterations. The seed's 70 entities took
1.8 s, a 60-entity chain 5.7 s and a 200-entity one 40 s, where
:func:`_layout` takes tenths of a second at 200 entities whatever their shape.

The drawing's size is its ``viewBox``; ``width`` and ``height`` are 100%, so a
browser tab, an ``<img>`` or a slide scales the whole picture to its box
(a fixed pixel size made a browser crop a big graph instead). Each edge label
names its ends (``data-source``, ``data-target``), so a page can show the
labels of the node under the pointer only.

The SVG is written with :mod:`xml.etree.ElementTree` and uses presentation
attributes only (no ``<style>``, no script), so it shows the same in a
browser, in Inkscape or embedded in a page with a strict
Content-Security-Policy. Every text and attribute goes through
:func:`graph.readwrite.xmlsafe.xml_safe`: a name holding U+0001 is drawn with U+FFFD
there, and the picture stays XML.

Each node is a ``<g class="node" data-id=… data-type=…>`` holding a ``<title>``
with the entity's full name, a circle coloured by type and a label (long
names are wrapped and, past three lines, shortened with "…"); each edge is a
``<g class="edge" data-source=… data-target=…>`` with an arrow and its
predicates as label. A legend lists the types shown; a ``caption`` (a cut
graph's, say) is written under the title and in the ``<desc>``.

>>> from graph.testing import seed_index
>>> from graph.readwrite.exports import neighborhood_graph
>>> svg = render_svg(neighborhood_graph(seed_index(), "wang-xiaohong"), focus="wang-xiaohong")
>>> svg.startswith(b"<?xml") and svg == render_svg(neighborhood_graph(seed_index(), "wang-xiaohong"),
...                                                focus="wang-xiaohong")
True
"""

from __future__ import annotations

import math
import textwrap
import xml.etree.ElementTree as ET
from typing import Any

import networkx as nx
import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.sparse.csgraph import shortest_path
from scipy.spatial.distance import cdist

from graph.readwrite.xmlsafe import xml_safe
from graph.vocabulary import EntityType

SEED = 20240131  # the article's publication date: any fixed number would do
LAYOUT_ROUNDS = 300  # stress-majorization rounds at most: 200 entities in about 0.1 s
SPREAD_CHECKS = 200_000  # overlapping label boxes separated at most, all rounds together
SVG_NS = "http://www.w3.org/2000/svg"
MEDIA_TYPE = "image/svg+xml"

# One colour per entity type (readable on white, distinguishable in print).
TYPE_COLOURS: dict[str, str] = {
    EntityType.person: "#d9480f",
    EntityType.organization: "#1c7ed6",
    EntityType.government: "#5f3dc4",
    EntityType.country: "#c2255c",
    EntityType.city: "#2b8a3e",
    EntityType.facility: "#66a80f",
    EntityType.event: "#f59f00",
    EntityType.claim: "#495057",
    EntityType.substance: "#0c8599",
    EntityType.topic: "#862e9c",
    EntityType.disease: "#c92a2a",
    EntityType.document: "#8d6e63",
}
FALLBACK_COLOUR = "#868e96"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
FONT_SIZE = 12
EDGE_FONT_SIZE = 10
CHAR_WIDTH = 0.58  # average glyph width as a share of the font size, for label boxes
LINE_WIDTH = 22  # characters per label line
MAX_LINES = 3
EDGE_COLOUR = "#868e96"
EDGE_TEXT = "#495057"
TEXT = "#212529"


def label_lines(name: str, width: int = LINE_WIDTH, max_lines: int = MAX_LINES) -> list[str]:
    """A node's label: ``name`` wrapped to ``width``, at most ``max_lines`` lines (the last ends in "…").

    >>> label_lines("Jen Daskal")
    ['Jen Daskal']
    >>> label_lines("Companies targeted by Chinese enforcement actions")
    ['Companies targeted by', 'Chinese enforcement', 'actions']
    >>> label_lines("a b c d e f g h i j k l m n o p q r s t u v w x y z " * 3, width=10, max_lines=2)
    ['a b c d e', 'f g h i j…']
    """
    lines = textwrap.wrap(" ".join(name.split()), width=width, break_on_hyphens=False) or [name]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (last if len(last) < width else last[: width - 1].rstrip()) + "…"
    return lines


def _fmt(x: float) -> str:
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def _radius(degree: int, focus: bool) -> float:
    return (11.0 if focus else 6.0) + min(8.0, 1.6 * math.sqrt(degree))


def _distances(g: nx.MultiDiGraph, nodes: list[str]) -> np.ndarray:
    """Hops between every two entities, ignoring direction; entities not connected are one hop past the farthest."""
    index = {v: i for i, v in enumerate(nodes)}
    pairs = sorted({(index[u], index[v]) for u, v in g.edges() if u != v})
    adjacency = np.zeros((len(nodes), len(nodes)))
    for i, j in pairs:
        adjacency[i, j] = adjacency[j, i] = 1.0
    d: np.ndarray = shortest_path(adjacency, method="D", directed=False, unweighted=True)
    finite = np.isfinite(d)
    d[~finite] = d[finite].max() + 1.0
    return d


def _start(d: np.ndarray) -> np.ndarray:
    """Where majorization starts: each entity placed by its distances to three far-apart pivot entities.

    ``p1`` is the entity farthest from the first, ``p2`` the one farthest from
    ``p1``, ``p3`` the one farthest from both: x runs from ``p1`` to ``p2``,
    y towards ``p3``. A small seeded jitter parts entities the graph cannot
    tell apart (the leaves of a star), which majorization would never part.
    """
    p1 = int(d[0].argmax())
    p2 = int(d[p1].argmax())
    p3 = int(np.minimum(d[p1], d[p2]).argmax())
    x = np.column_stack([d[p1] - d[p2], d[p3] - (d[p1] + d[p2]) / 2])
    return x + np.random.default_rng(SEED).uniform(-0.05, 0.05, size=x.shape)


def _layout(g: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    """Positions in [0, 1]², deterministic for a given graph: at most :data:`LAYOUT_ROUNDS` rounds of O(n²).

    Stress majorization (SMACOF): each round moves every entity at once to the
    positions that minimize a quadratic bound of the stress
    ``sum w_ij (|x_i - x_j| - d_ij)²`` with ``w_ij = d_ij⁻²`` (so near
    entities count most); it stops early when the stress no longer falls.
    The one linear system all rounds share is inverted once, by Cholesky (an
    eigendecomposition, as ``pinv`` does, was 20 times slower on two busy cores).
    """
    nodes = sorted(g)
    n = len(nodes)
    if n == 1:
        return {nodes[0]: (0.5, 0.5)}
    d = _distances(g, nodes)
    np.fill_diagonal(d, 1.0)
    w = d ** -2.0
    np.fill_diagonal(w, 0.0)
    np.fill_diagonal(d, 0.0)
    wd = w * d
    laplacian = -w
    np.fill_diagonal(laplacian, w.sum(axis=1))
    # The weighted Laplacian's pseudo-inverse on centred vectors: (L + 11ᵀ/n)⁻¹, L + 11ᵀ/n being positive definite.
    inverse = cho_solve(cho_factor(laplacian + 1.0 / n), np.eye(n))
    x = _start(d)
    before = math.inf
    for _ in range(LAYOUT_ROUNDS):
        gaps = cdist(x, x)
        stress = float((w * (gaps - d) ** 2).sum())
        if stress > before * (1 - 1e-6):
            break
        before = stress
        np.fill_diagonal(gaps, 1.0)
        b = -wd / np.maximum(gaps, 1e-9)
        np.fill_diagonal(b, 0.0)
        np.fill_diagonal(b, -b.sum(axis=1))
        x = inverse @ (b @ x)
    xs, ys = x[:, 0], x[:, 1]
    x0, x1, y0, y1 = float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max())
    sx, sy = (x1 - x0) or 1.0, (y1 - y0) or 1.0
    return {v: ((float(x[i, 0]) - x0) / sx, (float(x[i, 1]) - y0) / sy) for i, v in enumerate(nodes)}


def _spread(boxes: dict[str, list[float]], rounds: int = 120, pad: float = 6.0) -> None:
    """Push apart nodes whose label boxes ``[cx, cy, half width, half height]`` overlap (in place).

    Each round finds the overlapping pairs at once (an n-by-n comparison in
    NumPy) and separates them one by one, in id order, along the cheaper axis;
    it stops when none overlap, after ``rounds`` rounds, or after
    :data:`SPREAD_CHECKS` separations in all.
    """
    order = sorted(boxes)
    if len(order) < 2:
        return
    cx, cy = [boxes[v][0] for v in order], [boxes[v][1] for v in order]
    hw, hh = np.array([boxes[v][2] for v in order]), np.array([boxes[v][3] for v in order])
    reach_x, reach_y = hw[:, None] + hw[None, :] + pad, hh[:, None] + hh[None, :] + pad
    budget = SPREAD_CHECKS
    for _ in range(rounds):
        xs, ys = np.array(cx), np.array(cy)
        near = (np.abs(xs[None, :] - xs[:, None]) < reach_x) & (np.abs(ys[None, :] - ys[:, None]) < reach_y)
        pairs = np.argwhere(np.triu(near, k=1)).tolist()  # (i, j), i < j, in row order: the ids' order
        if not pairs:
            break
        for i, j in pairs:
            dx, dy = cx[j] - cx[i], cy[j] - cy[i]
            ox = float(reach_x[i, j]) - abs(dx)
            oy = float(reach_y[i, j]) - abs(dy)
            if ox <= 0 or oy <= 0:  # an earlier move this round parted them
                continue
            if ox * 0.6 < oy:  # cheaper to separate sideways
                shift = ox / 2 * (1 if dx >= 0 else -1)
                cx[i] -= shift
                cx[j] += shift
            else:
                shift = oy / 2 * (1 if dy >= 0 else -1)
                cy[i] -= shift
                cy[j] += shift
        budget -= len(pairs)
        if budget <= 0:
            break
    for k, v in enumerate(order):
        boxes[v][0], boxes[v][1] = cx[k], cy[k]


def _legend_rows(types: list[str], width: float, x0: float) -> list[list[tuple[str, float]]]:
    rows: list[list[tuple[str, float]]] = [[]]
    x = x0
    for t in types:
        w = 26 + len(t) * FONT_SIZE * CHAR_WIDTH + 18
        if rows[-1] and x + w > width - x0:
            rows.append([])
            x = x0
        rows[-1].append((t, x))
        x += w
    return rows


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    el = ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): xml_safe(str(v)) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_safe(text)
    return el


def render_svg(g: nx.MultiDiGraph, *, title: str = "storygraph", focus: str | None = None,
               caption: str | None = None) -> bytes:
    """The graph as an SVG document (UTF-8 bytes), the same bytes for the same graph.

    ``focus`` (a node id) is drawn larger, with a ring; ``title`` heads the picture, ``caption`` under it.
    """
    nodes = sorted(g)
    n = max(1, len(nodes))
    degree = {v: g.degree(v) for v in nodes}
    margin = 40.0
    inner_w = max(520.0, 210.0 * math.sqrt(n))
    inner_h = max(360.0, 150.0 * math.sqrt(n))
    pos = _layout(g) if nodes else {}

    # Label boxes around each node: the circle above, the text below it.
    boxes: dict[str, list[float]] = {}
    labels: dict[str, list[str]] = {}
    for v in nodes:
        lines = label_lines(str(g.nodes[v].get("name", v)))
        labels[v] = lines
        r = _radius(degree[v], v == focus)
        half_w = max(r, max(len(s) for s in lines) * FONT_SIZE * CHAR_WIDTH / 2)
        half_h = (2 * r + 4 + len(lines) * FONT_SIZE * 1.2) / 2
        x, y = pos[v]
        boxes[v] = [x * inner_w, y * inner_h, half_w, half_h]
    _spread(boxes)

    types = [t.value for t in EntityType if any(g.nodes[v].get("type") == t.value for v in nodes)]
    types += sorted({str(g.nodes[v].get("type")) for v in nodes} - set(types))
    if boxes:
        min_x = min(b[0] - b[2] for b in boxes.values())
        max_x = max(b[0] + b[2] for b in boxes.values())
        min_y = min(b[1] - b[3] for b in boxes.values())
        max_y = max(b[1] + b[3] for b in boxes.values())
    else:
        min_x = max_x = min_y = max_y = 0.0
    width = max(max_x - min_x + 2 * margin, 480.0)
    legend = _legend_rows(types, width, margin)
    top = 34.0 + (20.0 if caption else 0.0)  # the legend's first row
    header = top + 22.0 * len(legend) + 16.0
    height = max_y - min_y + 2 * margin + header
    dx = margin - min_x + (width - 2 * margin - (max_x - min_x)) / 2
    dy = header + margin - min_y
    # Node centres: the circle sits at the top of its box.
    centre = {v: (b[0] + dx, b[1] - b[3] + _radius(degree[v], v == focus) + dy) for v, b in boxes.items()}

    svg = ET.Element("svg", {
        "xmlns": SVG_NS, "version": "1.1", "width": "100%", "height": "100%",
        "viewBox": f"0 0 {_fmt(width)} {_fmt(height)}", "font-family": FONT, "font-size": str(FONT_SIZE),
        "role": "img", "aria-labelledby": "sg-title", "class": "storygraph"})
    _sub(svg, "title", title, id="sg-title")
    _sub(svg, "desc", f"{len(nodes)} entities and {g.number_of_edges()} relations; nodes coloured by type."
         + (f" {caption}" if caption else ""))
    defs = _sub(svg, "defs")
    marker = _sub(defs, "marker", id="sg-arrow", viewBox="0 0 10 10", refX="9", refY="5", markerWidth="7",
                  markerHeight="7", orient="auto-start-reverse", markerUnits="userSpaceOnUse")
    _sub(marker, "path", d="M0,0 L10,5 L0,10 z", fill=EDGE_COLOUR)
    _sub(svg, "rect", x="0", y="0", width=_fmt(width), height=_fmt(height), fill="#ffffff")

    # Title and legend.
    _sub(svg, "text", title, x=_fmt(margin), y="26", font_size="16", font_weight="600", fill=TEXT,
         class_="title")
    if caption:
        _sub(svg, "text", caption, x=_fmt(margin), y="46", font_size=str(FONT_SIZE), font_style="italic",
             fill=EDGE_TEXT, class_="caption")
    leg = _sub(svg, "g", class_="legend")
    for row_index, row in enumerate(legend):
        y = top + 22.0 * row_index + 11
        for t, x in row:
            item = _sub(leg, "g", class_="legend-item", data_type=t)
            _sub(item, "circle", cx=_fmt(x + 7), cy=_fmt(y), r="6", fill=TYPE_COLOURS.get(t, FALLBACK_COLOUR))
            _sub(item, "text", t, x=_fmt(x + 18), y=_fmt(y + 4), fill=TEXT)

    # Edges: one arrow per ordered pair, its distinct predicates as the label; a pair linked both ways bends.
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for u, v, k, d in g.edges(keys=True, data=True):
        if u != v:
            groups.setdefault((u, v), []).append((str(d.get("id", k)), str(d.get("predicate", ""))))
    edge_layer = _sub(svg, "g", class_="edges")
    label_layer = _sub(svg, "g", class_="edge-labels")
    for (u, v) in sorted(groups):
        rels = sorted(groups[(u, v)])
        predicates = list(dict.fromkeys(p for _, p in sorted(rels, key=lambda r: r[1])))
        (x1, y1), (x2, y2) = centre[u], centre[v]
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        bend = 18.0 if (v, u) in groups else 0.0
        cx, cy = (x1 + x2) / 2 - uy * bend, (y1 + y2) / 2 + ux * bend
        r1, r2 = _radius(degree[u], u == focus), _radius(degree[v], v == focus)
        # Start and end on the circles, aimed at the control point.
        d1 = math.hypot(cx - x1, cy - y1) or 1
        sx, sy = x1 + (cx - x1) / d1 * r1, y1 + (cy - y1) / d1 * r1
        d2 = math.hypot(x2 - cx, y2 - cy) or 1
        ex, ey = x2 - (x2 - cx) / d2 * (r2 + 1), y2 - (y2 - cy) / d2 * (r2 + 1)
        path = f"M{_fmt(sx)},{_fmt(sy)} Q{_fmt(cx)},{_fmt(cy)} {_fmt(ex)},{_fmt(ey)}"
        name_u, name_v = g.nodes[u].get("name", u), g.nodes[v].get("name", v)
        edge = _sub(edge_layer, "g", class_="edge", data_source=u, data_target=v,
                    data_ids=" ".join(i for i, _ in rels))
        _sub(edge, "title", "; ".join(f"{name_u} {p} {name_v}" for p in predicates))
        _sub(edge, "path", d=path, fill="none", stroke=EDGE_COLOUR, stroke_width="1.2", marker_end="url(#sg-arrow)")
        mx, my = 0.25 * sx + 0.5 * cx + 0.25 * ex, 0.25 * sy + 0.5 * cy + 0.25 * ey
        _sub(label_layer, "text", ", ".join(predicates), x=_fmt(mx), y=_fmt(my + 3), text_anchor="middle",
             font_size=str(EDGE_FONT_SIZE), fill=EDGE_TEXT, stroke="#ffffff", stroke_width="3",
             paint_order="stroke", stroke_linejoin="round", class_="edge-label", data_source=u, data_target=v)

    node_layer = _sub(svg, "g", class_="nodes")
    for v in nodes:
        data = g.nodes[v]
        kind = str(data.get("type", ""))
        x, y = centre[v]
        r = _radius(degree[v], v == focus)
        node = _sub(node_layer, "g", class_="node focus" if v == focus else "node", data_id=v, data_type=kind)
        _sub(node, "title", f"{data.get('name', v)} ({kind})")
        if v == focus:
            _sub(node, "circle", cx=_fmt(x), cy=_fmt(y), r=_fmt(r + 4), fill="none",
                 stroke=TYPE_COLOURS.get(kind, FALLBACK_COLOUR), stroke_width="2")
        _sub(node, "circle", cx=_fmt(x), cy=_fmt(y), r=_fmt(r), fill=TYPE_COLOURS.get(kind, FALLBACK_COLOUR),
             stroke="#ffffff", stroke_width="1.5")
        text = _sub(node, "text", None, x=_fmt(x), y=_fmt(y + r + 4 + FONT_SIZE), text_anchor="middle",
                    fill=TEXT, stroke="#ffffff", stroke_width="3", paint_order="stroke", stroke_linejoin="round",
                    font_weight="600" if v == focus else "400", class_="label")
        for i, line in enumerate(labels[v]):
            _sub(text, "tspan", line, x=_fmt(x), dy="0" if i == 0 else "1.2em")  # em: a page may enlarge a label

    ET.indent(svg, space="  ")
    document: bytes = ET.tostring(svg, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
