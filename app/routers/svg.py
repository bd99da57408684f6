"""Pictures: the whole graph and a neighbourhood as SVG (``graph.render``).

The paths end in ``.svg`` and live beside the JSON ones: ``/v1/entities/{ref}``
takes one path segment, so ``/v1/entities/{ref}/neighborhood.svg`` never
reaches it, and ``/v1/graph.svg`` is a path of its own, not ``/v1/graph``.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from threading import Lock
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from graph import exports, pathfind, render
from graph.index import GraphIndex

from ..deps import REF_DOC, IndexDep, resolve
from ..gates import slot
from ..problems import responses
from .sparql import TRUNCATED_HEADER

router = APIRouter(prefix="/v1", tags=["pictures"], responses=responses(422, 500, 503))

_SVG_RESPONSE = {200: {"description": "An SVG document (UTF-8)",
                       "content": {render.MEDIA_TYPE: {"schema": {"type": "string"}}}}}
_CACHE: OrderedDict[tuple[str, str | None, int], bytes] = OrderedDict()
_CACHE_SIZE = 64
_LOCK = Lock()


def _picture(ix: GraphIndex, node: str | None, depth: int) -> bytes:
    """The rendered SVG, cached per graph revision (a layout of the whole graph takes a second)."""
    key = (ix.revision, node, depth)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    if node is None:
        titles = [a.get("title") for a in ix.articles.values()]
        title = f"storygraph: {titles[0]}" if len(titles) == 1 and titles[0] else "storygraph"
        svg = render.render_svg(ix.g, title=title)
    else:
        name = ix.g.nodes[node].get("name", node)
        svg = render.render_svg(exports.neighborhood_graph(ix, node, depth=depth), focus=node,
                                title=f"{name}: {depth} hop{'s' if depth > 1 else ''} around")
    with _LOCK:
        _CACHE[key] = svg
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return svg


def _svg(body: bytes, stem: str) -> Response:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "graph"
    return Response(body, media_type=render.MEDIA_TYPE,
                    headers={"Content-Disposition": f'inline; filename="{stem}.svg"',
                             "X-Content-Type-Options": "nosniff"})


@router.get("/graph.svg", response_class=Response, summary="The whole graph as a picture",
            responses=_SVG_RESPONSE, dependencies=[slot("pictures")])
def graph_svg(ix: IndexDep):
    """Every entity (coloured by type, labelled with its name) and relation (labelled with its predicates),
    laid out by NetworkX with a fixed seed: the same graph gives the same bytes. A legend names the types.
    Each node is a `<g class="node" data-id=… data-type=…>` with the full name in its `<title>`."""
    stem = next(iter(ix.articles)) if len(ix.articles) == 1 else "storygraph"
    return _svg(_picture(ix, None, 0), stem)


@router.get("/entities/{ref}/neighborhood.svg", response_class=Response,
            summary="An entity's neighbourhood as a picture", tags=["entities"],
            responses={**_SVG_RESPONSE, **responses(404, 409)}, dependencies=[slot("pictures")])
def neighborhood_svg(
    ix: IndexDep,
    ref: Annotated[str, Path(description=REF_DOC, examples=["jen-daskal", "Daskal"])],
    depth: Annotated[int, Query(ge=1, le=3, description="Hops, either direction")] = 1,
):
    """The entities within `depth` hops of the entity and the relations among them (as
    `/v1/entities/{ref}/neighborhood`, cut around a hub: see `Storygraph-Truncated`), the entity
    itself drawn larger and ringed."""
    node = resolve(ix, ref, "ref")
    out = _svg(_picture(ix, node, depth), f"{node}-depth-{depth}")
    out.headers[TRUNCATED_HEADER] = "true" if pathfind.neighbourhood(ix.g, node, depth)[2] else "false"
    return out
