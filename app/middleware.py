"""The shape every ASGI middleware of ``app/`` shares: wrap one app, act on some scopes, pass the rest through.

Each middleware (CORS aside, which is Starlette's) used to open with the same
``__init__`` and the same "not mine: hand it on" guard; written once here, a
middleware says only which scopes it takes (:meth:`Middleware.takes`) and what
it does with them (:meth:`Middleware.handle`). :func:`header_values` reads the
raw headers of a message the way those that look at a response's headers do.

>>> import asyncio
>>> seen = []
>>> async def inner(scope, receive, send):
...     seen.append(("inner", scope["type"]))
>>> class Tag(Middleware):
...     async def handle(self, scope, receive, send):
...         seen.append(("tag", scope["type"]))
...         await self.app(scope, receive, send)
>>> asyncio.run(Tag(inner)({"type": "lifespan"}, None, None)); seen
[('inner', 'lifespan')]
>>> seen.clear(); asyncio.run(Tag(inner)({"type": "http"}, None, None)); seen
[('tag', 'http'), ('inner', 'http')]
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send


class Middleware:
    """An ASGI middleware around ``app``: :meth:`handle` gets the scopes :meth:`takes` accepts, ``app`` the rest."""

    scope_type = "http"  # the scopes taken, unless :meth:`takes` says more

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def takes(self, scope: Scope) -> bool:
        return bool(scope["type"] == self.scope_type)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.takes(scope):
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


def header_values(headers: Iterable[tuple[bytes, bytes]], *names: bytes) -> dict[bytes, bytes]:
    """The value of each of ``names`` (lower case) present in raw ASGI ``headers``: the last, if repeated.

    >>> header_values([(b"Content-Type", b"text/plain"), (b"ETag", b"x"), (b"content-type", b"text/csv")],
    ...               b"content-type", b"content-encoding")
    {b'content-type': b'text/csv'}
    """
    return {k: v for k, v in ((k.lower(), v) for k, v in headers) if k in names}
