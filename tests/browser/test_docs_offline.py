"""/docs renders in the browser from our own server's files: no CDN, no console error."""

from __future__ import annotations

import pytest

from .conftest import open_page, screenshot


@pytest.mark.parametrize(("path", "ready"), [("/docs", ".swagger-ui .info .title")])
def test_docs_render_offline(browser, server, path, ready):
    page, watch = open_page(browser, server)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    try:
        page.goto(server.url + path)
        page.wait_for_selector(ready)
        page.wait_for_load_state("networkidle")
        assert "storygraph" in page.inner_text("body")
        assert requested and all(u.startswith((server.url, "data:", "blob:")) for u in requested), requested
        screenshot(page, f"docs{path.replace('/', '-')}-desktop")
        watch.check()
    finally:
        page.context.close()
