"""Compress answers for clients that accept it, and keep ``Vary`` and ``ETag`` true to what was sent.

Exports and lists are text that shrinks five- to tenfold, so a text answer
(``text/*``, JSON, XML, SVG) of at least :data:`MINIMUM_SIZE` bytes goes out
``zstd`` or ``gzip`` encoded when the request's ``Accept-Encoding`` allows one
(``zstd`` first on a tie: faster, and smaller). What is not touched: a
``HEAD`` (:mod:`app.head` asks for identity), a 204, 206 or 304, an answer
already encoded, an event stream, images and zip files (compressed already).

* A streamed answer (a whole-graph export) stays streamed: each chunk is
  compressed and flushed as it comes, and ``Content-Length`` is dropped. A
  whole answer gets the ``Content-Length`` of its encoded bytes.
* ``Vary: Accept-Encoding`` is on every answer of a compressible type, encoded
  or not (a cache must not hand a gzip answer to a client that did not ask
  for one), and on every 304.
* An encoded answer's ``ETag`` is made weak (``W/"…"``, as nginx does): the
  bytes differ per encoding, the content does not. ``If-None-Match`` compares
  weakly (RFC 9110 §13.1.2), so a tag from either encoding revalidates a 304,
  and the 304 repeats the tag in the form the client sent.
* ``Vary`` is merged into one header that names each field once,
  whichever layers added to it (a route, :mod:`app.caching`, CORS, here).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .middleware import Middleware, header_values

MINIMUM_SIZE = 1024  # bytes: below this, encoding saves less than it costs
GZIP_LEVEL = 6  # zlib's default: within a few percent of 9, at a third of the time

# Compressed already, or must reach the client chunk by chunk unbuffered.
_INCOMPRESSIBLE = ("text/event-stream",)


class _Gzip:
    def __init__(self) -> None:
        self._z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # wbits 31: a gzip header, mtime 0

    def whole(self, data: bytes) -> bytes:
        return self._z.compress(data) + self._z.flush()

    def chunk(self, data: bytes) -> bytes:
        return self._z.compress(data) + self._z.flush(zlib.Z_SYNC_FLUSH)

    def end(self, data: bytes) -> bytes:
        return self.whole(data)


CODINGS: dict[str, Callable[[], _Gzip]] = {"gzip": _Gzip}  # the server's preference, best first


def choose(accept_encoding: str, codings: dict[str, Callable[[], _Gzip]] = CODINGS) -> str | None:
    """The coding to send for this ``Accept-Encoding``, or None for identity.

    The highest ``q`` wins; a tie goes to the server's order; ``q=0`` refuses; ``*`` names the rest.

    >>> choose("gzip, deflate, br")
    'gzip'
    >>> choose("gzip;q=0, *")
    >>> choose("*;q=0.5")
    'gzip'
    >>> choose("br, identity") is None
    True
    >>> choose("GZIP;Q=0.8")
    'gzip'
    """
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        weights[name] = q
    best, best_q = None, 0.0
    for name in codings:
        q = weights.get(name, weights.get("*", 0.0))
        if q > best_q:
            best, best_q = name, q
    return best


def compressible(content_type: str) -> bool:
    """Whether a body of this media type is worth compressing.

    >>> [compressible(t) for t in ("application/json", "text/turtle; charset=utf-8", "image/svg+xml",
    ...                            "application/ld+json", "image/png", "application/zip", "text/event-stream")]
    [True, True, True, True, False, False, False]
    """
    media = content_type.split(";", 1)[0].strip().lower()
    if media in _INCOMPRESSIBLE:
        return False
    return (media.startswith("text/") or media.endswith(("json", "+xml", "/xml", "/javascript"))
            or media in ("application/n-triples", "application/n-quads", "application/trig"))


def merge_vary(headers: list[tuple[bytes, bytes]], *extra: bytes) -> list[tuple[bytes, bytes]]:
    """``headers`` with every ``Vary`` (and ``extra``) merged into one, each field named once.

    >>> merge_vary([(b"vary", b"Accept, accept"), (b"etag", b"x"), (b"Vary", b"Origin")], b"Accept-Encoding")
    [(b'etag', b'x'), (b'vary', b'Accept, Origin, Accept-Encoding')]
    >>> merge_vary([(b"vary", b"*"), (b"vary", b"Origin")])
    [(b'vary', b'*')]
    >>> merge_vary([(b"etag", b"x")])
    [(b'etag', b'x')]
    """
    fields: dict[bytes, bytes] = {}
    rest = []
    for k, v in headers:
        if k.lower() == b"vary":
            for field in v.split(b","):
                if field.strip():
                    fields.setdefault(field.strip().lower(), field.strip())
        else:
            rest.append((k, v))
    for field in extra:
        fields.setdefault(field.lower(), field)
    if not fields:
        return rest
    return [*rest, (b"vary", b"*" if b"*" in fields else b", ".join(fields.values()))]


def weaken(etag: bytes) -> bytes:
    """The weak form of an entity tag.

    >>> weaken(b'"abc"'), weaken(b'W/"abc"')
    (b'W/"abc"', b'W/"abc"')
    """
    return etag if etag.startswith(b"W/") else b"W/" + etag


_NOT_ENCODED = frozenset({204, 206, 304})


class Compression(Middleware):
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp, *, minimum_size: int = MINIMUM_SIZE) -> None:
        super().__init__(app)
        self.minimum_size = minimum_size

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        accept_encoding = if_none_match = b""
        for k, v in scope["headers"]:
            if k == b"accept-encoding":
                accept_encoding += b"," + v
            elif k == b"if-none-match":
                if_none_match += b"," + v
        coding = choose(accept_encoding.decode("latin-1")) if scope["method"] != "HEAD" else None
        extensions = scope.get("extensions") or {}
        if coding is not None and "http.response.pathsend" in extensions:  # a file must go through us as bytes
            scope = {**scope, "extensions": {k: v for k, v in extensions.items() if k != "http.response.pathsend"}}
        await self.app(scope, receive, _Encoder(send, coding, self.minimum_size, if_none_match).send)


class _Encoder:
    """One response's way through :class:`Compression`."""

    def __init__(self, send: Send, coding: str | None, minimum_size: int, if_none_match: bytes) -> None:
        self._send, self.coding, self.minimum_size, self.if_none_match = send, coding, minimum_size, if_none_match
        self.start: Message | None = None
        self.compressor: _Gzip | None = None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            await self._started(message)
        elif kind == "http.response.body" and self.start is not None:
            await self._first_body(message)
        elif kind == "http.response.body" and self.compressor is not None:
            body, more = message.get("body", b""), message.get("more_body", False)
            data = self.compressor.chunk(body) if more else self.compressor.end(body)
            if data or not more:
                await self._send({"type": kind, "body": data, "more_body": more})
        else:
            await self._send(message)

    async def _started(self, message: Message) -> None:
        headers = list(message.get("headers") or ())
        status = message["status"]
        found = header_values(headers, b"content-type", b"content-encoding")
        content_type, encoding = found.get(b"content-type", b""), found.get(b"content-encoding", b"")
        if status == 304:
            headers = merge_vary(headers, b"Accept-Encoding")
            headers = [(k, weaken(v) if k.lower() == b"etag" and b"W/" + v in self.if_none_match else v)
                       for k, v in headers]
            await self._send({**message, "headers": headers})
            return
        if encoding or not compressible(content_type.decode("latin-1")):
            await self._send({**message, "headers": merge_vary(headers)})
            return
        headers = merge_vary(headers, b"Accept-Encoding")
        if self.coding is None or status in _NOT_ENCODED or status < 200:
            await self._send({**message, "headers": headers})
            return
        self.start = {**message, "headers": headers}  # sent with the first body: its size decides

    async def _first_body(self, message: Message) -> None:
        start, self.start = self.start, None
        assert start is not None and self.coding is not None
        body, more = message.get("body", b""), message.get("more_body", False)
        if not more and len(body) < self.minimum_size:
            await self._send(start)
            await self._send(message)
            return
        compressor = CODINGS[self.coding]()
        headers = [(k, weaken(v) if k.lower() == b"etag" else v) for k, v in start["headers"]
                   if k.lower() != b"content-length"]
        headers.append((b"content-encoding", self.coding.encode()))
        if more:  # a stream: each chunk goes out as it comes
            self.compressor = compressor
            data = compressor.chunk(body)
        else:
            data = compressor.whole(body)
            headers.append((b"content-length", str(len(data)).encode()))
        await self._send({**start, "headers": headers})
        await self._send({"type": "http.response.body", "body": data, "more_body": more})
