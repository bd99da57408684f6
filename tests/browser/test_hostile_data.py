"""The explorer shows hostile strings as text and runs none of them (issue 10, "Fuzzing").

A real uvicorn with a write token; the story of ``tests/hostile_strings.py`` (names such as
``"><svg onload=alert(1)>`` and ``</title><img src=x onerror=alert(2)>``) is posted through the API,
then chromium opens every view that shows those names. Each page fails on a console error, an uncaught
exception, a failed request or an answer >= 400 (an injected ``<img src=x>`` would fetch ``/x``: a 404),
and on any dialog (``alert``). Names must appear exactly, as text.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.hostile_strings import (
    ARTICLE_ID,
    MARKUP,
    PAYLOADS,
    entity_id,
    expected_names,
    story,
)

from .conftest import Server, open_page, uvicorn
from .test_explorer import goto, step

TOKEN = "browser-hostile-token"
# What an injected payload would leave in the page, had it been parsed as markup.
INJECTED = "#view script, #view img, #view iframe, #view [onload], #view [onerror], #view [onmouseover], " \
           "#view a[href^='javascript:' i]"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The seeded app with a write token, and the hostile story posted through the API."""
    with uvicorn(tmp_path_factory.mktemp("browser-hostile"), STORYGRAPH_API_TOKENS=TOKEN) as srv:
        post = urllib.request.Request(srv.url + "/v1/articles", data=json.dumps(story()).encode(), method="POST",
                                      headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(post, timeout=60) as r:
            assert r.status == 201
        yield srv


@pytest.fixture
def hostile_page(browser, hostile_server) -> Iterator[object]:
    """A page that fails on console errors, failed requests (conftest) and any dialog."""
    page, watch = open_page(browser, hostile_server)
    dialogs: list[str] = []

    def dialog(d) -> None:
        dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)
    try:
        yield page
        page.wait_for_timeout(200)  # an onload/onerror handler would fire by now
        assert dialogs == [], f"a payload ran: {dialogs}"
        watch.check()
    finally:
        page.context.close()


def text_of(page, selector: str) -> str:
    return page.locator(selector).first.evaluate("e => e.textContent")


def nothing_injected(page) -> None:
    assert page.locator(INJECTED).count() == 0, page.locator(INJECTED).evaluate_all("es => es.map(e => e.outerHTML)")


@pytest.mark.parametrize("key", list(PAYLOADS))
def test_entity_page_shows_the_hostile_name_as_text(hostile_page, hostile_server, key):
    page, node, name = hostile_page, entity_id(key), PAYLOADS[key]
    goto(page, hostile_server, f"#/entity/{quote(node)}", "entity")
    assert text_of(page, ".entity-view h1") == name
    assert text_of(page, ".entity-view .description") == name
    assert page.title().startswith(name)
    nothing_injected(page)


@pytest.mark.parametrize("key", MARKUP)
def test_neighbourhood_picture_names_every_node_as_text(hostile_page, hostile_server, key):
    page, node = hostile_page, entity_id(key)
    goto(page, hostile_server, f"#/neighborhood/{quote(node)}?depth=2", "neighborhood")
    names = expected_names()
    titles = dict(page.locator("svg.graph-svg g.node").evaluate_all(
        "gs => gs.map(g => [g.dataset.id, g.querySelector('title').textContent])"))
    assert titles[node] == f"{names[node]} (person)"
    assert text_of(page, "#view h1") == f"Around {names[node]}"
    nothing_injected(page)


def test_article_claims_timeline_and_paths_show_hostile_text(hostile_page, hostile_server):
    page = hostile_page
    goto(page, hostile_server, f"#/article/{ARTICLE_ID}", "article")
    assert page.locator(".article-text").evaluate("e => e.textContent") == story()["article"]["text"]
    assert PAYLOADS["close-title"] in page.inner_text("#view")
    nothing_injected(page)
    goto(page, hostile_server, "#/claims", "claims")
    card = page.locator("li.claim[data-claim='hostile-claim']")
    assert PAYLOADS["script"] in card.evaluate("e => e.textContent")
    assert card.locator(".asserters a.chip").evaluate("e => e.textContent") == PAYLOADS["attribute"]
    nothing_injected(page)
    goto(page, hostile_server, "#/timeline", "timeline")
    assert PAYLOADS["svg-onload"] in page.locator("li.event[data-event='hostile-event']").evaluate("e => e.textContent")
    nothing_injected(page)
    source, target = entity_id("svg-onload"), entity_id("attribute")
    goto(page, hostile_server, f"#/paths?from={source}&to={target}", "paths")
    stops = page.locator("section.path").first.locator("li.stop a.chip")
    chips = stops.evaluate_all("cs => cs.map(c => c.textContent)")
    assert [" ".join(c.split()) for c in (chips[0], chips[-1])] == [PAYLOADS["svg-onload"], PAYLOADS["attribute"]]
    nothing_injected(page)


def test_search_suggestions_show_hostile_names_as_text(hostile_page, hostile_server):
    page = hostile_page
    goto(page, hostile_server, "", "home")
    page.click("#q")
    page.keyboard.type("onload", delay=40)
    option = page.locator(f"#q-list li[role=option][data-id='{entity_id('svg-onload')}']")
    option.wait_for()
    assert option.locator(".s-name").evaluate("e => e.textContent") == PAYLOADS["svg-onload"]
    nothing_injected(page)
    assert page.locator("#q-list img, #q-list svg[onload], #q-list script").count() == 0
    step(page, "entity", option.click)
    assert text_of(page, ".entity-view h1") == PAYLOADS["svg-onload"]
    nothing_injected(page)
