"""Refuse request bodies over ``max_body_bytes`` with a 413 problem, while they are read.

A declared ``Content-Length`` over the limit is refused before a byte is
read; a body without one (chunked) is counted chunk by chunk and refused as
soon as it passes the limit, so no endpoint ever holds more than the limit.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import BodyTooLarge
from .middleware import Middleware
from .problems import problem

BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyLimit(Middleware):
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        exc = BodyTooLarge(self.max_bytes)
        response = problem(Request(scope), exc.status, exc.detail, title=exc.title, type=exc.type,
                           headers={"Connection": "close"}, **exc.extra())
        await response(scope, receive, send)

    def takes(self, scope: Scope) -> bool:
        return scope["type"] == "http" and scope["method"] not in BODYLESS

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, None, receive), send)


def _replay(chunks: list[bytes], last: Message | None, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body read so far, then the rest of the connection's messages."""
    pending: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]
    if last is not None:
        pending = [last]

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
