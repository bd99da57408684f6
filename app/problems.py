"""The one place errors become RFC 9457 ``application/problem+json`` responses.

Domain errors (:class:`graph.errors.StorygraphError`) carry their own status,
title, type and extra members; request validation, routing errors and
anything unexpected are translated here too. Nothing else in ``app/``
builds an error body, and no stack trace or server path reaches a client.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, quote_from_bytes

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DisconnectionError, InterfaceError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send

from graph.errors import InvalidParameter, StoreUnavailable, StorygraphError
from graph.storage.store import storage_error

from .errors import MalformedBody
from .middleware import Middleware
from .runtime import of as runtime_of
from .schemas import EntityMovedProblem, Problem

log = logging.getLogger("storygraph.api")

MEDIA_TYPE = "application/problem+json"
_PATH_SAFE = "/:@!$&'()*+,;=-._~"  # RFC 3986 pchar and "/", kept as they are in `instance`
INVALID_PARAMETER = InvalidParameter.type

_DESCRIPTIONS = {
    400: "Malformed or refused request (e.g. a SPARQL syntax error or update, or a body that is not JSON in UTF-8)",
    413: "The request body is larger than `STORYGRAPH_MAX_BODY_BYTES`",
    414: "The URL is longer than the server accepts",
    406: "No representation matches `Accept`; `available` lists the media types",
    415: "Unsupported request body media type",
    504: "The query ran past its time budget and was stopped",
    404: "Not found; for an entity reference, with up to five `candidates`",
    409: "Ambiguous entity reference, with the `candidates` it could mean",
    422: "Invalid parameter; `errors` names each one",
    500: "Internal error",
    503: "Database unreachable or read-only, graph not loaded, or every slot for this kind of work taken "
         "(`Retry-After`)",
    507: "The database has no room for the write (a full disk); nothing was written",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses, as problem documents."""
    return {
        s: {"model": Problem, "description": _DESCRIPTIONS.get(s, HTTPStatus(s).phrase),
            "content": {MEDIA_TYPE: {}}}
        for s in statuses
    }


# An entity id merged away (app.errors.EntityMoved, app.deps.redirect_merged): only routes with an
# entity `{ref}` in the path answer it. `Location` is the URL to follow; the body says the same, as a problem.
MOVED: dict[int | str, dict[str, Any]] = {308: {
    "model": EntityMovedProblem, "content": {MEDIA_TYPE: {}},
    "description": "The entity id was merged into another: `Location` is the same request for the entity kept "
                   "(clients follow it); the body names it in `merged_into`",
    "headers": {"Location": {"description": "The same URL with the kept entity's id", "required": True,
                             "schema": {"type": "string", "format": "uri-reference"}}}}}


class ProblemResponse(JSONResponse):
    media_type = MEDIA_TYPE


def instance(request: Request) -> str:
    """The request's path as the client sent it (``raw_path``): a URI reference, percent-encoded."""
    raw = request.scope.get("raw_path")
    if raw:
        return quote_from_bytes(raw.split(b"?", 1)[0], safe=_PATH_SAFE + "%")
    return quote(request.url.path, safe=_PATH_SAFE)


def problem(request: Request | None, status: int, detail: str, *, title: str | None = None,
            type: str = "about:blank", headers: dict[str, str] | None = None, **extra: Any) -> ProblemResponse:
    body: dict[str, Any] = {"type": type, "title": title or HTTPStatus(status).phrase, "status": status,
                            "detail": detail}
    if request is not None:
        body["instance"] = instance(request)
    body.update(extra)
    return ProblemResponse(body, status_code=status, headers=headers)


async def _domain(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StorygraphError)
    extra = exc.extra()
    if isinstance(exc, InvalidParameter):  # same shape as a request validation error
        prefix = f"Parameter '{exc.parameter}': "
        extra = {"errors": [{"parameter": exc.parameter, "location": "query",
                             "reason": exc.detail.removeprefix(prefix)}]}
    return problem(request, exc.status, exc.detail, title=exc.title, type=exc.type, headers=exc.headers() or None,
                   **extra)


def _reason(err: dict[str, Any]) -> str:
    return str(err.get("msg", "invalid")).removeprefix("Value error, ")


