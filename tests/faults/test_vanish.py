"""The database vanishes under a running API process, then comes back: 503 problems, then recovery by itself.

A real uvicorn process serves a database; then the database goes away:

- SQLite: the folder holding the file is moved away (the disk is gone), or
  the file is moved away and a directory put in its place. (``chmod 000``
  would prove nothing: the tests run as root, and an open file descriptor
  ignores permissions anyway. Moving the file keeps open connections
  reading the moved file; the engine notices that the path no longer names
  the file it opened and drops them.)
- PostgreSQL: the server is stopped (``pg_ctl stop -m fast``).

Within a bounded time ``/readyz`` and every read endpoint answer 503
problems (never a 500, never a 304 from a cached ETag, never the graph in
memory), writes too, while ``/healthz`` stays 200. Then the database is put
back (the folder or file moved back; the server started on the same port),
and without a restart the process answers 200 again, with the stored graph.
"""

from __future__ import annotations

import os
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.workers.servers import TOKEN, Answer, Server, environment, free_port, running, uvicorn_command
from tests.workers.stories import body, folder

from .pg import own_postgres
from .tools import stored_graph

PROBLEM = "application/problem+json"
# Hang guards, not promises: the check runs every 0.1 s here, so the state turns within a few checks;
# these only end a run that never turns, on however busy a machine.
DOWN_WITHIN = 60.0  # seconds from the loss of the database to 503s
BACK_WITHIN = 60.0  # seconds from its return to 200s

READS = ["/v1/entities", "/v1/entities?q=ann", "/v1/entities/ann-alder", "/v1/entities/ann-alder/relations",
         "/v1/entities/ann-alder/neighborhood", "/v1/relations?predicate=met_with", "/v1/claims", "/v1/events",
         "/v1/articles", "/v1/articles/alder-talks", "/v1/predicates", "/v1/graph", "/v1/graph?format=graphml",
         "/v1/paths?source=ann-alder&target=alderville", "/v1/search?q=alder", "/v1/merges"]


def until(condition: Callable[[], bool], within: float, what: str) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > within:
            raise AssertionError(f"{what}: not within {within} s")
        time.sleep(0.05)
    return time.monotonic() - start


def ready(server: Server) -> int:
    return server.get("/readyz", timeout=10).status


def assert_unavailable(server: Server, etags: dict[str, str]) -> None:
    for path in ["/readyz", *READS]:
        r = server.get(path, timeout=15)
        assert r.status == 503, (path, r.status, r.body[:300])
        assert r.headers["content-type"] == PROBLEM
        problem = r.json()
        assert problem["status"] == 503 and problem["title"] == "Store unavailable", problem
        assert "Traceback" not in r.body.decode() and "/tmp" not in r.body.decode()
    for path, etag in etags.items():  # a cached copy is not confirmed while the database is away
        r = _conditional(server, path, etag)
        assert r.status == 503, (path, r.status)
    assert server.request("POST", "/v1/articles", body("Birch"), token=TOKEN, timeout=15).status == 503
    assert server.get("/healthz").status == 200  # the process itself is alive


def _conditional(server: Server, path: str, etag: str) -> Answer:
    req = urllib.request.Request(server.url + path, headers={"If-None-Match": etag})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return Answer(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return Answer(e.code, dict(e.headers), e.read())


@contextmanager
def serving(url: str, tmp_path: Path) -> Iterator[Server]:
    folder(tmp_path / "seeds", "Alder")
    env = environment(url, tmp_path / "seeds", reload_check_seconds="0.1")
    with running("api", uvicorn_command(free_port()), env, tmp_path / "api.log") as server:
        yield server


def outage(server: Server, url: str, break_it: Callable[[], None], restore: Callable[[], None]) -> None:
    etags = {}
    for path in READS:
        r = server.get(path)
        assert r.status == 200, (path, r.status, r.body[:300])
        if "etag" in {k.lower() for k in r.headers}:
            etags[path] = {k.lower(): v for k, v in r.headers.items()}["etag"]
    assert etags
    stored = stored_graph(url)

    break_it()
    until(lambda: ready(server) == 503, DOWN_WITHIN, "/readyz turned 503")
    assert_unavailable(server, etags)
    time.sleep(0.3)  # a few more checks fail: still down, still 503s
    assert_unavailable(server, etags)

    restore()
    until(lambda: ready(server) == 200, BACK_WITHIN, "/readyz back to 200 without a restart")
    for path in READS:
        r = server.get(path)
        assert r.status == 200, (path, r.status, r.body[:300])
    assert server.get("/v1/graph").json() == stored
    assert server.request("POST", "/v1/articles", body("Birch"), token=TOKEN).status == 201
    assert server.get("/v1/articles/birch-talks").status == 200
    assert server.proc.poll() is None  # the same process all along


@pytest.mark.parametrize("how", ["folder-moved-away", "file-replaced-by-a-directory"])
def test_sqlite_file_vanishes_and_comes_back(how, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = data / "storygraph.db"
    url = f"sqlite:///{db}"
    with serving(url, tmp_path) as server:
        if how == "folder-moved-away":
            def break_it():
                os.rename(data, tmp_path / "elsewhere")

            def restore():
                os.rename(tmp_path / "elsewhere", data)
        else:
            def break_it():
                os.rename(db, tmp_path / "moved.db")
                db.mkdir()

            def restore():
                db.rmdir()
                os.rename(tmp_path / "moved.db", db)

        outage(server, url, break_it, restore)
        assert not (tmp_path / "elsewhere").exists() and db.is_file()
    assert sorted(p.name for p in data.iterdir() if not p.name.endswith(("-wal", "-shm"))) == ["storygraph.db"]


def test_postgresql_server_stops_and_restarts(tmp_path):
    with own_postgres() as pg, serving(pg.url, tmp_path) as server:
        outage(server, pg.url, pg.stop, pg.start)


def test_sqlite_vanished_file_is_not_recreated_empty(tmp_path):
    """The file deleted outright (no backup moved back): 503s, and no new empty database appears in its place."""
    data = tmp_path / "data"
    data.mkdir()
    db = data / "storygraph.db"
    with serving(f"sqlite:///{db}", tmp_path) as server:
        shutil.move(str(db), str(tmp_path / "backup.db"))
        until(lambda: ready(server) == 503, DOWN_WITHIN, "/readyz turned 503")
        for path in ("/v1/entities", "/v1/search?q=alder"):
            assert server.get(path).status == 503
        assert server.request("POST", "/v1/articles", body("Birch"), token=TOKEN).status == 503
        assert not db.exists()
