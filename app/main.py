"""The FastAPI application: ``uvicorn app.main:app``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from graph.errors import SchemaBehind, SheetInvalid, StoreCorrupt
from graph.ingest import ingest_path
from graph.storage.schema import startup_lock
from graph.storage.store import article_count, create_schema, make_engine
from graph.stories.files import story_dirs

from . import logs, problems, web
from . import openapi as spec
from .bodylimit import BodyLimit
from .caching import ConditionalGet
from .compression import Compression
from .deps import V1
from .gates import gates
from .head import Head
from .reload import GraphReloader
from .routers import (
    analytics,
    articles,
    claims,
    entities,
    events,
    health,
    merges,
    paths,
    predicates,
    relations,
    search,
    sparql,
    svg,
)
from .routers import graph as whole_graph
from .runtime import Runtime
from .settings import Settings
from .urllimit import UrlLimit

log = logging.getLogger("storygraph.api")

try:
    VERSION = version("storygraph")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    VERSION = "0.0.0"

DESCRIPTION = """\
An API over a knowledge graph of news stories: entities, relations,
claims and events, every fact cited to the article's exact words. Reads are
open; writes (articles, merges) need `Authorization: Bearer <token>`.

**Entity references.** Wherever a parameter takes an entity, it accepts its id,
its canonical name or any alias, case-insensitively and ignoring punctuation
(`us`, `U.S.` and `united-states` all name the United States). An unknown
reference is a 404 with up to five `candidates`; an ambiguous one a 409.

**Evidence offsets.** `start` and `end` count **Unicode code points** into the
article's `text` (as `GET /v1/articles/{id}` returns it), end exclusive, so
`text[start:end] == quote` in Python. JavaScript strings count UTF-16 code
units: convert with `Array.from(text)` (or compare against `quote`) when a text
holds characters outside the Basic Multilingual Plane. The seed article is
ASCII except for "©", which is one unit in both.

**Lists** take `limit` (1-500, default 50) and `offset` and answer
`{items, total, limit, offset}`.

**Errors** are RFC 9457 `application/problem+json` documents:
`{type, title, status, detail, instance}`, plus `candidates` or `errors`.
"""


def _seed(engine: Engine, settings: Settings) -> None:
    try:
        results = ingest_path(engine, settings.seeds_dir)
    except SheetInvalid as exc:
        for fault in exc.faults:
            log.error("Cannot seed the database: %s", fault)
        raise
    except DBAPIError:
        # Several workers starting on one empty SQLite file may race to seed it
        # (PostgreSQL: startup_lock queues them); the losers find the winner's
        # articles and go on.
        with Session(engine) as session:
            if article_count(session) == 0:
                raise
        log.info("Another process seeded the database first")
        return
    log.info("Seeded an empty database: %s", ", ".join(f"{r.article_id} ({r.status})" for r in results))


def _startup(settings: Settings, runtime: Runtime) -> None:
    engine = make_engine(settings.database_url)
    runtime.engine = engine
    with startup_lock(engine):  # N workers starting at once on an empty database seed it once
        try:
            create_schema(engine)
        except (SchemaBehind, StoreCorrupt) as exc:
            log.critical("storygraph: %s", exc)  # one line; problems.StartupFailure keeps the traceback out
            runtime.startup_error = str(exc)
            raise
        with Session(engine) as session:
            empty = article_count(session) == 0
        if empty and settings.seed_on_empty:
            if story_dirs(settings.seeds_dir):
                _seed(engine, settings)
            else:
                log.warning("The database is empty and %s holds no story to seed it with", settings.seeds_dir)
    runtime.reloader = GraphReloader(engine, interval=settings.reload_check_seconds)
    ix = runtime.reloader.load()
    runtime.serve(ix)
    log.info("Graph loaded: %d entities, %d relations, revision %s", ix.g.number_of_nodes(),
             len(ix.orders.relations), ix.revision)


class Storygraph(FastAPI):
    """The application, whose ``/openapi.json`` is FastAPI's finished by app/openapi.py and app/problems.py."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = spec.finish(problems.openapi_problem_media(super().openapi()))
        return self.openapi_schema


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    logs.install()  # uvicorn configured logging before importing us: a token in a query string stays out of its log

    runtime = Runtime(settings, gates())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.engine, runtime.reloader = None, None
        runtime.serve(None)
        try:
            _startup(settings, runtime)
            yield
        finally:
            if runtime.engine is not None:
                runtime.engine.dispose()
            runtime.engine = None
            runtime.serve(None)

    app = Storygraph(title="storygraph", version=VERSION, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # web.install serves them offline
                  # "/v1/entities/%2F" is "/v1/entities//" once decoded: a 404, not a redirect to the list.
                  redirect_slashes=False,
                  generate_unique_id_function=spec.operation_id)  # getEntity, not get_entity_v1_entities__ref__get
    app.state.runtime = runtime  # the one thing stored on app.state (app/runtime.py)
    problems.install(app)
    app.add_middleware(ConditionalGet, max_age=settings.cache_max_age)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)  # inside CORS: a 413 carries its headers
    app.add_middleware(UrlLimit, max_bytes=settings.max_url_bytes)  # 414 / 400 before anything parses the URL
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        # writes need `Authorization: Bearer` (app/auth.py); HEAD is app.head's
        allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["ETag", "Content-Disposition", "Storygraph-Truncated", "Location"],
    )
    # Routes are matched in order: liveness first, then the reads most requests make (bench/).
    # Every router but health's is versioned: /v1 is declared here, once.
    v1 = APIRouter(prefix=V1)
    for module in (entities, relations, paths, claims, events, articles, merges, predicates,
                   whole_graph, search, sparql, analytics, svg):
        v1.include_router(module.router)
    app.include_router(health.router)
    app.include_router(v1)
    web.install(app)  # the explorer at /, /docs offline, security headers
    app.add_middleware(Compression)  # outside CORS and caching: it merges every Vary and weakens the ETag it encodes
    app.add_middleware(Head)  # outermost: a HEAD is the GET it stands for, all the way down
    return app


app = create_app()
