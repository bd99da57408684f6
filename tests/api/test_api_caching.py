"""Conditional GETs: ETag from the graph revision and the request, 304 on a match."""

from __future__ import annotations

import shutil

from apitools import ARTICLE_ID, start

from app.settings import REPO_SEEDS


def test_get_carries_etag_and_cache_control(client):
    r = client.get("/v1/entities/daskal")
    assert r.status_code == 200
    assert r.headers["etag"].startswith('"') and r.headers["etag"].endswith('"')
    assert r.headers["cache-control"] == "public, max-age=0, must-revalidate"
    assert "Accept" in r.headers["vary"]


def test_if_none_match_gives_304_without_a_body(client):
    etag = client.get("/v1/claims").headers["etag"]
    r = client.get("/v1/claims", headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""
    assert r.headers["etag"] == etag
    strong = etag.removeprefix("W/")  # a gzip answer's tag is weak already
    assert client.get("/v1/claims", headers={"If-None-Match": f'"other", W/{strong}'}).status_code == 304
    assert client.get("/v1/claims", headers={"If-None-Match": strong}).status_code == 304
    assert client.get("/v1/claims", headers={"If-None-Match": '"stale"'}).status_code == 200


def test_etag_depends_on_the_request(client):
    a = client.get("/v1/entities", params={"q": "dask"}).headers["etag"]
    b = client.get("/v1/entities", params={"q": "xi"}).headers["etag"]
    c = client.get("/v1/entities", params={"q": "dask"}, headers={"Accept": "application/json"}).headers["etag"]
    assert len({a, b, c}) == 3
    assert client.get("/v1/entities", params={"q": "dask"}).headers["etag"] == a


def test_errors_and_health_are_not_cached(client):
    r = client.get("/v1/entities/daskl")
    assert r.status_code == 404 and "etag" not in r.headers
    for path in ("/healthz", "/readyz"):
        h = client.get(path).headers
        assert h["cache-control"] == "no-store" and "etag" not in h


def test_revision_changes_when_the_stored_graph_changes(tmp_path, database_url):
    seeds = tmp_path / "seeds"
    shutil.copytree(REPO_SEEDS, seeds)
    one = database_url("one")
    with start(one, seeds) as c:
        before = c.get("/v1/articles").headers["etag"]
    with start(database_url("two"), seeds) as c:  # same content, another database
        assert c.get("/v1/articles").headers["etag"] == before
    facts = seeds / ARTICLE_ID / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("Editor of the article.", "The editor."),
                     encoding="utf-8")
    from graph.ingest import ingest_path
    from graph.storage.store import make_engine

    engine = make_engine(one)
    (result,) = ingest_path(engine, seeds)
    engine.dispose()
    assert result.status == "replaced"
    with start(one, seeds) as c:
        assert c.get("/v1/articles").headers["etag"] != before
