"""Refuse URLs that are too long or not UTF-8, before any endpoint sees them.

* A path plus query string longer than ``max_url_bytes`` (``STORYGRAPH_MAX_URL_BYTES``, default 8192, the
  limit most proxies and browsers keep to) is a **414** problem: no parameter of this API needs more, and a
  long SPARQL query goes in a ``POST`` body.
* A path or query string whose percent-decoded bytes are not UTF-8 is a **400** problem (Starlette would
  silently turn the bytes into U+FFFD and answer about a different string).

A NUL byte (``%00``) is valid UTF-8 and stays plain text: it matches no name, id or word (404 or an empty
result); the endpoints that take it to the database keep it from there (``graph.storage.search``, the write API).
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from .middleware import Middleware
from .problems import problem

TOO_LONG = "https://storygraph.dev/problems/uri-too-long"
BAD_URL = "https://storygraph.dev/problems/invalid-url"


def url_fault(raw_path: bytes, query: bytes) -> str | None:
    """Why this path and query string are refused, or None."""
    for part, name in ((raw_path, "path"), (query.replace(b"+", b" "), "query string")):
        try:
            unquote_to_bytes(part).decode("utf-8")
        except UnicodeDecodeError:
            return f"The {name} is not UTF-8 once percent-decoded"
    return None


class UrlLimit(Middleware):
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        query = scope.get("query_string", b"")
        size = len(raw_path) + (len(query) + 1 if query else 0)
        if size > self.max_bytes:
            response = problem(Request(scope), 414, f"The URL is {size} bytes long; this server takes at most "
                               f"{self.max_bytes} (STORYGRAPH_MAX_URL_BYTES). Send long SPARQL queries with POST.",
                               title="URI too long", type=TOO_LONG, max_url_bytes=self.max_bytes)
            await response(scope, receive, send)
            return
        # ASCII without a percent escape decodes to itself, and ASCII is UTF-8: the common case costs two scans.
        plain = raw_path.isascii() and query.isascii() and b"%" not in raw_path and b"%" not in query
        fault = None if plain else url_fault(raw_path, query)
        if fault is not None:
            response = problem(Request(scope), 400, fault, title="Invalid URL", type=BAD_URL)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
