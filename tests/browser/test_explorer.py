"""The explorer in a real browser: what a person sees matches what the API says.

Each test's page fails it on any console error or failed request (see conftest).
Screenshots of every view at 1280×800 and 390×844 go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from .conftest import VIEWPORTS, open_page, screenshot

ARTICLE = "fentanyl-talks-2024-01-31"
PRECURSOR_CLAIM = "china-primary-source-of-precursors"


def squash(text: str) -> str:
    return " ".join(text.split())


def ready_token(page) -> str | None:
    return page.evaluate("() => document.getElementById('view').dataset.ready || null")


def wait_view(page, name: str, after: str | None = None) -> None:
    """Wait until the view ``name`` has rendered (a newer render than the token ``after``)."""
    page.wait_for_function(
        "([name, after]) => { const v = document.getElementById('view');"
        " return v.dataset.view === name && v.dataset.ready && v.dataset.ready !== after; }",
        arg=[name, after])
    page.wait_for_load_state("networkidle")


def step(page, view: str, action) -> None:
    """Do ``action`` (a click, back, forward) and wait for the next render of ``view``."""
    token = ready_token(page)
    action()
    wait_view(page, view, token)


def goto(page, server, hash_: str, view: str) -> None:
    page.goto(f"{server.url}/{hash_}")
    wait_view(page, view)


def search_and_pick(page, text: str, name: str, input_selector: str = "#q") -> None:
    page.click(input_selector)
    page.keyboard.type(text, delay=40)
    option = page.locator("[role=listbox]:visible li[role=option]").filter(has=page.get_by_text(name, exact=True))
    option.wait_for()
    option.click()


def test_type_dask_and_pick_jen_daskal(page, server):
    goto(page, server, "", "home")
    screenshot(page, "home-desktop")
    page.click("#q")
    page.keyboard.type("dask", delay=40)
    options = page.locator("#q-list li[role=option]")
    options.first.wait_for()
    assert page.get_attribute("#q", "aria-expanded") == "true"
    expected = [e["name"] for e in server.get("/v1/entities?q=dask&limit=8")["items"]]
    assert [squash(t) for t in page.locator("#q-list .s-name").all_inner_texts()] == expected
    assert expected[0] == "Jen Daskal"
    screenshot(page, "search-suggestions-desktop")
    step(page, "entity",
         page.locator("#q-list li[role=option]").filter(has=page.get_by_text("Jen Daskal", exact=True)).click)
    assert page.url.endswith("#/entity/jen-daskal")
    assert page.inner_text("h1") == "Jen Daskal"
    assert page.title().startswith("Jen Daskal")


def test_entity_view_shows_the_api_relations_and_quotes(page, server):
    goto(page, server, "#/entity/jen-daskal", "entity")
    entity = server.get("/v1/entities/jen-daskal")
    assert page.inner_text(".entity-view h1") == entity["name"]
    assert page.inner_text(".entity-view .badge") == entity["type"]
    assert squash(page.inner_text(".entity-view .description")) == squash(entity["description"])
    aliases = page.locator(".aliases q").all_inner_texts()
    assert aliases == [a for a in entity["aliases"] if a != entity["name"]]

    api = server.get("/v1/entities/jen-daskal/relations?limit=500")["items"]
    shown = {}
    for li in page.locator("li.relation").all():
        rid = li.get_attribute("data-relation")
        predicate = li.locator("xpath=ancestor::section[contains(@class,'group')]").get_attribute("data-predicate")
        quotes = [(q.get_attribute("data-start"), q.get_attribute("data-end"), squash(q.inner_text()))
                  for q in li.locator("a.quote").all()]
        shown[rid] = (predicate, quotes, li.locator(".rel-head a.chip").inner_text())
    assert set(shown) == {r["id"] for r in api}
    for r in api:
        other = r["object"] if r["subject"]["id"] == "jen-daskal" else r["subject"]
        predicate, quotes, other_name = shown[r["id"]]
        assert predicate == r["predicate"]
        assert squash(other_name) == other["name"]
        assert quotes == [(str(e["start"]), str(e["end"]), squash(e["quote"])) for e in r["evidence"]]
    # Grouped by predicate: one section per (predicate, direction), each predicate heading once.
    groups = page.locator("section.group").all()
    keys = [(g.get_attribute("data-predicate"), g.get_attribute("data-direction")) for g in groups]
    assert len(keys) == len(set(keys))
    assert {k[0] for k in keys} == {r["predicate"] for r in api}
    screenshot(page, "entity-desktop")


def test_a_quote_opens_the_article_with_exactly_that_span(page, server):
    goto(page, server, "#/entity/jen-daskal", "entity")
    relation = next(r for r in server.get("/v1/entities/jen-daskal/relations?limit=500")["items"]
                    if r["id"] == "daskal-led-us-delegation")
    evidence = relation["evidence"][1]  # the quote spanning a line break
    assert "\n" in evidence["quote"]
    step(page, "article", page.locator("li.relation[data-relation='daskal-led-us-delegation'] a.quote").nth(1).click)
    assert page.url.endswith(f"#/article/{ARTICLE}?start={evidence['start']}&end={evidence['end']}")
    mark = page.locator("mark.highlight")
    assert mark.count() == 1
    assert mark.evaluate("m => m.textContent") == evidence["quote"]
    text = server.get(f"/v1/articles/{ARTICLE}")["text"]
    # The whole article is shown, the mark exactly at the code-point offsets.
    assert page.locator(".article-text").evaluate("e => e.textContent") == text
    # Code points before the mark, whatever else (clauses no statement cites) is marked before it.
    before = page.locator(".article-text").evaluate(
        "e => { const r = document.createRange(); r.setStart(e, 0); r.setEndBefore(e.querySelector('mark.highlight'));"
        " return Array.from(r.toString()).length; }")
    assert before == evidence["start"]
    assert mark.is_visible()
    screenshot(page, "article-desktop")
    step(page, "entity", page.go_back)
    assert page.url.endswith("#/entity/jen-daskal")


def test_path_from_daskal_to_xi_jinping(page, server):
    goto(page, server, "#/paths", "paths")
    search_and_pick(page, "Daskal", "Jen Daskal", "#path-from")
    search_and_pick(page, "Xi Jin", "Xi Jinping", "#path-to")
    step(page, "paths", lambda: page.click("#path-form button[type=submit]"))
    assert re.search(r"#/paths\?from=jen-daskal&to=xi-jinping$", page.url)
    found = server.get("/v1/paths?source=jen-daskal&target=xi-jinping&limit=10")["paths"]
    paths = page.locator("section.path").all()
    assert len(paths) == len(found) >= 1
    first, api = paths[0], found[0]
    assert [squash(t) for t in first.locator("li.stop a.chip").all_inner_texts()] == [n["name"] for n in api["nodes"]]
    assert [squash(t) for t in first.locator("li.stop a.chip").all_inner_texts()][::len(api["nodes"]) - 1] == [
        "Jen Daskal", "Xi Jinping"]
    hops = first.locator("li.hop").all()
    assert len(hops) == api["length"]
    for hop, rels in zip(hops, api["relations"]):
        assert [li.get_attribute("data-relation") for li in hop.locator("li.hop-rel").all()] == [r["id"] for r in rels]
        assert [squash(q) for q in hop.locator("a.quote").all_inner_texts()] == [
            squash(e["quote"]) for r in rels for e in r["evidence"]]
    screenshot(page, "paths-desktop")


def test_claims_board_shows_the_precursor_claim_disputed(page, server):
    goto(page, server, "#/claims", "claims")
    api = {c["id"]: c for c in server.get("/v1/claims?limit=500")["items"]}
    cards = page.locator("li.claim")
    assert cards.count() == len(api)
    card = page.locator(f"li.claim[data-claim='{PRECURSOR_CLAIM}']")
    assert card.get_attribute("data-status") == "disputed"
    assert "disputed" in card.locator(".status").inner_text().lower()
    claim = api[PRECURSOR_CLAIM]
    assert card.locator(".asserters a.chip").all_inner_texts() == [a["name"] for a in claim["asserted_by"]]
    assert card.locator(".deniers a.chip").all_inner_texts() == [d["name"] for d in claim["denied_by"]]
    assert card.locator(".deniers").inner_text().strip() == "China"
    for cid, c in api.items():
        assert page.locator(f"li.claim[data-claim='{cid}']").get_attribute("data-status") == c["status"]
    screenshot(page, "claims-desktop")
    step(page, "claims", lambda: page.click(".segmented a[href='#/claims?status=disputed']"))
    assert page.locator("li.claim").count() == 1
    step(page, "claims", page.go_back)
    assert page.locator("li.claim").count() == len(api)


def test_timeline_shows_dates_with_their_precision(page, server):
    goto(page, server, "#/timeline", "timeline")
    dates = {li.get_attribute("data-event"): li.locator(".date").inner_text()
             for li in page.locator("li.event").all()}
    assert dates["san-francisco-summit"] == "November 2023"
    assert dates["beijing-talks"] == "from November 2023 to 30 January 2024"  # after the summit, over by the Tuesday
    assert dates["daskal-wang-meeting"] == "30 January 2024"
    assert dates["february-meetings"] == "February 2024"
    assert dates["summer-meetings"] == "summer 2024"
    body = page.inner_text("#view")
    assert "2023-11-01" not in body and "2024-06-01" not in body
    dated = [e["id"] for e in server.get("/v1/events?limit=500")["items"] if e["date"]]
    shown = [li.get_attribute("data-event") for li in page.locator("ol.timeline:not(.undated) li.event").all()]
    assert shown == dated  # the API's date order
    screenshot(page, "timeline-desktop")


def test_neighbourhood_picture_opens_a_node(page, server):
    goto(page, server, "#/neighborhood/jen-daskal?depth=1", "neighborhood")
    nodes, _ = server.get("/v1/entities/jen-daskal/neighborhood?depth=1").values()
    shown = page.locator("svg.graph-svg g.node")
    assert sorted(shown.evaluate_all("gs => gs.map(g => g.dataset.id)")) == sorted(n["id"] for n in nodes)
    assert page.locator("svg.graph-svg g.legend-item").count() == len({n["type"] for n in nodes})
    screenshot(page, "neighborhood-desktop")
    step(page, "neighborhood", lambda: page.click(".segmented a[href$='depth=2']"))
    nodes2, _ = server.get("/v1/entities/jen-daskal/neighborhood?depth=2").values()
    assert page.locator("svg.graph-svg g.node").count() == len(nodes2)
    screenshot(page, "neighborhood-depth2-desktop")
    step(page, "entity", page.locator("svg.graph-svg g.node[data-id='wang-xiaohong']").click)
    assert page.url.endswith("#/entity/wang-xiaohong")
    step(page, "neighborhood", page.go_back)
    assert page.url.endswith("#/neighborhood/jen-daskal?depth=2")


def test_back_button_returns_to_the_previous_view(page, server):
    goto(page, server, "", "home")
    step(page, "claims", lambda: page.click(".nav a[href='#/claims']"))
    step(page, "timeline", lambda: page.click(".nav a[href='#/timeline']"))
    step(page, "entity", lambda: page.locator("li.event[data-event='san-francisco-summit'] a.chip").first.click())
    for url_end, view in (("#/timeline", "timeline"), ("#/claims", "claims"), ("/", "home")):
        step(page, view, page.go_back)
        assert page.url.endswith(url_end)
    step(page, "claims", page.go_forward)
    assert page.url.endswith("#/claims")


def test_unknown_entity_offers_candidates(browser, server):
    page, watch = open_page(browser, server)
    try:
        goto(page, server, "#/entity/daskl", "entity")
        assert "Entity not found" in page.inner_text("#view h1")
        assert "Jen Daskal" in page.locator("#view a.chip").all_inner_texts()
        # The 404 is the expected answer here; nothing else may fail.
        assert [p for p in watch.problems if "/v1/entities/daskl" not in p] == []
        assert watch.external == []
    finally:
        page.context.close()


VIEWS = {
    "home": ("", "home"),
    "entity": ("#/entity/jen-daskal", "entity"),
    "neighborhood": ("#/neighborhood/jen-daskal?depth=2", "neighborhood"),
    "article": (f"#/article/{ARTICLE}?start=921&end=957", "article"),
    "paths": ("#/paths?from=jen-daskal&to=xi-jinping", "paths"),
    "claims": ("#/claims", "claims"),
    "timeline": ("#/timeline", "timeline"),
}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_view_fits_the_viewport(browser, server, viewport):
    page, watch = open_page(browser, server, viewport)
    try:
        for name, (hash_, view) in VIEWS.items():
            goto(page, server, hash_, view)
            overflow = page.evaluate("() => document.documentElement.scrollWidth"
                                     " - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name} overflows the {viewport} viewport by {overflow}px"
            assert page.locator("#view h1").first.is_visible()
            screenshot(page, f"{name}-{viewport}")
        watch.check()
    finally:
        page.context.close()


def test_search_on_the_phone(browser, server):
    page, watch = open_page(browser, server, "phone")
    try:
        goto(page, server, "#/timeline", "timeline")
        step(page, "entity", lambda: search_and_pick(page, "wang", "Wang Xiaohong"))
        assert page.url.endswith(f"#/entity/{quote('wang-xiaohong')}")
        step(page, "timeline", page.go_back)
        watch.check()
    finally:
        page.context.close()
