"""A process SIGKILLed in the middle of an ingestion leaves the article fully before or fully after.

Each test starts a real child process (``storygraph ingest``, or uvicorn taking
``POST /v1/articles``) that stops at a named point of the ingestion
(``tests/faults/killpoint.py`` wraps the product's functions; the product has
no test hook), kills it with SIGKILL, and compares a snapshot of every table
with the snapshots before and after a complete ingestion. Then the next start
must serve a graph equal to the database, and the same ingestion, run again,
must land whole (no lock or half-write left behind). Both backends.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from graph.ingest import ingest_path
from graph.storage.store import make_engine
from tests.workers.servers import TOKEN, Server, environment, free_port, running, uvicorn_command
from tests.workers.stories import body, folder

from .tools import kill, killpoint_child, snapshot, stored_graph, wait_for_point


@pytest.fixture
def stories(tmp_path: Path) -> tuple[Path, Path]:
    """The seeds (the Alder story) and a folder of two new stories (Birch, Cedar) to ingest in one go."""
    folder(tmp_path / "seeds", "Alder")
    folder(tmp_path / "new", "Birch")
    folder(tmp_path / "new", "Cedar")
    return tmp_path / "seeds", tmp_path / "new"


def ingest(url: str, path: Path) -> list[str]:
    engine = make_engine(url)
    try:
        return [r.status for r in ingest_path(engine, path)]
    finally:
        engine.dispose()


def seeded(url: str, seeds: Path) -> str:
    from graph.storage.store import create_schema

    engine = make_engine(url)
    try:
        create_schema(engine)
        ingest_path(engine, seeds)
    finally:
        engine.dispose()
    return url


def assert_next_start_serves_the_database(url: str, seeds: Path) -> None:
    with TestClient(create_app(Settings(database_url=url, seeds_dir=seeds))) as client:
        assert client.get("/readyz").status_code == 200
        served = client.get("/v1/graph")
        assert served.status_code == 200, served.text
        assert served.json() == stored_graph(url)


# point -> what the database must hold after the kill
POINTS = {
    "verify:2": "before",     # verifying the second story; the first one's rows are written, uncommitted
    "rows:2": "before",       # every row of both stories written (flushed), no revision bump, no commit
    "commit": "before",       # COMMIT about to be sent
    "commit-race": "either",  # killed while it commits: whichever way the commit went, whole
    "committed": "after",     # COMMIT returned, before the command reported
}


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_during_storygraph_ingest(point, database_url, stories, tmp_path):
    seeds, new = stories
    url = seeded(database_url("killed"), seeds)
    reference = seeded(database_url("reference"), seeds)
    before = snapshot(url)
    assert ingest(reference, new) == ["created", "created"]
    after = snapshot(reference)
    assert before != after

    proc, signal_pipe = killpoint_child(point, ["storygraph", "ingest", str(new), "--database-url", url],
                                        log=tmp_path / "child.log")
    try:
        reached = wait_for_point(proc, signal_pipe)
        if point == "rows:2":  # the transaction really holds the new rows; no one else sees them
            assert int(reached.split()[1]) == len(after["relation"]) > len(before["relation"])
            assert snapshot(url) == before
    finally:
        kill(proc)
    assert proc.returncode == -9, (tmp_path / "child.log").read_text()

    now = snapshot(url)
    expected = POINTS[point]
    if expected == "either":
        assert now in (before, after), "a partial ingestion is stored"
    else:
        assert now == (before if expected == "before" else after)

    assert_next_start_serves_the_database(url, seeds)
    ingest(url, new)  # the same ingestion again: no lock or half-write left in the way
    assert snapshot(url) == after


def test_sigkill_of_the_api_during_a_post(database_url, stories, tmp_path):
    """``POST /v1/articles`` on a real uvicorn killed with every row written; the next process serves the database."""
    seeds, _ = stories
    url = seeded(database_url("api-killed"), seeds)
    before = snapshot(url)
    env = environment(url, seeds)
    port = free_port()
    proc, signal_pipe = killpoint_child("rows", uvicorn_command(port)[2:], env=env, log=tmp_path / "killed.log")
    server = Server("killed", f"http://127.0.0.1:{port}", proc, tmp_path / "killed.log")
    try:
        server.wait_ready()
        posting = threading.Thread(target=lambda: _post_ignoring_errors(server), daemon=True)
        posting.start()
        wait_for_point(proc, signal_pipe)
    finally:
        kill(proc)
    posting.join(timeout=30)
    assert snapshot(url) == before

    with running("next", uvicorn_command(free_port()), env, tmp_path / "next.log") as fresh:
        assert fresh.get("/v1/graph").json() == stored_graph(url)
        assert fresh.request("POST", "/v1/articles", body("Birch"), token=TOKEN).status == 201
        assert "birch-talks" in [a["id"] for a in fresh.get("/v1/articles").json()["items"]]
        assert fresh.get("/v1/graph").json() == stored_graph(url)


def _post_ignoring_errors(server: Server) -> None:
    with contextlib.suppress(OSError):  # the server died under it: that is the point
        server.request("POST", "/v1/articles", body("Birch"), token=TOKEN, timeout=60)
