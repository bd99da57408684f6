"""A database that takes no more writes: full (507 `store-full`) or read-only (503 `store-read-only`).

Each answer names the condition (it was a 503 "cannot be reached" with `type: about:blank`), nothing is
written, reads go on, and writes work again once the condition is lifted. The conditions are real ones from
the engine, on both backends: SQLite opened `mode=ro` (what a read-only file, folder or mount gives; as root,
`chmod` proves nothing) and held to its current size (`PRAGMA max_page_count`: SQLITE_FULL, the code a full
disk gives); PostgreSQL in read-only transactions (`default_transaction_read_only`, as on a hot standby) and,
since a full disk cannot be had in a test, a trigger raising SQLSTATE 53100 (`disk_full`) on insert.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from apitools import clean, problem, snapshot, start
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from app.settings import REPO_SEEDS

TOKEN = "storage-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT = "Small talks\n\nAnn Lee met Bo Chen in Oslo. Bo Chen thanked Ann Lee.\n"


def _story(article_id: str = "small-talks") -> dict:
    people = [{"id": i, "name": n, "type": "person", "aliases": [n], "evidence": [{"quote": n, "occurrence": 1}]}
              for i, n in (("ann-lee", "Ann Lee"), ("bo-chen", "Bo Chen"))]
    return {"article": {"id": article_id, "title": "Small", "publisher": "Test", "published": "2024-02-01",
                        "text": TEXT * 40},  # more than the pages a full database has left
            "sheet": {"entities": people,
                      "relations": [{"id": "ann-met-bo", "subject": "ann-lee", "predicate": "met_with",
                                     "object": "bo-chen",
                                     "evidence": [{"quote": "Ann Lee met Bo Chen", "occurrence": 1}]}]}}


@pytest.fixture
def writer(database_url) -> Iterator[TestClient]:
    with start(database_url("storage"), REPO_SEEDS, api_tokens=f"storage:{TOKEN}") as c:
        yield c


@contextmanager
def each_connection(client: TestClient, setup, when: str = "connect") -> Iterator[None]:
    """Every connection the app opens from now on runs ``setup`` at the engine event ``when``; undone on exit."""
    engine = client.app.state.runtime.engine
    event.listen(engine, when, setup)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, when, setup)
        engine.dispose()


@contextmanager
def read_only(client: TestClient) -> Iterator[None]:
    if client.app.state.runtime.engine.dialect.name == "sqlite":
        def reopen(_dialect, _record, cargs, cparams):  # after the app's own: the file, opened read-only
            cargs[0] = cargs[0].replace("mode=rwc", "mode=ro").replace("mode=rw", "mode=ro")

        with each_connection(client, reopen, "do_connect"):
            yield
    else:
        def setup(conn, _record):
            with conn.cursor() as cur:
                cur.execute("SET default_transaction_read_only = on")
            conn.commit()

        with each_connection(client, setup):
            yield


@contextmanager
def full(client: TestClient) -> Iterator[None]:
    engine = client.app.state.runtime.engine
    if engine.dialect.name == "sqlite":
        def setup(conn, _record):
            cur = conn.cursor()
            pages = cur.execute("PRAGMA page_count").fetchone()[0]
            cur.execute(f"PRAGMA max_page_count = {pages}")
            cur.close()

        with each_connection(client, setup):
            yield
        return
    with engine.begin() as c:
        c.execute(text("CREATE FUNCTION storage_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       "RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; "
                       "END $$"))
        c.execute(text("CREATE TRIGGER storage_full BEFORE INSERT ON article FOR EACH ROW "
                       "EXECUTE FUNCTION storage_full()"))
    try:
        yield
    finally:
        with engine.begin() as c:
            c.execute(text("DROP TRIGGER storage_full ON article"))
            c.execute(text("DROP FUNCTION storage_full()"))


@pytest.mark.parametrize("condition, status, kind", [(full, 507, "store-full"), (read_only, 503, "store-read-only")])
def test_a_write_the_database_cannot_take_names_why(writer, condition, status, kind):
    before = snapshot(writer)
    with condition(writer):
        for r in (writer.post("/v1/articles", json=_story(), headers=AUTH),
                  writer.put("/v1/articles/small-talks", json=_story(), headers=AUTH)):
            clean(r)
            p = problem(r, status, type=f"https://storygraph.dev/problems/{kind}")
            assert "nothing was written" in p["detail"] and "Reads still work" in p["detail"]
        assert writer.get("/v1/entities/daskal").status_code == 200
        assert writer.get("/readyz").status_code == 200
        assert snapshot(writer) == before
    assert writer.post("/v1/articles", json=_story(), headers=AUTH).status_code == 201