async def _validation(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    undecodable = next((e for e in exc.errors() if e.get("type") == "json_invalid"), None)
    if undecodable is not None:  # a body FastAPI could not parse is malformed, not an invalid parameter
        why = (undecodable.get("ctx") or {}).get("error", "JSON decode error")
        error = MalformedBody(f"The request body is not JSON in UTF-8: {why}")
        return problem(request, error.status, error.detail, title=error.title, type=error.type)
    errors = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        location = str(loc[0]) if loc else "request"
        name = ".".join(str(p) for p in loc[1:]) or location
        key = "field" if location == "body" else "parameter"
        errors.append({key: name, "location": location, "reason": _reason(err)})
    first = errors[0] if errors else {"parameter": "?", "reason": "invalid request"}
    detail = f"Parameter '{first.get('parameter', first.get('field'))}': {first['reason']}"
    if len(errors) > 1:
        detail += f" (and {len(errors) - 1} more)"
    return problem(request, 422, detail, title=InvalidParameter.title, type=INVALID_PARAMETER, errors=errors)


# FastAPI's words for a body it cannot decode (not UTF-8, or not JSON at all).
_UNPARSABLE_BODY = "There was an error parsing the body"


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this URL (Starlette's 405 names only the first route's)."""
    from starlette.routing import Match

    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    if "GET" in allowed and "HEAD" not in allowed:  # app.head answers HEAD wherever GET is served
        allowed.insert(allowed.index("GET") + 1, "HEAD")
    return allowed


async def _http(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    headers = dict(exc.headers or {})
    if status == 404 and detail == "Not Found":
        detail = "No endpoint at this URL; see /docs for the API"
    elif status == 405 and detail == "Method Not Allowed":
        methods = allowed_methods(request)
        if methods:
            headers = {k: v for k, v in headers.items() if k.lower() != "allow"} | {"Allow": ", ".join(methods)}
        allow = ", ".join(methods)
        detail = f"Method {request.method} is not allowed here" + (f"; use {allow}" if allow else "")
    elif status == 400 and detail == _UNPARSABLE_BODY:
        error = MalformedBody("The request body is not JSON in UTF-8, or nests too deeply to read")
        return problem(request, error.status, error.detail, title=error.title, type=error.type)
    return problem(request, status, detail, headers=headers or None)


class CatchAll(Middleware):
    """Innermost ASGI middleware: an unexpected exception becomes a generic 500 problem.

    It sits inside CORS (unlike Starlette's ServerErrorMiddleware), so even a
    500 carries the CORS headers a browser needs to read it. The traceback
    goes to the log, never to the client.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("Unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            request = Request(scope)
            response = problem(request, 500, "The server failed to answer this request; the error has been logged.")
            await response(scope, receive, send)


async def _store_error(request: Request, exc: Exception) -> ProblemResponse:
    """A database error: the storage condition it reports, else the database is unreachable (503).

    A full disk is a 507 (``store-full``) and a read-only database a 503 (``store-read-only``), each
    named (:func:`graph.storage.store.storage_error`). An error that says the server or file cannot be reached
    is a 503, like the reloader's check (an endpoint that queries the database itself, such as full-text
    search, meets the outage before the next revision check does). Other database errors stay 500s.
    """
    cause = str(getattr(exc, "orig", None) or exc).strip().split("\n")[0]
    known = storage_error(exc)
    if known is not None:
        log.error("The database refused a write on %s %s: %s", request.method, request.url.path, cause)
        return problem(request, known.status, known.detail, title=known.title, type=known.type)
    if not isinstance(exc, (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)):
        log.error("Unhandled database error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem(request, 500, "The server failed to answer this request; the error has been logged.")
    log.error("The database cannot be reached on %s %s: %s", request.method, request.url.path, cause)
    error = StoreUnavailable("The database cannot be reached; retry shortly")
    return problem(request, error.status, error.detail, title=error.title, type=error.type)


class StartupFailure(Middleware):
    """ASGI middleware: a start-up refused for a known reason is one log line, not a traceback.

    When the lifespan fails with a :class:`StorygraphError` (an unusable database
    file, a schema behind), ``app.main`` has already logged it in one line;
    Starlette would hand the server the whole traceback to log as well. This
    middleware drops that text, so uvicorn logs only "Application startup
    failed" and exits non-zero. Any other failure keeps its traceback.
    """

    scope_type = "lifespan"

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed" and runtime_of(scope["app"]).startup_error:
                message = {**message, "message": ""}
            await send(message)

        await self.app(scope, receive, sending)


def install(app: FastAPI) -> None:
    """Register the handlers and the catch-all middleware on ``app``."""
    app.add_exception_handler(StorygraphError, _domain)
    for failure in (OperationalError, InterfaceError, DisconnectionError, PoolTimeout, InternalError):
        app.add_exception_handler(failure, _store_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_middleware(CatchAll)
    app.add_middleware(StartupFailure)


# What any URL may be answered with before it reaches an endpoint (app/urllimit.py).
URL_ERRORS = {400: "The URL is not UTF-8 once percent-decoded",
              414: "The URL (path and query string) is longer than `STORYGRAPH_MAX_URL_BYTES` (8192)"}


def openapi_problem_media(schema: dict[str, Any]) -> dict[str, Any]:
    """Error responses are ``application/problem+json``, not ``application/json``.

    FastAPI attaches a response ``model`` to ``application/json``; move it. Every operation also
    declares the URL errors (400, 414) that the middleware answers for any path.
    """
    problem_schema = {"$ref": "#/components/schemas/Problem"}
    for path in schema.get("paths", {}).values():
        for op in path.values():
            for status, description in URL_ERRORS.items():
                op.setdefault("responses", {}).setdefault(
                    str(status), {"description": description, "content": {MEDIA_TYPE: {"schema": problem_schema}}})
            for status, resp in op.get("responses", {}).items():
                content = resp.get("content", {})
                if str(status)[0] in "345" and "application/json" in content:
                    moved = content.pop("application/json")
                    content[MEDIA_TYPE] = content.get(MEDIA_TYPE) or {}
                    content[MEDIA_TYPE].update(moved)
    return schema
