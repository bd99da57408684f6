"""Conditional GETs: an ETag per graph revision and request, 304 on a match.

The graph is immutable per revision, so a response is a function of the
revision and the request (path, query, ``Accept``). The ETag can therefore
be computed *before* the endpoint runs, and a matching ``If-None-Match`` is
answered with 304 without doing the work.
"""

from __future__ import annotations

import hashlib

import anyio
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.errors import StorygraphError

# Liveness and readiness describe the process, not the graph: never cached.
NO_STORE_PATHS = frozenset({"/healthz", "/readyz"})
# Only the API's answers are functions of the graph; the pages and their files (the explorer, /docs) change
# with the code, so they keep the validators StaticFiles/FileResponse give them.
GRAPH_PREFIX = "/v1/"


def etag_for(revision: str, scope: Scope) -> str:
    accept = Headers(scope=scope).get("accept", "")
    key = b"\n".join([scope["path"].encode(), scope.get("query_string", b""), accept.encode()])
    return f'"{revision}-{hashlib.sha256(key).hexdigest()[:16]}"'


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    # Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x".
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag in tags


class ConditionalGet:
    """ASGI middleware adding ``ETag``/``Cache-Control``/``Vary`` and answering 304s."""

    def __init__(self, app: ASGIApp, *, max_age: int = 0) -> None:
        self.app = app
        self.cache_control = f"public, max-age={max_age}, must-revalidate"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if scope["path"] in NO_STORE_PATHS:
            await self.app(scope, receive, self._with_headers(send, {"cache-control": "no-store"}))
            return
        state = scope["app"].state
        reloader = getattr(state, "reloader", None)
        if reloader is not None and reloader.due():  # the tag must name the graph this request will see
            try:
                await anyio.to_thread.run_sync(reloader.current, state)
            except StorygraphError:  # the endpoint's own dependency answers with the problem (no ETag, no 304)
                pass
        if reloader is not None and reloader.down:  # the database is unreachable: a 503, never a 304
            await self.app(scope, receive, send)
            return
        index = getattr(state, "index", None)
        if index is None or not scope["path"].startswith(GRAPH_PREFIX):  # not loaded (a 503), or a page
            await self.app(scope, receive, send)
            return
        etag = etag_for(index.revision, scope)
        headers = {"etag": etag, "cache-control": self.cache_control, "vary": "Accept"}
        if _matches(Headers(scope=scope).get("if-none-match", ""), etag):
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(k.encode(), v.encode()) for k, v in headers.items()]})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, self._with_headers(send, headers, only_ok=True))

    @staticmethod
    def _with_headers(send: Send, extra: dict[str, str], *, only_ok: bool = False) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and (not only_ok or 200 <= message["status"] < 300):
                headers = MutableHeaders(scope=message)
                for k, v in extra.items():
                    if k == "vary":
                        headers.add_vary_header(v)
                    else:
                        headers[k] = v
            await send(message)

        return sending
