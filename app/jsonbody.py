"""Write endpoints authenticate first, then read their JSON body strictly.

FastAPI parses a body before it runs any dependency, so a write without a
token used to learn whether its body was valid JSON (a 422) before it was told
it may not write, and it parses with :func:`json.loads`, which takes ``NaN``,
``Infinity`` and ``1e400`` (infinity): none is JSON (RFC 8259), and a stored
or echoed one made the answer fail to serialise (a 500). :class:`WriteRoute`
runs the route's ``require_writer`` dependency first (401/403), then parses a
JSON body with :func:`loads`; what is not JSON in UTF-8 is a 400
``malformed-body`` whose detail says why and where. FastAPI then reuses that
parse (:class:`_ParsedRequest`), so the body is read once.
"""

from __future__ import annotations

import email.message
import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from .auth import require_writer
from .errors import MalformedBody


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (RFC 8259)")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large for a number")
    return value


def loads(body: bytes) -> Any:
    """``body`` as strict JSON in UTF-8; raises :class:`MalformedBody` saying why.

    >>> loads(b'{"a": [1, 2.5, "x"]}')
    {'a': [1, 2.5, 'x']}
    >>> loads(b'{"id": NaN}')
    Traceback (most recent call last):
    app.errors.MalformedBody: The request body is not JSON in UTF-8: NaN is not a JSON number (RFC 8259)
    >>> loads(b'{bad')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    app.errors.MalformedBody: The request body is not JSON in UTF-8: Expecting property name ... at line 1, column 2
    """
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_constant, parse_float=_finite)
    except UnicodeDecodeError as exc:
        raise MalformedBody(f"The request body is not JSON in UTF-8: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise MalformedBody(f"The request body is not JSON in UTF-8: {exc.msg} at line {exc.lineno}, "
                            f"column {exc.colno}") from None
    except RecursionError:
        raise MalformedBody("The request body is not JSON in UTF-8, or nests too deeply to read") from None
    except ValueError as exc:  # NaN, Infinity, 1e400, an integer of more than 4300 digits
        raise MalformedBody(f"The request body is not JSON in UTF-8: {exc}") from None


def is_json(request: Request) -> bool:
    """Whether FastAPI would parse this request's body as JSON (``application/json`` or ``+json``)."""
    content_type = request.headers.get("content-type")
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


class _ParsedRequest(Request):
    """A request whose JSON body was already parsed (strictly): FastAPI's ``json()`` answers that."""

    parsed: Any

    async def json(self) -> Any:
        return self.parsed


class WriteRoute(APIRoute):
    """A route that authenticates (if it writes) before it reads its body, and reads JSON strictly."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        writes = any(d.call is require_writer for d in self.dependant.dependencies)

        async def authenticated_first(request: Request) -> Response:
            if writes:
                require_writer(request)  # 403 or 401, before a byte of the body is looked at
            if is_json(request):
                request = _ParsedRequest(request.scope, request.receive)
                body = await request.body()  # kept by the request: FastAPI reads it from there
                if body:
                    request.parsed = loads(body)
            return await handler(request)

        return authenticated_first
