"""Expensive work is bounded per kind (app/gates.py), and cheap requests never queue behind it.

The gate itself is tested on an event loop of its own; the server as a whole on a real uvicorn process,
where the failure this guards against lived: 48 clients waiting for two SPARQL slots inside the 40
threads every plain endpoint shares, so `/v1/entities/china` waited as long as the queries did.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from apitools import problem, start

from app.gates import LIMITS, Busy, Gate, Limit
from app.settings import REPO_SEEDS
from tests.workers.servers import environment, free_port, running, uvicorn_command

TINY = Limit(slots=1, queue=1, wait=0.5, retry_after=3, what="tests")


def run(coro):
    return asyncio.run(coro)


# --- the gate -------------------------------------------------------------------------------------------

def test_a_free_slot_is_taken_at_once_and_given_back():
    async def go():
        gate = Gate("t", TINY)
        await gate.acquire()
        assert gate.running == 1
        gate.release()
        assert gate.running == 0
    run(go())


def test_past_the_queue_the_answer_is_busy_at_once():
    async def go():
        gate = Gate("t", TINY)
        await gate.acquire()  # the one slot
        waiter = asyncio.create_task(gate.acquire())  # the one place in the queue
        await asyncio.sleep(0)
        assert gate.waiting == 1
        with pytest.raises(Busy) as info:
            await gate.acquire()
        assert "1 more requests are already waiting" in info.value.detail
        gate.release()  # the slot passes to the waiter
        await waiter
        assert gate.running == 1 and gate.waiting == 0
        gate.release()
        assert gate.running == 0
    run(go())


def test_a_wait_past_the_limit_is_busy_with_retry_after():
    async def go():
        gate = Gate("t", TINY)
        await gate.acquire()
        with pytest.raises(Busy) as info:
            await gate.acquire()
        err = info.value
        assert err.status == 503 and err.headers() == {"Retry-After": "3"}
        assert err.extra() == {"work": "t", "slots": 1, "retry_after": 3}
        assert "within 0.5 s" in err.detail
        assert gate.waiting == 0 and gate.running == 1  # the one who waited left nothing behind
    run(go())


def test_slots_go_to_waiters_first_come_first_served():
    async def go():
        gate = Gate("t", Limit(slots=1, queue=5, wait=5, retry_after=1, what="tests"))
        await gate.acquire()
        order: list[int] = []

        async def take(i: int) -> None:
            await gate.acquire()
            order.append(i)
            await asyncio.sleep(0)
            gate.release()

        tasks = [asyncio.create_task(take(i)) for i in range(4)]
        await asyncio.sleep(0)
        gate.release()
        await asyncio.gather(*tasks)
        assert order == [0, 1, 2, 3] and gate.running == 0
    run(go())


def test_a_waiter_that_goes_away_gives_up_its_place():
    async def go():
        gate = Gate("t", Limit(slots=1, queue=5, wait=5, retry_after=1, what="tests"))
        await gate.acquire()
        waiter = asyncio.create_task(gate.acquire())
        await asyncio.sleep(0)
        waiter.cancel()  # the client disconnected
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert gate.waiting == 0
        gate.release()
        assert gate.running == 0
    run(go())


def test_every_expensive_kind_has_a_bound():
    assert set(LIMITS) == {"sparql", "paths", "neighbourhoods", "pictures", "analytics", "exports"}
    assert all(lim.slots >= 1 and lim.queue >= 0 and lim.wait > 0 and lim.retry_after >= 1
               for lim in LIMITS.values())
    # The 40 threads of the shared pool are never all taken by expensive work.
    assert sum(lim.slots for lim in LIMITS.values()) < 40


# --- through the API ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, path", [
    ("paths", "/v1/paths?source=daskal&target=china"),
    ("neighbourhoods", "/v1/entities/china/neighborhood"),
    ("analytics", "/v1/analytics/centrality"),
    ("exports", "/v1/graph"),
    ("sparql", "/v1/sparql?query=ASK%20%7B%7D"),
])
def test_a_full_kind_answers_503_and_the_rest_still_answers(kind, path, database_url):
    with start(database_url("gates"), REPO_SEEDS) as c:
        assert c.get(path).status_code == 200
        c.app.state.runtime.gates[kind] = Gate(kind, Limit(slots=0, queue=0, wait=1, retry_after=7, what="tests"))
        r = c.get(path)
        body = problem(r, 503, type="https://storygraph.dev/problems/busy")
        assert r.headers["retry-after"] == "7" and body["work"] == kind
        assert c.get("/v1/entities/china").status_code == 200  # other work is not held back
        assert c.get("/healthz").status_code == 200 and c.get("/readyz").status_code == 200


def test_a_slot_is_held_until_a_streamed_export_is_read_to_the_end(database_url):
    """Driven at the ASGI level: the client reads the first chunk, and the slot is still taken."""
    with start(database_url("gates-stream"), REPO_SEEDS) as c:
        app, gate = c.app, c.app.state.runtime.gates["exports"]
        seen: dict[str, object] = {}

        async def drive() -> bytes:
            body: list[bytes] = []

            requested = False

            async def receive():
                nonlocal requested
                if not requested:
                    requested = True
                    return {"type": "http.request", "body": b"", "more_body": False}
                await asyncio.Event().wait()  # the client stays connected

            async def send(message):
                if message["type"] == "http.response.start":
                    seen["status"] = message["status"]
                elif message["type"] == "http.response.body":
                    if not body:  # the first chunk has reached the client; the rest has not been written
                        seen["running_mid_stream"] = gate.running
                    body.append(message.get("body", b""))
                    if not message.get("more_body"):
                        seen["running_at_last_chunk"] = gate.running

            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                     "scheme": "http", "path": "/v1/graph", "raw_path": b"/v1/graph",
                     "query_string": b"format=graphml", "root_path": "", "headers": [(b"host", b"testserver")],
                     "client": ("127.0.0.1", 1), "server": ("testserver", 80), "state": {}}
            await app(scope, receive, send)
            return b"".join(body)

        data = asyncio.run(drive())
        assert seen["status"] == 200 and data.rstrip().endswith(b"</graphml>")
        assert seen["running_mid_stream"] == 1 and seen["running_at_last_chunk"] == 1
        assert gate.running == 0  # given back once the answer was sent


# --- a real server under a SPARQL flood -----------------------------------------------------------------

# A cube of the store, counted as it streams: seconds of CPU, stopped only by the time budget.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture
def server(tmp_path: Path):
    env = environment(f"sqlite:///{tmp_path / 'flood.db'}", REPO_SEEDS, sparql_timeout_seconds="10")
    with running("flood", uvicorn_command(free_port()), env, tmp_path / "flood.log") as srv:
        yield srv


def test_cheap_requests_answer_while_clients_flood_sparql(server):
    """Before the gates, the cheap read got a thread only when the first queries gave theirs back.

    The issue's 48 clients, or enough to fill the slots and the queue and be refused 16 times at once.
    """
    from urllib.parse import quote

    flood = max(48, LIMITS["sparql"].slots + LIMITS["sparql"].queue + 16)
    path = "/v1/sparql?query=" + quote(ENDLESS)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()
    first_slow: list[int] = []  # how many cheap answers had come when the first query finished running

    cheap: list[tuple[str, int]] = []

    def query() -> None:
        a = server.get(path, timeout=60)
        with lock:
            if a.status != 503 and not first_slow:
                first_slow.append(len(cheap))
            answers.append((a.status, {k.lower(): v for k, v in a.headers.items()}))

    threads = [threading.Thread(target=query) for _ in range(flood)]
    for t in threads:
        t.start()
    # Every query has been sent when the slots and the queue are full; then the cheap requests.
    while True:
        with lock:
            refused = sum(1 for s, _ in answers if s == 503)
        if refused >= flood - LIMITS["sparql"].slots - LIMITS["sparql"].queue:
            break
        threading.Event().wait(0.01)
    for p in ("/healthz", "/v1/entities/china", "/readyz", "/v1/entities?q=daskal"):
        a = server.get(p, timeout=60)
        with lock:
            cheap.append((p, a.status))
    for t in threads:
        t.join(90)
    assert all(status == 200 for _, status in cheap), cheap
    # The cheap requests were all answered before any query had run out its budget (10 s: a wide margin).
    assert first_slow == [4], (first_slow, server.output())
    statuses = sorted(s for s, _ in answers)
    assert len(statuses) == flood and set(statuses) <= {503, 504}, statuses
    busy = [h for s, h in answers if s == 503]
    assert len(busy) >= flood - LIMITS["sparql"].slots - LIMITS["sparql"].queue
    assert all(h.get("retry-after") == str(LIMITS["sparql"].retry_after) for h in busy)
