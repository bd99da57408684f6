"""The graph's read lock is held while an endpoint computes, and only then.

A request that waits for a step of its own (a dependency, the event loop, a
worker thread) holds nothing, so the catch-up after a write (app/reload.py) is
never kept out by it. Held from the index dependency to the answer, the lock
spanned those waits: under 64 readers there was never a moment with no reader
inside, and a write took 5-60 s to be served (docs/performance.md).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import threading
from collections.abc import Iterator
from typing import Any

import anyio
from apitools import ARTICLE_ID, start
from fastapi import Depends
from fastapi.routing import APIRoute

from app import routers
from app.deps import READERS, IndexDep, get_index
from graph.algorithms import queries
from tests.graph.conftest import write_story


def test_a_request_waiting_between_its_steps_holds_no_read_lock(tmp_path, database_url):
    seeds = tmp_path / "seeds"
    write_story(seeds / "small-talks")
    paused, go = threading.Event(), threading.Event()

    async def pause() -> None:  # resolved after the index: the request waits here, as for a thread under load
        paused.set()
        await anyio.to_thread.run_sync(go.wait)

    with start(database_url(), seeds) as client:
        @client.app.get("/probe")  # pause as a default: a local named in a (string) annotation is not resolved
        def probe(ix: IndexDep, _: None = Depends(pause)) -> dict[str, Any]:
            return {}

        answers: list[int] = []
        request = threading.Thread(target=lambda: answers.append(client.get("/probe").status_code))
        request.start()
        try:
            assert paused.wait(30), "the probe request never reached its pause"
            ix = client.app.state.runtime.index
            writer_got_in = ix.lock.acquire_write(timeout=1.0)  # what a catch-up does (and withdraws after)
            if writer_got_in:
                ix.lock.release_write()
        finally:
            go.set()
            request.join(30)
        assert writer_got_in, "a request waiting between its steps held the graph's read lock"
        assert answers == [200]


def test_an_endpoint_computes_with_the_index_held(client, monkeypatch):
    inside: list[bool] = []
    article = queries.article

    def spy(ix: Any, article_id: str) -> dict[str, Any]:
        writer_got_in = ix.lock.acquire_write(timeout=0.01)
        if writer_got_in:
            ix.lock.release_write()
        inside.append(not writer_got_in)
        return article(ix, article_id)

    monkeypatch.setattr(queries, "article", spy)
    assert client.get(f"/v1/articles/{ARTICLE_ID}").status_code == 200
    assert inside == [True], "the endpoint read the index with no read lock: it could see half a revision"


def _calls(dependant: Any) -> Iterator[Any]:
    for d in dependant.dependencies:
        yield d.call
        yield from _calls(d)


def _routes() -> Iterator[APIRoute]:
    """Every route of every router module (the app holds them through included routers)."""
    for info in pkgutil.iter_modules(routers.__path__):
        module = importlib.import_module(f"{routers.__name__}.{info.name}")
        yield from (r for r in module.router.routes if isinstance(r, APIRoute))


def test_every_endpoint_that_reads_the_index_holds_it_while_it_runs():
    routes = [r for r in _routes() if get_index in set(_calls(r.dependant))]
    assert len(routes) > 10
    for route in routes:
        if inspect.iscoroutinefunction(route.endpoint):  # SPARQL: it holds the index in the thread that answers
            assert route.endpoint.__module__ == "app.routers.sparql", route.path
        else:
            assert route.endpoint in READERS, f"{route.path}: wrap {route.endpoint.__name__} in @reads_index"
