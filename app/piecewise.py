"""Large JSON answers validated and written an item at a time, so no single call holds the GIL for long.

Why: FastAPI validates a returned dict against the ``response_model`` in one
call into pydantic-core, then serialises it, then ``json.dumps`` it: three
calls into C that each hold the GIL for the whole answer. A path search of
100 paths is ~800 KB; under load each of those calls held the GIL for 100 ms
and more, and the event loop (``/healthz``, every request's start and end)
waited that long. Here each item of the answer's long lists goes through its
own small validate-and-dump, so the interpreter can switch threads between
items. The bytes are those of FastAPI's own answer, parsed: the same fields,
aliases and values.

>>> from app.schemas import EntityRef, Page
>>> china = {"id": "china", "name": "China", "type": "country", "internal": 1}
>>> piecewise_json(Page[EntityRef], {"items": [china], "total": 1, "limit": 50, "offset": 0}, "items")
b'{"items":[{"id":"china","name":"China","type":"country"}],"total":1,"limit":50,"offset":0}'
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, cast, get_args

from fastapi import Response
from pydantic import BaseModel, TypeAdapter


@cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


def _dump(annotation: Any, value: Any) -> bytes:
    ta = _adapter(annotation)
    return ta.dump_json(ta.validate_python(value), by_alias=True)


def piecewise_json(model: type[BaseModel], data: dict[str, Any], *lists: str) -> bytes:
    """``model``'s JSON for ``data``; the fields named in ``lists`` (``list[X]``) one item at a time."""
    parts = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        value = data.get(name, data.get(key)) if (name in data or key in data) else field.get_default(
            call_default_factory=True)
        if name in lists:
            (item,) = get_args(field.annotation)
            encoded = b"[" + b",".join(_dump(item, v) for v in cast(list[Any], value)) + b"]"
        else:
            encoded = _dump(field.annotation, value)
        parts.append(json.dumps(key).encode() + b":" + encoded)
    return b"{" + b",".join(parts) + b"}"


def answer(model: type[BaseModel], data: dict[str, Any], *lists: str, headers: dict[str, str] | None = None
           ) -> Response:
    """A JSON response of :func:`piecewise_json` (the route keeps ``response_model`` for its OpenAPI)."""
    return Response(piecewise_json(model, data, *lists), media_type="application/json", headers=headers)
