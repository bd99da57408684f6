"""The service under benchmark: the real app, plus a bare JSON endpoint as this stack's ceiling.

``GET /bench/bare`` answers a small dict through the same process, middleware
and event loop as the API, so every endpoint's throughput is reported as a
ratio to it. Served by uvicorn:

    STORYGRAPH_DATABASE_URL=sqlite:///x.db uvicorn --factory bench.app:app_from_env --host 127.0.0.1
"""

from __future__ import annotations

from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings

BARE = {"status": "ok", "service": "storygraph", "bench": True}


def create_bench_app(settings: Settings | None = None) -> FastAPI:
    app = create_app(settings)

    @app.get("/bench/bare", include_in_schema=False)
    def bare() -> dict:
        return BARE

    return app


def app_from_env() -> FastAPI:
    """The uvicorn ``--factory``: settings from the ``STORYGRAPH_*`` environment."""
    return create_bench_app(Settings())
