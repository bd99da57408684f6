"""Bounded concurrency for expensive work: slots per kind, a short queue on the event loop, then a 503.

Why: a plain ``def`` endpoint runs on Starlette's threadpool (40 threads),
which every cheap read shares. When SPARQL queries waited for a free engine
slot *inside* those threads, 48 clients sending one slow query took all 40,
and ``/v1/entities/china`` waited 5 s for a thread. Here a request for
expensive work first waits for a slot of its kind in an ``async`` dependency,
on the event loop, before the endpoint takes a thread; so no more than the
sum of the slots (18) ever do expensive work at once, and cheap reads always
find a thread. ``/healthz`` and ``/readyz`` take no thread at all.

Each kind has its own :class:`Limit`: ``slots`` run at once; up to ``queue``
more wait, first come first served, at most ``wait`` seconds; past either, the
answer is at once a 503 ``busy`` problem with ``Retry-After``. The slot is held
until the answer is sent, so a streamed export keeps its slot (and the
database connection behind it) to its last byte.

>>> LIMITS["sparql"].queue, LIMITS["exports"].slots
(64, 4)
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request

from graph.errors import StorygraphError

from .runtime import of as runtime_of


@dataclass(frozen=True)
class Limit:
    """How much of one kind of work runs at once, and how long a request may wait for a slot."""

    slots: int
    queue: int  # requests that may wait for a slot; past this, a 503 at once
    wait: float  # seconds a request may wait; then a 503
    retry_after: int  # seconds, the 503's Retry-After
    what: str  # for the 503's detail


CORES = os.cpu_count() or 2

# SPARQL runs in child processes (one core each): a slot per core, at least two. The layout of a picture
# and whole-graph analytics are CPU-bound in this process (they hold the GIL), so two at a time. Paths
# and neighbourhoods are bounded walks (milliseconds to a second); exports hold a database connection
# each while their client reads, so four of the pool's fifteen. The queues are long because a waiting request
# costs the event loop nothing, while a refused one comes straight back: with queues of 16, 64 clients flooding
# pictures made 1,400 refusals a second, and the loop that answers /healthz spent its time writing 503s.
LIMITS: dict[str, Limit] = {
    "sparql": Limit(max(2, CORES), 64, 5.0, 2, "SPARQL queries"),
    "paths": Limit(4, 64, 10.0, 1, "path searches"),
    "neighbourhoods": Limit(4, 64, 10.0, 1, "neighbourhood walks"),
    "pictures": Limit(2, 64, 30.0, 5, "picture layouts"),
    "analytics": Limit(2, 32, 30.0, 5, "whole-graph analytics"),
    "exports": Limit(4, 64, 60.0, 10, "whole-graph exports"),
}


class Busy(StorygraphError):
    """503: every slot for this kind of work is taken and the queue is full or waited out; retry later."""

    status = 503
    title = "Busy"
    type = "https://storygraph.dev/problems/busy"

    def __init__(self, kind: str, limit: Limit, *, waited: bool) -> None:
        self.kind, self.limit = kind, limit
        why = (f"no slot came free within {limit.wait:g} s" if waited
               else f"{limit.queue} more requests are already waiting")
        super().__init__(f"All {limit.slots} slots for {limit.what} are taken and {why}; "
                         f"retry after {limit.retry_after} s")

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.limit.retry_after)}

    def extra(self) -> dict[str, Any]:
        return {"work": self.kind, "slots": self.limit.slots, "retry_after": self.limit.retry_after}


class Gate:
    """The slots of one kind of work; used on one event loop (the server's), so it needs no lock.

    A released slot passes straight to the longest waiter, so a stream of new
    requests cannot overtake the queue.
    """

    def __init__(self, kind: str, limit: Limit) -> None:
        self.kind, self.limit = kind, limit
        self.running = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self) -> None:
        if self.running < self.limit.slots and not self._waiters:
            self.running += 1
            return
        if len(self._waiters) >= self.limit.queue:
            raise Busy(self.kind, self.limit, waited=False)
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(turn)
        try:
            async with asyncio.timeout(self.limit.wait):
                await turn
        except (TimeoutError, asyncio.CancelledError) as exc:
            handed = turn.done() and not turn.cancelled()  # a slot came just as the wait ended
            if not handed:
                self._waiters.remove(turn)
            if isinstance(exc, TimeoutError):
                if handed:
                    return
                raise Busy(self.kind, self.limit, waited=True) from None
            if handed:  # the client went away: pass the slot on
                self.release()
            raise

    def release(self) -> None:
        while self._waiters:
            turn = self._waiters.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot changes hands; ``running`` stays
                return
        self.running -= 1


def gates() -> dict[str, Gate]:
    """A fresh set of gates, one per kind in :data:`LIMITS` (one set per app)."""
    return {kind: Gate(kind, limit) for kind, limit in LIMITS.items()}


def slot(kind: str) -> Any:
    """A route dependency: hold a slot of ``kind`` from before the endpoint runs until its answer is sent.

    Declared in a route's ``dependencies``, it is resolved before the
    endpoint's own parameters, so a waiting request holds neither a thread nor
    the graph's read lock.
    """
    if kind not in LIMITS:
        raise ValueError(f"unknown kind of work {kind!r}; one of {', '.join(LIMITS)}")

    async def hold(request: Request) -> AsyncIterator[None]:
        gate = runtime_of(request.app).gates[kind]
        await gate.acquire()
        try:
            yield
        finally:
            gate.release()

    hold.__name__ = f"{kind}_slot"
    return Depends(hold)
