"""Many API processes on one PostgreSQL database stay consistent.

Real uvicorn processes on 127.0.0.1 (free ports), each with its own graph in
memory: a write through one (or through ``storygraph ingest``, another
process again) is served by every other without a restart, concurrent
writers all land, and writers of one article queue instead of losing a write.
How soon (docs/operations.md promises one second) is measured by ``bench/``, which
prints it: a test that asserts a duration fails on a busy machine while the
code is right.
Every process is stopped at the end of its test, pass or fail.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import Session, select

from graph.storage.store import make_engine, stored_revision
from graph.storage.tables import ArticleRow
from tests.graph.pgserver import drop_database, fresh_database

from .servers import BIN, TOKEN, Server, environment, free_port, launch, serve_command, uvicorn_command
from .stories import WORDS, body, folder

HANG = 120.0  # seconds: only a guard against a process that never catches up, not a speed claim


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    url = fresh_database(pg_server)
    yield url
    drop_database(url)


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder(tmp_path / "seeds", "Alder")
    return tmp_path / "seeds"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """``start(name, command, env)`` launches a process; all of them are stopped after the test."""
    started: list[Server] = []

    def start(name: str, command: list[str], env: dict[str, str]) -> Server:
        started.append(launch(name, command, env, tmp_path / f"{name}.log"))
        return started[-1]

    yield start
    for server in reversed(started):
        server.stop()


@pytest.fixture
def two(servers, pg_url, seeds) -> tuple[Server, Server]:
    """Two uvicorn processes on one PostgreSQL database, the first seeding it with the Alder story."""
    env = environment(pg_url, seeds)
    a, b = servers("a", uvicorn_command(free_port()), env), servers("b", uvicorn_command(free_port()), env)
    a.wait_ready()
    b.wait_ready()
    return a, b


def revision(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return stored_revision(conn)
    finally:
        engine.dispose()


def articles(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return sorted(s.exec(select(ArticleRow.id)).all())
    finally:
        engine.dispose()


def served_eventually(server: Server, path: str, check: Callable[[object], bool]) -> None:
    """Poll ``server`` until ``check(answer)``; fail only if it never does (:data:`HANG`)."""
    start = time.monotonic()
    while True:
        answer = server.get(path, timeout=30)
        if check(answer):
            return
        assert time.monotonic() - start < HANG, (f"{server.name} never served the change to {path}: "
                                                 f"{answer.status} {answer.body[:300]!r}")
        time.sleep(0.02)


def ingest(url: str, story: Path) -> subprocess.CompletedProcess:
    """``storygraph ingest`` in a process of its own."""
    return subprocess.run([str(BIN / "storygraph"), "ingest", str(story), "--database-url", url],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          check=False)  # the tests judge the exit code


# --- one write, every reader ------------------------------------------------------------------------

def test_a_write_through_one_process_is_served_by_the_other(two, pg_url, tmp_path):
    a, b = two
    assert a.get("/v1/articles").json()["total"] == b.get("/v1/articles").json()["total"] == 1
    before = revision(pg_url)
    r = a.request("POST", "/v1/articles", body("Birch"), token=TOKEN)
    assert r.status == 201, r.body
    served_eventually(b, "/v1/articles/birch-talks", lambda r: r.status == 200)
    served_eventually(b, "/v1/entities/Ben%20Birch", lambda r: r.status == 200 and r.json()["id"] == "ben-birch")
    assert revision(pg_url) == before + 1
    assert a.get("/v1/articles/birch-talks").status == 200  # the writer reads its own write at once


def test_a_replacement_by_another_process_is_served(two, pg_url, tmp_path):
    """The writer here is ``storygraph ingest``: a third process, not an API worker."""
    a, b = two
    assert b.get("/v1/entities/ben-alder").json()["description"] == "Version 0 of Ben."
    done = ingest(pg_url, folder(tmp_path / "v1", "Alder", version=1))
    assert done.returncode == 0 and done.stdout.startswith("replaced: alder-talks"), done.stdout + done.stderr
    for server in (a, b):
        served_eventually(server, "/v1/entities/ben-alder", lambda r: r.json()["description"] == "Version 1 of Ben.")


# --- many writers -----------------------------------------------------------------------------------

def test_concurrent_posts_of_different_articles_through_both_processes_all_land(two, pg_url):
    a, b = two
    words = WORDS[1:9]  # eight new stories, four through each process, all at once
    before = revision(pg_url)
    with ThreadPoolExecutor(max_workers=len(words)) as pool:
        answers = list(pool.map(lambda iw: (a, b)[iw[0] % 2].request("POST", "/v1/articles", body(iw[1]),
                                                                      token=TOKEN, timeout=60),
                                enumerate(words)))
    assert [r.status for r in answers] == [201] * len(words), [r.body[:300] for r in answers]
    expected = sorted(["alder-talks", *(f"{w.lower()}-talks" for w in words)])
    assert articles(pg_url) == expected
    assert revision(pg_url) == before + len(words)  # once per write
    for server in (a, b):
        served_eventually(server, "/v1/articles?limit=500",
                      lambda r: sorted(i["id"] for i in r.json()["items"]) == expected)


def test_concurrent_puts_of_one_article_serialise_and_none_is_lost(two, pg_url):
    a, b = two
    versions = range(1, 7)
    before = revision(pg_url)
    with ThreadPoolExecutor(max_workers=len(versions)) as pool:
        answers = list(pool.map(lambda v: (a, b)[v % 2].request("PUT", "/v1/articles/alder-talks",
                                                                 body("Alder", version=v), token=TOKEN, timeout=60),
                                versions))
    assert [r.status for r in answers] == [200] * len(versions), [r.body[:300] for r in answers]
    # every version replaced the one before it (none was merged into another, none skipped) ...
    assert revision(pg_url) == before + len(versions)
    # ... and what is stored is one whole version, the same through both processes
    final = a.get("/v1/articles/alder-talks/sheet").json()
    (ben,) = [e for e in final["sheet"]["entities"] if e["id"] == "ben-alder"]
    assert ben["description"] in {f"Version {v} of Ben." for v in versions}
    for server in (a, b):
        served_eventually(server, "/v1/entities/ben-alder", lambda r: r.json()["description"] == ben["description"])


def test_concurrent_ingest_processes_all_land(pg_url, tmp_path):
    """Writers in separate processes (the CLI), new articles and one article rewritten, all at once."""
    assert ingest(pg_url, folder(tmp_path / "v0", "Alder")).returncode == 0
    before = revision(pg_url)
    stories = [folder(tmp_path / "new", w) for w in WORDS[1:3]]
    stories += [folder(tmp_path / f"v{v}", "Alder", version=v) for v in (1, 2)]
    with ThreadPoolExecutor(max_workers=len(stories)) as pool:
        done = list(pool.map(lambda d: ingest(pg_url, d), stories))
    assert [d.returncode for d in done] == [0] * len(stories), [d.stderr[-500:] for d in done]
    statuses = sorted(d.stdout.split(":")[0] for d in done)
    assert statuses == ["created"] * 2 + ["replaced"] * 2  # each version replaced another: none lost
    assert revision(pg_url) == before + len(stories)
    assert articles(pg_url) == ["alder-talks", "birch-talks", "cedar-talks"]


# --- starting many workers on an empty database -----------------------------------------------------

def test_processes_started_together_on_an_empty_database_seed_it_once(servers, pg_url, seeds):
    env = environment(pg_url, seeds)
    started = [servers(name, uvicorn_command(free_port()), env) for name in ("a", "b", "c")]
    for server in started:
        server.wait_ready()
    assert revision(pg_url) == 1  # one schema, one seeding
    assert articles(pg_url) == ["alder-talks"]
    for server in started:
        assert [i["id"] for i in server.get("/v1/articles").json()["items"]] == ["alder-talks"]


def test_serve_starts_the_workers_the_environment_asks_for(servers, pg_url, seeds):
    """The Docker image's command: ``storygraph serve`` with ``STORYGRAPH_WORKERS``."""
    server = servers("serve", serve_command(free_port()), environment(pg_url, seeds, workers="2"))
    server.wait_ready()
    deadline = time.monotonic() + HANG  # a guard against workers that never start, not a speed claim
    while server.output().count("Started server process") < 2:
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.1)
    assert revision(pg_url) == 1 and articles(pg_url) == ["alder-talks"]
    for _ in range(20):
        assert server.get("/v1/entities/ann-alder").status == 200
