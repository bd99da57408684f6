"""The pages: the explorer at /, the docs offline, and their security headers."""

from __future__ import annotations

import re

from app.web import PAGE_CSP

# A reference to another host (XML namespace names are identifiers, never fetched).
EXTERNAL = re.compile(r"(?:https?:)?//(?!127\.0\.0\.1|localhost|www\.w3\.org/)[a-z0-9.-]+\.[a-z]{2,}", re.I)


def test_explorer_page_and_assets(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == PAGE_CSP
    assert "default-src 'self'" in PAGE_CSP and "'unsafe-inline'" not in PAGE_CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    html = r.text
    assert "<script>" not in html and " style=" not in html  # nothing inline: the CSP forbids it
    assert not EXTERNAL.search(html)
    for asset in re.findall(r'(?:src|href)="(/explorer/[^"]+)"', html):
        a = client.get(asset)
        assert a.status_code == 200, asset
        assert a.headers["content-security-policy"] == PAGE_CSP
        assert a.headers["x-content-type-options"] == "nosniff"
        assert not EXTERNAL.search(a.text), asset
    assert client.head("/").status_code == 200


def test_pages_keep_their_own_validators(client):
    # The graph revision's ETag is for the API; the page's files change with the code.
    r = client.get("/explorer/explorer.js")
    assert r.headers["etag"] != client.get("/v1/articles").headers["etag"]
    assert client.get("/explorer/explorer.js", headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    assert "etag" in client.get("/v1/graph.svg").headers


def test_docs_are_served_from_our_own_server(client):
    for path in ("/docs",):
        r = client.get(path)
        assert r.status_code == 200
        assert not EXTERNAL.search(r.text), (path, EXTERNAL.search(r.text))
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split(
            "script-src")[1].split(";")[0]
        assert ("sha256-" in csp) == (path == "/docs")  # Swagger UI's inline start-up script, by hash
        for asset in re.findall(r'(?:src|href)="([^"]+)"', r.text):
            assert asset.startswith("/"), asset
            assert client.get(asset).status_code == 200, asset
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404  # ReDoc would fetch its logo from a CDN
