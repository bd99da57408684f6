"""Assertions shared by the API tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

PROBLEM = "application/problem+json"
ARTICLE_ID = "fentanyl-talks-2024-01-31"


def start(database: str | Path, seeds: Path, name: str = "api.db", **kwargs: Any) -> TestClient:
    """A client for a fresh app (not yet started) on ``database``.

    ``database`` is a SQLAlchemy URL (the ``database_url`` fixture gives one on
    each backend), or a folder for the SQLite file ``database/name``.
    """
    url = database if isinstance(database, str) else f"sqlite:///{database / name}"
    settings = Settings(database_url=url, seeds_dir=seeds, **kwargs)
    return TestClient(create_app(settings))


def problem(r, status: int, *, title: str | None = None, type: str | None = None) -> dict:
    """Assert ``r`` is an RFC 9457 problem with this status; return its body."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    # `instance` is the path as sent, percent-encoded (a URI reference): for plain paths, the path itself
    sent = r.request.url.raw_path.split(b"?")[0].decode("ascii")
    assert body["instance"] == sent or unquote(body["instance"]) == unquote(sent)
    assert not set(body["instance"]) & set(' "<>\\^`{|}'), body["instance"]
    assert "Traceback" not in r.text
    if title is not None:
        assert body["title"] == title
    if type is not None:
        assert body["type"] == type
    return body


INVALID = "https://storygraph.dev/problems/invalid-parameter"
NOT_FOUND = "https://storygraph.dev/problems/entity-not-found"
AMBIGUOUS = "https://storygraph.dev/problems/ambiguous-reference"


def invalid(r, parameter: str) -> dict:
    """Assert a 422 naming exactly ``parameter``; return the body."""
    body = problem(r, 422, title="Invalid parameter", type=INVALID)
    assert [e["parameter"] for e in body["errors"]] == [parameter]
    assert body["errors"][0]["location"] == "query"
    assert body["errors"][0]["reason"]
    assert f"'{parameter}'" in body["detail"]
    return body


def every(client: TestClient, url: str, **params: Any) -> list[dict]:
    """All items of a paginated list, page by page."""
    items, offset = [], 0
    while True:
        page = client.get(url, params={**params, "limit": 500, "offset": offset}).json()
        items += page["items"]
        offset += page["limit"]
        if offset >= page["total"]:
            return items


TABLES = ("article", "entity", "alias", "relation", "evidence", "search_doc", "graph_state", "merge")


def snapshot(client: TestClient) -> dict:
    """Every row of every table, to compare before and after a write attempt."""
    from sqlalchemy import text

    with client.app.state.runtime.engine.connect() as c:
        return {t: sorted(map(tuple, c.execute(text(f"SELECT * FROM {t}")).all()), key=repr) for t in TABLES}


LEAKS = ("Traceback", "/work/", '.py"', "File \"", "site-packages")


def clean(r) -> None:
    """No stack trace and no server path in an answer's body."""
    body = r.text if not r.headers.get("content-type", "").startswith("application/zip") else ""
    for leak in LEAKS:
        assert leak not in body, (leak, r.request.url, body[:300])
