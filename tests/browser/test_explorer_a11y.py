"""Accessibility: axe-core's WCAG 2.1 AA rules find nothing serious on any explorer view, at both viewports,
and a keyboard alone reaches and works every main control.

axe-core comes inside the pinned ``axe-playwright-python`` wheel (nothing fetched at run time); Playwright
injects it through the DevTools protocol, so the page's strict CSP stays as it is.
"""

from __future__ import annotations

from .test_explorer import VIEWS, goto, step

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Views whose content differs by entity type (badge colours, claim and event pages), on top of VIEWS.
MORE_VIEWS = {
    "event entity": ("#/entity/san-francisco-summit", "entity"),
    "claim entity": ("#/entity/china-primary-source-of-precursors", "entity"),
    "path form": ("#/paths", "paths"),
    "claims, disputed": ("#/claims?status=disputed", "claims"),
    "neighbourhood, depth 3": ("#/neighborhood/china?depth=3", "neighborhood"),
}



def serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA},
                                       "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_axe_finds_no_serious_violation_on_any_view(any_page, server):
    found = {}
    for name, (hash_, view) in {**VIEWS, **MORE_VIEWS}.items():
        goto(any_page, server, hash_, view)
        if view == "paths" and "from=" in hash_:
            any_page.locator("section.path details").last.evaluate("d => d.open = true")  # folded paths too
        problems = serious(any_page)
        if problems:
            found[name] = problems
    # The suggestions list, open.
    goto(any_page, server, "", "home")
    any_page.click("#q")
    any_page.keyboard.type("dask", delay=30)
    any_page.locator("#q-list li[role=option]").first.wait_for()
    if problems := serious(any_page):
        found["search suggestions"] = problems
    assert not found, found


def focused(page) -> str:
    """What has the keyboard focus: tag, id, class, text or label, href."""
    return page.evaluate("""() => { const e = document.activeElement; if (!e || e === document.body) return 'body';
      const label = e.getAttribute('aria-label') || (e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
      return `${e.tagName.toLowerCase()}#${e.id}.${e.getAttribute('class') || ''}[${label}]` +
             `(${e.getAttribute('href') || ''})`; }""")


def tab_to(page, selector: str, limit: int = 80) -> list[str]:
    """Press Tab until the element matching ``selector`` has the focus; the stops on the way."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stops.append(focused(page))
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            assert page.evaluate("() => document.activeElement.matches(':focus-visible')"), stops[-1]
            return stops
    raise AssertionError(f"Tab never reached {selector}: {stops}")


def test_a_keyboard_alone_reaches_and_works_the_main_controls(any_page, server):
    page = any_page
    goto(page, server, "", "home")
    stops = tab_to(page, "a.tile[href='#/timeline']")
    assert stops[0].startswith("a#.skip"), stops  # the skip link comes first
    seen = "\n".join(stops)
    for text in ("a#.brand", "input#q.", "(#/paths)", "(#/claims)", "(#/timeline)", "(#/article)", "(/docs)",
                 "(#/paths?from=jen-daskal&to=xi-jinping)", "a#.chip"):
        assert text in seen, (text, stops)

    # Enter follows a link; the claims board's filters too.
    goto(page, server, "", "home")
    tab_to(page, ".nav a[href='#/claims']")
    step(page, "claims", lambda: page.keyboard.press("Enter"))
    tab_to(page, ".segmented a[href='#/claims?status=disputed']")
    step(page, "claims", lambda: page.keyboard.press("Enter"))
    assert page.locator("li.claim").count() == 1

    # The search box: type, arrow to a suggestion, Enter opens it.
    page.focus("#q")
    page.keyboard.type("dask", delay=30)
    page.locator("#q-list li[role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    step(page, "entity", lambda: page.keyboard.press("Enter"))
    assert page.url.endswith("#/entity/jen-daskal")

    # A quote opens the article at its words.
    tab_to(page, "li.relation a.quote")
    step(page, "article", lambda: page.keyboard.press("Enter"))
    assert page.locator("mark.highlight").count() == 1
    step(page, "entity", page.go_back)

    # The picture: Space presses a zoom button, Tab reaches a node and Enter opens it.
    tab_to(page, "a.button[href^='#/neighborhood/']")
    step(page, "neighborhood", lambda: page.keyboard.press("Enter"))
    before = page.get_attribute("svg.graph-svg", "viewBox")
    tab_to(page, "button[aria-keyshortcuts='+']")
    page.keyboard.press(" ")
    assert page.get_attribute("svg.graph-svg", "viewBox") != before
    tab_to(page, ".picture")
    page.keyboard.press("0")
    assert page.get_attribute("svg.graph-svg", "viewBox") == before
    tab_to(page, "svg.graph-svg g.node")
    target = page.evaluate("() => document.activeElement.dataset.id")
    step(page, "entity", lambda: page.keyboard.press("Enter"))
    assert page.url.endswith(f"#/entity/{target}")

    # The path finder's form, filled and sent from the keyboard.
    goto(page, server, "#/paths", "paths")
    tab_to(page, "#path-from")
    page.keyboard.type("Daskal", delay=30)
    page.locator("#path-from-list li[role=option]").first.wait_for()
    page.keyboard.press("Enter")
    tab_to(page, "#path-to")
    page.keyboard.type("Xi Jin", delay=30)
    page.locator("#path-to-list li[role=option]").first.wait_for()
    page.keyboard.press("Enter")
    tab_to(page, "#path-form button[type=submit]")
    step(page, "paths", lambda: page.keyboard.press(" "))
    assert page.locator("section.path").count() >= 1
    # A folded path opens with Enter on its summary.
    summary = page.locator("section.path details:not([open]) > summary")
    if summary.count():
        tab_to(page, "section.path details:not([open]) > summary")
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.parentElement.open")
