"""Liveness and readiness: neither ever waits for a thread of the shared pool.

``/healthz`` answers on the event loop. ``/readyz`` asks the database, which
blocks, so it runs on a thread of its own (not Starlette's pool, which the
reads share and a burst can fill); concurrent readiness checks share one
database round trip, and one that takes longer than :data:`READY_WAIT`
seconds is a 503.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from fastapi import APIRouter

from graph.errors import StoreUnavailable
from graph.storage.store import ping

from ..deps import RuntimeDep
from ..problems import responses
from ..runtime import Runtime
from ..schemas import Status

router = APIRouter(tags=["health"])

READY_WAIT = 2.0  # seconds
_CHECKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readyz")


@router.get("/healthz", response_model=Status, summary="Liveness", operation_id="getHealth",
            responses=responses(500))
async def healthz() -> dict[str, str]:
    """Always 200 while the process answers (on the event loop: no thread to wait for)."""
    return {"status": "ok"}


def _ready(runtime: Runtime) -> None:
    engine = runtime.engine
    if engine is None:
        raise StoreUnavailable()
    if runtime.reloader is not None and runtime.index is not None:
        # the same check the reads make, done now: its outcome (down, or back) holds for them too
        runtime.reloader.current(runtime, force=True)
    try:
        ping(engine)
    except Exception as exc:  # any driver error means: not ready
        raise StoreUnavailable() from exc
    if runtime.index is None:
        raise StoreUnavailable("The graph is not loaded yet")


@router.get("/readyz", response_model=Status, summary="Readiness", operation_id="getReadiness",
            responses=responses(500, 503))
async def readyz(runtime: RuntimeDep) -> dict[str, str]:
    """200 when the database answers (within 2 s) and the graph is loaded, else 503."""
    check = runtime.readiness
    if check is None or check.done():
        check = asyncio.get_running_loop().run_in_executor(_CHECKER, _ready, runtime)
        runtime.readiness = check
    try:
        await asyncio.wait_for(asyncio.shield(check), READY_WAIT)
    except TimeoutError:
        raise StoreUnavailable(f"The database did not answer within {READY_WAIT:g} s") from None
    return {"status": "ok"}
