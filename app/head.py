"""``HEAD`` on every ``GET`` route: the same status and headers, no body.

Uptime monitors, link checkers and ``curl -I`` send ``HEAD``; FastAPI routes
answer only the methods they declare, so every API route said 405. This
middleware serves a ``HEAD`` as the ``GET`` it stands for and drops the body,
rather than adding ``HEAD`` to each route, which would put a second operation
(and a duplicate operationId) for each into ``/openapi.json``.

The ``GET`` is asked for in identity encoding (the ``Accept-Encoding`` is
dropped): its headers, ``Content-Length`` included, are those of the
uncompressed answer, which is what any client that does not ask for gzip
gets, and no time goes into compressing bytes nobody reads. A whole answer is
still built (its length is a header); a streamed one (a whole-graph export,
without ``Content-Length``) is stopped once its headers are out.
"""

from __future__ import annotations

import anyio
from starlette.types import Message, Receive, Scope, Send

from .middleware import Middleware

_DISCONNECT: Message = {"type": "http.disconnect"}


class Head(Middleware):
    """ASGI middleware: see the module's docstring."""

    def takes(self, scope: Scope) -> bool:
        return bool(scope["type"] == "http" and scope["method"] == "HEAD")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope = {**scope, "method": "GET", "headers": [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]}
        done = anyio.Event()

        async def sending(message: Message) -> None:
            if done.is_set() or message["type"] == "http.response.body":
                return  # the body is dropped: the answer ended with its headers
            await send(message)
            if message["type"] == "http.response.start":
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                done.set()  # a stream still writing learns from `receive` that nobody listens

        async def receiving() -> Message:
            if done.is_set():
                return _DISCONNECT
            got: Message = _DISCONNECT
            async with anyio.create_task_group() as tg:
                async def client() -> None:
                    nonlocal got
                    got = await receive()
                    tg.cancel_scope.cancel()

                async def finished() -> None:
                    await done.wait()
                    tg.cancel_scope.cancel()

                tg.start_soon(client)
                tg.start_soon(finished)
            return got

        await self.app(scope, receiving, sending)
