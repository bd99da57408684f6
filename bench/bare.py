"""The ceiling: a bare FastAPI app, one route answering a small dict, no middleware.

Served in its own process by the same uvicorn build with the same flags as the
product (:func:`bench.server.serve` with ``target="bare"``), so a ratio to it is
what the product's middleware, routing, validation, serialisation and queries
cost on top of the stack itself. A route mounted inside the product would
inherit the product's middleware and hide that cost.

    uvicorn bench.bare:app --host 127.0.0.1 --port 8001
"""

from __future__ import annotations

from fastapi import FastAPI

BARE = {"status": "ok"}

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/bare")
async def bare() -> dict:
    return BARE


@app.get("/readyz")
async def readyz() -> dict:
    return BARE


@app.get("/bare-sync")
def bare_sync() -> dict:
    """The same answer from a plain ``def`` route, which Starlette runs in its thread pool: a diagnostic."""
    return BARE
