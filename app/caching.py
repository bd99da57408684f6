"""Conditional GETs: an ETag per graph revision and request, 304 on a match.

The graph is immutable per revision, so a response is a function of the
revision and the request (path, query, ``Accept``). The ETag can therefore
be computed *before* the endpoint runs, and a matching ``If-None-Match`` is
answered with 304 without doing the work.

Pure ASGI and cheap on purpose: it runs on every request, so it reads the request
headers in one pass and adds its own as pre-encoded bytes, and only ``/v1/``
answers (functions of the graph) pay for an ETag.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.errors import StorygraphError

from .deps import V1
from .middleware import Middleware
from .runtime import of as runtime_of

# Liveness and readiness describe the process, not the graph: never cached.
NO_STORE_PATHS = frozenset({"/healthz", "/readyz"})
# Only the API's answers are functions of the graph; the pages and their files (the explorer, /docs) change
# with the code, so they keep the validators StaticFiles/FileResponse give them.
GRAPH_PREFIX = V1 + "/"


def _request_header(scope: Scope, name: bytes) -> bytes:
    """The first value of a request header (names are lower-case in ASGI), or b""."""
    headers: Iterable[tuple[bytes, bytes]] = scope["headers"]
    for k, v in headers:
        if k == name:
            return v
    return b""


def etag_for(revision: str, scope: Scope, accept: bytes | None = None) -> str:
    if accept is None:
        accept = _request_header(scope, b"accept")
    key = b"\n".join([scope["path"].encode(), scope.get("query_string", b""), accept])
    return f'"{revision}-{hashlib.sha256(key).hexdigest()[:16]}"'


def add_headers(message: Message, extra: list[tuple[bytes, bytes]]) -> None:
    """Set ``extra`` on a ``http.response.start`` message: a header replaces any of its name, ``vary`` adds
    the fields it does not name yet.

    The same result as Starlette's ``MutableHeaders`` (``headers[k] = v``, ``add_vary_header``), without
    building one per response.

    >>> m = {"type": "http.response.start", "status": 200, "headers": [(b"vary", b"Origin"), (b"etag", b'"x"')]}
    >>> add_headers(m, [(b"etag", b'"y"'), (b"vary", b"Accept")])
    >>> m["headers"]
    [(b'vary', b'Origin, Accept'), (b'etag', b'"y"')]
    >>> add_headers(m, [(b"vary", b"accept")])
    >>> m["headers"]
    [(b'vary', b'Origin, Accept'), (b'etag', b'"y"')]
    """
    headers = list(message.get("headers") or ())
    for name, value in extra:
        at = [i for i, (k, _) in enumerate(headers) if k.lower() == name]
        if not at:
            headers.append((name, value))
        elif name == b"vary":  # a field already named (a route's own "Vary: Accept") is not named twice
            have = headers[at[0]][1]
            named = {f.strip().lower() for f in have.split(b",")}
            fresh = [f.strip() for f in value.split(b",") if f.strip().lower() not in named]
            headers[at[0]] = (name, b", ".join([have, *fresh]) if fresh else have)
            headers = [h for i, h in enumerate(headers) if i not in at[1:]]
        else:
            headers[at[0]] = (name, value)
            headers = [h for i, h in enumerate(headers) if i not in at[1:]]
    message["headers"] = headers


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    # Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x".
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag in tags


class ConditionalGet(Middleware):
    """ASGI middleware adding ``ETag``/``Cache-Control``/``Vary`` and answering 304s."""

    def __init__(self, app: ASGIApp, *, max_age: int = 0) -> None:
        super().__init__(app)
        self.cache_control = f"public, max-age={max_age}, must-revalidate"
        self._cache_control = self.cache_control.encode()

    def takes(self, scope: Scope) -> bool:
        return scope["type"] == "http" and scope["method"] in ("GET", "HEAD")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] in NO_STORE_PATHS:
            await self.app(scope, receive, self._with_headers(send, _NO_STORE))
            return
        runtime = runtime_of(scope["app"])
        reloader = runtime.reloader
        if reloader is not None and reloader.due():  # the tag must name the graph this request will see
            with contextlib.suppress(StorygraphError):  # the endpoint's dependency answers it (no ETag, no 304)
                await anyio.to_thread.run_sync(reloader.current, runtime)
        if reloader is not None and reloader.down:  # the database is unreachable: a 503, never a 304
            await self.app(scope, receive, send)
            return
        index = runtime.index
        if index is None or not scope["path"].startswith(GRAPH_PREFIX):  # not loaded (a 503), or a page
            await self.app(scope, receive, send)
            return
        accept = if_none_match = b""
        for k, v in scope["headers"]:  # one pass over the request's headers
            if k == b"accept" and not accept:
                accept = v
            elif k == b"if-none-match" and not if_none_match:
                if_none_match = v
        etag = etag_for(index.revision, scope, accept)
        headers = [(b"etag", etag.encode()), (b"cache-control", self._cache_control), (b"vary", b"Accept")]
        if if_none_match and _matches(if_none_match.decode("latin-1"), etag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, self._with_headers(send, headers, only_ok=True))

    @staticmethod
    def _with_headers(send: Send, extra: list[tuple[bytes, bytes]], *, only_ok: bool = False) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and (not only_ok or 200 <= message["status"] < 300):
                add_headers(message, extra)
            await send(message)

        return sending


_NO_STORE = [(b"cache-control", b"no-store")]
