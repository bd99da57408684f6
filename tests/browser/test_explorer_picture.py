"""Pictures on a real screen: the neighbourhood pans and zooms (mouse, wheel, keys, buttons) and keeps its
labels readable; ``/v1/graph.svg`` scales to the window; ``/favicon.ico`` answers.

Each test runs at both viewports; its page fails it on any console error or failed request (see conftest).
"""

from __future__ import annotations

import pytest

from .test_explorer import goto, step

MIN_LABEL_PX = 10  # the smallest text the picture shows; smaller labels wait for a zoom, a hover or a focus



def view_box(page) -> list[float]:
    return [float(v) for v in page.get_attribute("svg.graph-svg", "viewBox").split()]


LABELS = """() => {
  const svg = document.querySelector('svg.graph-svg');
  const scale = svg.getScreenCTM().a;
  const frame = document.querySelector('.picture').getBoundingClientRect();
  return [...svg.querySelectorAll('text.label, text.edge-label')].map((t) => {
    const r = t.getBoundingClientRect();
    const inside = r.right > frame.left && r.left < frame.right && r.bottom > frame.top && r.top < frame.bottom;
    return { kind: t.getAttribute('class').split(' ')[0], node: t.closest('g.node')?.dataset.id || null,
             source: t.dataset.source || null, target: t.dataset.target || null,
             visible: getComputedStyle(t).visibility === 'visible' && inside,
             px: parseFloat(getComputedStyle(t).fontSize) * scale,
             box: [r.left, r.top, r.right, r.bottom] };
  });
}"""


def overlap(a, b, slack: float = 1.0) -> bool:
    return a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]


@pytest.mark.parametrize("depth", [2, 3])
def test_the_neighbourhood_pans_and_zooms_by_mouse_wheel_keys_and_buttons(any_page, server, depth):
    page = any_page
    goto(page, server, f"#/neighborhood/jen-daskal?depth={depth}", "neighborhood")
    nodes, _ = server.get(f"/v1/entities/jen-daskal/neighborhood?depth={depth}").values()
    assert page.locator("svg.graph-svg g.node").count() == len(nodes)
    fit = view_box(page)

    page.get_by_role("button", name="Zoom in").click()
    zoomed = view_box(page)
    assert zoomed[2] < fit[2] and zoomed[3] < fit[3]
    page.get_by_role("button", name="Zoom out").click()
    assert view_box(page)[2] > zoomed[2]
    page.get_by_role("button", name="Fit").click()
    assert view_box(page) == fit

    frame = page.locator(".picture")
    frame.focus()
    page.keyboard.press("+")
    after_plus = view_box(page)
    assert after_plus[2] < fit[2]
    page.keyboard.press("ArrowRight")
    assert view_box(page)[0] > after_plus[0]
    page.keyboard.press("ArrowDown")
    assert view_box(page)[1] > after_plus[1]
    page.keyboard.press("-")
    assert view_box(page)[2] > after_plus[2]
    page.keyboard.press("0")
    assert view_box(page) == fit

    box = frame.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    page.wait_for_function("w => Number(document.querySelector('svg.graph-svg').getAttribute('viewBox')"
                           ".split(' ')[2]) < w", arg=fit[2])
    wheeled = view_box(page)
    url = page.url
    # A drag pans, even one that starts on a node, and opens nothing.
    node = page.locator("svg.graph-svg g.node.focus circle").last.bounding_box()
    x, y = node["x"] + node["width"] / 2, node["y"] + node["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 60, y - 40, steps=6)
    page.mouse.up()
    dragged = view_box(page)
    assert dragged[0] > wheeled[0] and dragged[1] > wheeled[1] and dragged[2:] == wheeled[2:]
    assert page.url == url


def test_labels_stay_readable_and_apart_at_depth_2(any_page, server):
    page = any_page
    goto(page, server, "#/neighborhood/jen-daskal?depth=2", "neighborhood")
    labels = page.evaluate(LABELS)
    shown = [t for t in labels if t["visible"]]
    assert shown, "the picture shows no label at all"
    small = [t for t in shown if t["px"] < MIN_LABEL_PX - 0.01]
    assert not small, f"labels drawn under {MIN_LABEL_PX}px: {small[:3]}"
    assert any(t["node"] == "jen-daskal" for t in shown)  # the entity the picture is about is always named
    clashes = [(a["node"] or a["source"], b["node"] or b["source"]) for i, a in enumerate(shown)
               for b in shown[i + 1:] if overlap(a["box"], b["box"])]
    assert not clashes, f"labels drawn over each other: {clashes[:5]}"

    # Hovering (or focusing) a node names it and every relation it has, whatever the zoom.
    neighbour = page.locator("svg.graph-svg g.node[data-id='wang-xiaohong']")
    neighbour.hover()
    lit = page.evaluate(LABELS)
    mine = [t for t in lit if t["kind"] == "edge-label" and "wang-xiaohong" in (t["source"], t["target"])]
    assert mine and all(t["visible"] for t in mine)
    assert next(t for t in lit if t["node"] == "wang-xiaohong")["visible"]

    # Zoomed in far enough, every label within the frame shows, none too small.
    page.mouse.move(0, 0)
    for _ in range(20):  # until edge labels are drawn at their own size (the phone starts far smaller)
        if float(page.get_attribute(".picture", "data-scale")) * 10 >= MIN_LABEL_PX:
            break
        page.get_by_role("button", name="Zoom in").click()
    zoomed = [t for t in page.evaluate(LABELS) if t["visible"]]
    assert zoomed and all(t["px"] >= MIN_LABEL_PX - 0.01 for t in zoomed)
    assert any(t["kind"] == "edge-label" for t in zoomed)


def test_depth_3_is_offered(any_page, server):
    page = any_page
    goto(page, server, "#/neighborhood/jen-daskal?depth=1", "neighborhood")
    step(page, "neighborhood", lambda: page.click(".segmented a[href$='depth=3']"))
    nodes, _ = server.get("/v1/entities/jen-daskal/neighborhood?depth=3").values()
    assert page.locator("svg.graph-svg g.node").count() == len(nodes)


def test_the_whole_graph_svg_fits_the_window(any_page, server):
    page = any_page
    page.goto(f"{server.url}/v1/graph.svg")
    size = page.evaluate("() => [innerWidth, innerHeight]")
    boxes = page.evaluate("() => [...document.querySelectorAll('g.node, g.legend-item, text.title')]"
                          ".map(g => { const r = g.getBoundingClientRect();"
                          " return [r.left, r.top, r.right, r.bottom]; })")
    assert len(boxes) > 10
    outside = [b for b in boxes if b[0] < 0 or b[1] < 0 or b[2] > size[0] + 0.5 or b[3] > size[1] + 0.5]
    assert not outside, f"{len(outside)} of {len(boxes)} shapes fall outside the {size} window"


def test_favicon_ico_answers_with_an_icon(any_page, server):
    """Browsers ask ``/favicon.ico`` of a page without ``<link rel=icon>``: it must be an image, not a 404.

    (Headless chromium neither asks for favicons nor lets a test navigate to one: the page loads it as an image.)
    """
    status, headers, body = server.raw("/favicon.ico")
    assert status == 200 and headers["content-type"].startswith("image/") and body
    goto(any_page, server, "", "home")
    size = any_page.evaluate("""() => new Promise((ok, fail) => { const img = new Image();
        img.onload = () => ok([img.naturalWidth, img.naturalHeight]); img.onerror = () => fail('not an image');
        img.src = '/favicon.ico?probe'; })""")
    assert size[0] > 0 and size[1] > 0
