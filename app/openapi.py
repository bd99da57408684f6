"""The OpenAPI document, finished for the clients generated from it (openapi-typescript, orval, Swagger UI).

FastAPI derives the paths and schemas from the routes; this module adds what it cannot know:

* **Operation ids** are the endpoint function's name in camelCase (``get_entity`` -> ``getEntity``), or the
  route's explicit ``operation_id``: short, and stable while the function keeps its name, so generated
  clients keep their method names (FastAPI's default, ``get_entity_v1_entities__ref__get``, changes with
  the path). ``tests/api/test_api_openapi.py`` lists them all: renaming one is a breaking change.
* **Security**: writes need ``Authorization: Bearer <token>``; :func:`app.auth.require_writer` depends on
  FastAPI's ``HTTPBearer``, so each write declares the ``bearer`` scheme (Swagger UI's Authorize button,
  the token of generated clients). Every other operation declares ``security: []``: open.
* **Schema names**: a generic model's component is named after its argument: ``Page[EntityHit]`` is
  ``EntityHitPage`` (pydantic names it ``Page_EntityHit_``, which generators keep as is).
* ``servers`` (this server, relative), the license and a contact, as linters expect.
* Schemas that only a non-JSON media type uses (Cytoscape JSON, JSON-LD) become components too.

>>> camel("list_entity_relations")
'listEntityRelations'
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from pydantic.json_schema import models_json_schema

from .schemas import EXTRA_COMPONENTS

LICENSE = {"name": "MIT", "identifier": "MIT"}  # pyproject.toml's license
CONTACT = {"name": "storygraph", "url": "https://storygraph.dev/"}
SERVERS = [{"url": "/", "description": "This server"}]
_GENERIC = re.compile(r"^(Page)_(\w+)_$")  # pydantic's name for Page[X]


def camel(name: str) -> str:
    """``snake_case`` as ``camelCase``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def operation_id(route: APIRoute) -> str:
    """FastAPI's ``generate_unique_id_function``: the endpoint's name in camelCase."""
    return camel(route.name)


def finish(schema: dict[str, Any]) -> dict[str, Any]:
    """Add open reads' empty security, servers, license, contact and the extra components to FastAPI's document."""
    info = schema.setdefault("info", {})
    info.setdefault("license", LICENSE)
    info.setdefault("contact", CONTACT)
    schema["servers"] = SERVERS
    components = schema.setdefault("components", {})
    _, defs = models_json_schema([(m, "serialization") for m in EXTRA_COMPONENTS],
                                 ref_template="#/components/schemas/{model}")
    for name, model_schema in defs.get("$defs", {}).items():
        components.setdefault("schemas", {}).setdefault(name, model_schema)
    _rename_generics(schema)
    for ops in schema.get("paths", {}).values():
        for op in ops.values():
            op.setdefault("security", [])
            for response in op.get("responses", {}).values():
                for media in response.get("content", {}).values():
                    _exclusive(media.get("schema", {}))
    return schema


def _rename_generics(schema: dict[str, Any]) -> None:
    """``Page_EntityHit_`` -> ``EntityHitPage``, in ``components`` and in every ``$ref``.

    >>> doc = {"components": {"schemas": {"Page_Claim_": {"title": "Page[Claim]"}}},
    ...        "paths": {"/": {"get": {"schema": {"$ref": "#/components/schemas/Page_Claim_"}}}}}
    >>> _rename_generics(doc)
    >>> doc["components"]["schemas"], doc["paths"]["/"]["get"]["schema"]
    ({'ClaimPage': {'title': 'ClaimPage'}}, {'$ref': '#/components/schemas/ClaimPage'})
    """
    schemas = schema.get("components", {}).get("schemas", {})
    names = {old: m.group(2) + m.group(1) for old in schemas if (m := _GENERIC.match(old))}
    if not names:
        return
    prefix = "#/components/schemas/"
    for old, new in names.items():
        schemas[new] = schemas.pop(old)
        schemas[new]["title"] = new

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix):] in names:
                node["$ref"] = prefix + names[ref[len(prefix):]]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)


def _exclusive(schema: dict[str, Any]) -> None:
    """A response of one model or another (``X | Y``): ``oneOf``, since exactly one shape comes back.

    The neighbourhood's JSON is ``Neighborhood`` (no ``format``) or ``NodeLinkGraph`` (``format=node-link``);
    neither carries a member naming its shape, so there is no ``discriminator``: ``"directed" in data``
    tells them apart (``Neighborhood`` allows no other member).
    """
    if "anyOf" in schema and all("$ref" in s for s in schema["anyOf"]):
        schema["oneOf"] = schema.pop("anyOf")
