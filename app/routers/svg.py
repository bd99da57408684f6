"""Pictures: the whole graph and a neighbourhood as SVG (cut, kept and drawn once by ``graph.drawing.pictures``).

The paths end in ``.svg`` and live beside the JSON ones: ``/v1/entities/{ref}``
takes one path segment, so ``/v1/entities/{ref}/neighborhood.svg`` never
reaches it, and ``/v1/graph.svg`` is a path of its own, not ``/v1/graph``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from graph.drawing import pictures, render

from ..deps import REF_DOC, TRUNCATED_HEADER, IndexDep, reads_index, resolve
from ..gates import slot
from ..problems import responses

router = APIRouter(tags=["pictures"], responses=responses(422, 500, 503))

_SVG_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"description": "An SVG document (UTF-8)",
                       "content": {render.MEDIA_TYPE: {"schema": {"type": "string"}}},
                       "headers": {TRUNCATED_HEADER: {
                           "description": f"`true` when entities or relations were left out (more than "
                                          f"{pictures.MAX_NODES} entities or {pictures.MAX_RELATIONS} relations); "
                                          "the picture's caption says so too",
                           "schema": {"type": "string", "enum": ["true", "false"]}}}}}


def _svg(picture: pictures.Picture, stem: str) -> Response:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "graph"
    return Response(picture.svg, media_type=render.MEDIA_TYPE,
                    headers={"Content-Disposition": f'inline; filename="{stem}.svg"',
                             "X-Content-Type-Options": "nosniff",
                             TRUNCATED_HEADER: "true" if picture.truncated else "false"})


@router.get("/graph.svg", response_class=Response, summary="The whole graph as a picture",
            responses=_SVG_RESPONSE, dependencies=[slot("pictures")])
@reads_index
def graph_svg(ix: IndexDep) -> Response:
    """Every entity (coloured by type, labelled with its name) and relation (labelled with its predicates),
    laid out deterministically: the same graph gives the same bytes. A legend names the types.
    Each node is a `<g class="node" data-id=… data-type=…>` with the full name in its `<title>`.

    At most 200 entities and 500 relations: past that, the 200 most connected entities (most distinct
    neighbours) and the relations among them, with a caption saying so and `Storygraph-Truncated: true`."""
    stem = next(iter(ix.articles)) if len(ix.articles) == 1 else "storygraph"
    return _svg(pictures.whole_graph(ix), stem)


@router.get("/entities/{ref}/neighborhood.svg", response_class=Response,
            summary="An entity's neighbourhood as a picture", tags=["entities"],
            responses={**_SVG_RESPONSE, **responses(404, 409)}, dependencies=[slot("pictures")])
@reads_index
def neighborhood_svg(
    ix: IndexDep,
    ref: Annotated[str, Path(description=REF_DOC, examples=["jen-daskal", "Daskal"])],
    depth: Annotated[int, Query(ge=1, le=3, description="Hops, either direction")] = 1,
) -> Response:
    """The entities within `depth` hops of the entity and the relations among them (as
    `/v1/entities/{ref}/neighborhood`, cut around a hub: see `Storygraph-Truncated`), the entity
    itself drawn larger and ringed; a cut picture says so in its caption too."""
    node = resolve(ix, ref, "ref")
    return _svg(pictures.neighbourhood(ix, node, depth), f"{node}-depth-{depth}")
