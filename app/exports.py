"""The export formats over HTTP: the `format` and `Accept` parameters, the format they choose,
the file answer and its OpenAPI description.

Shared by ``GET /v1/graph`` (app/routers/graph.py) and a neighbourhood's export
(app/routers/entities.py), so it lives here rather than in either router.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

import networkx as nx
from fastapi import Header, Query, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.engine import Engine

from graph.indexing.index import GraphIndex
from graph.readwrite import exports
from graph.readwrite.formats import FORMATS, Format
from graph.readwrite.stream import export_stream

from . import negotiation
from .errors import NotAcceptable
from .problems import responses

DEFAULT = "node-link"
if TYPE_CHECKING:  # a Literal built at run time is no type mypy can read; FastAPI reads the one below
    FormatName = str
else:
    FormatName = Literal[tuple(FORMATS)]

_FORMAT_DOC = "; ".join(f"`{f.name}` ({f.media_type}): {f.description}" for f in FORMATS.values())
FormatQuery = Annotated[FormatName | None, Query(
    description=f"The export format; without it, chosen by the `Accept` header. {_FORMAT_DOC}")]
# Read from the request, but not declared in OpenAPI: a header parameter named Accept "SHALL be ignored" there
# (OpenAPI 3.1, Parameter Object), and the 200 and 406 responses already list the media types it chooses between.
AcceptHeader = Annotated[str | None, Header(include_in_schema=False)]


class FormatNotAcceptable(NotAcceptable):
    """406: no export format has a media type the request's ``Accept`` allows.

    ``available`` lists the media types (as every 406 of the API does), ``formats`` their names.
    """

    def __init__(self, accept: str) -> None:
        media = [f.media_type for f in FORMATS.values()]
        super().__init__(f"No export format matches Accept: {accept}; acceptable media types: {', '.join(media)} "
                         f"(or use ?format= with one of {', '.join(FORMATS)})", media)

    def extra(self) -> dict[str, Any]:
        return super().extra() | {"formats": list(FORMATS)}


def negotiate(accept: str) -> Format:
    """The format an ``Accept`` header asks for (app/negotiation.py); the registry's order breaks ties,
    so node-link comes first (``*/*`` and ``application/*`` give node-link)."""
    media_type = negotiation.negotiate(accept, [f.media_type for f in FORMATS.values()])
    if media_type is None:
        raise FormatNotAcceptable(accept)
    return next(f for f in FORMATS.values() if f.media_type == media_type)


def choose_format(format: str | None, accept: str | None) -> Format | None:
    """The format asked for, or None for the endpoint's default JSON.

    ``format`` wins; without it, a non-empty ``Accept`` decides, and one that
    prefers ``application/json`` (or anything, ``*/*``) means the default.
    """
    if format is not None:
        return exports.get_format(format)
    if not accept or not accept.strip():
        return None
    fmt = negotiate(accept)
    return None if fmt.name == DEFAULT else fmt


def _headers(fmt: Format, filename: str) -> dict[str, str]:
    # JSON formats are inline (a browser or fetch shows them), the others attachments; both name the file.
    disposition = "inline" if fmt.media_type.endswith("json") else "attachment"
    return {"Content-Disposition": f'{disposition}; filename="{filename}"', "Vary": "Accept"}


def file_response(ix: GraphIndex, fmt: Format, g: nx.MultiDiGraph, filename: str) -> Response:
    """The rendered export (a graph in memory: a neighbourhood) with its media type and file name."""
    return Response(fmt.render(ix, g), media_type=fmt.media_type, headers=_headers(fmt, filename))


def stream_response(engine: Engine, fmt: Format, filename: str) -> StreamingResponse:
    """The whole stored graph, streamed from one database snapshot as it is written (:mod:`graph.readwrite.stream`).

    Not from the served index: a whole-graph export takes tens of seconds at
    scale, and reading the index that long would hold back its updates; built
    in memory first, it cost gigabytes before the first byte.
    """
    return StreamingResponse(export_stream(engine, fmt), media_type=fmt.media_type, headers=_headers(fmt, filename))


# The JSON formats' schemas (components: app/openapi.py adds those no route returns as its model).
_JSON_SCHEMAS = {"node-link": "NodeLinkGraph", "cytoscape": "CytoscapeGraph", "jsonld": "JsonLdDocument"}


def _schema(fmt: Format) -> dict[str, Any]:
    if fmt.name in _JSON_SCHEMAS:
        return {"$ref": f"#/components/schemas/{_JSON_SCHEMAS[fmt.name]}", "description": fmt.description}
    if fmt.media_type.endswith("json"):
        return {"type": "object", "additionalProperties": True, "description": fmt.description}
    if exports.is_text(fmt):
        return {"type": "string", "description": fmt.description}
    return {"type": "string", "format": "binary", "description": fmt.description}


def media_responses(description: str, *, skip_json: bool = False) -> dict[int | str, dict[str, Any]]:
    """OpenAPI: a 200 with every export media type, and the 406."""
    content = {f.media_type: {"schema": _schema(f)} for f in FORMATS.values()
               if not (skip_json and f.media_type == "application/json")}
    not_acceptable = responses(406)[406] | {
        "description": "No export format matches the `Accept` header; `available` lists the media types, "
                       "`formats` their names"}
    return {200: {"description": description, "content": content}, 406: not_acceptable}


def neighborhood_export(ix: GraphIndex, node: str, depth: int, fmt: Format) -> Response:
    """The neighbourhood of ``node`` as a file in ``fmt``."""
    return file_response(ix, fmt, exports.neighborhood_graph(ix, node, depth=depth),
                         exports.filename(ix, fmt, node=node, depth=depth))
