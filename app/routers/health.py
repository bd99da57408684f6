"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request

from graph.errors import StoreUnavailable
from graph.store import ping

from ..problems import responses
from ..schemas import Status

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Status, summary="Liveness", responses=responses(500))
async def healthz():
    """Always 200 while the process answers (on the event loop: no thread to wait for)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=Status, summary="Readiness", responses=responses(500, 503))
def readyz(request: Request):
    """200 when the database answers and the graph is loaded, else 503."""
    state = request.app.state
    engine = getattr(state, "engine", None)
    if engine is None:
        raise StoreUnavailable()
    reloader = getattr(state, "reloader", None)
    if reloader is not None and getattr(state, "index", None) is not None:
        # the same check the reads make, done now: its outcome (down, or back) holds for them too
        reloader.current(state, force=True)
    try:
        ping(engine)
    except Exception as exc:  # any driver error means: not ready
        raise StoreUnavailable() from exc
    if getattr(state, "index", None) is None:
        raise StoreUnavailable("The graph is not loaded yet")
    return {"status": "ok"}
