"""The whole graph in every export format, chosen by `format` or by `Accept` (app/exports.py)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from graph.readwrite import exports
from graph.readwrite.formats import FORMATS

from ..deps import IndexDep, RuntimeDep, reads_index
from ..exports import DEFAULT, AcceptHeader, FormatQuery, choose_format, file_response, media_responses, stream_response
from ..gates import slot
from ..problems import responses
from ..schemas import NodeLinkGraph

router = APIRouter(prefix="/graph", tags=["graph"], responses=responses(422, 500, 503))


@router.get("", response_model=NodeLinkGraph, summary="The whole graph", operation_id="getGraph",
            responses=media_responses("The graph in the chosen format", skip_json=True),
            dependencies=[slot("exports")])
@reads_index
def whole_graph(runtime: RuntimeDep, ix: IndexDep, format: FormatQuery = None, accept: AcceptHeader = None
                ) -> Response:
    """`node-link` (the default) loads with `networkx.node_link_graph(data, edges="edges")` or d3-force;
    `cytoscape` with `cy.add(data.elements)`; `graphml` with `networkx.read_graphml` (lists and objects are
    JSON strings to `json.loads`), Gephi, yEd or igraph; `gexf` in Gephi;
    `jsonld` and `turtle` in any RDF library; `csv` is a zip of `nodes.csv` and `edges.csv`.

    Without `format`, the `Accept` header chooses by media type. Every answer names a file in
    `Content-Disposition` (`inline` for JSON, `attachment` otherwise). An unknown `format` is a 422;
    an `Accept` no format matches is a 406 listing the media types.

    The answer is streamed from the database as it is written (its first bytes at once, at any size);
    `jsonld` and `turtle` then carry the same triples as a neighbourhood's, written one subject at a time."""
    fmt = choose_format(format, accept) or FORMATS[DEFAULT]
    engine = runtime.engine
    if engine is None:  # an index without a database (an app built around one in memory)
        return file_response(ix, fmt, ix.g, exports.filename(ix, fmt))
    return stream_response(engine, fmt, exports.filename(ix, fmt))
