"""The whole graph in formats graph libraries load directly."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from graph import exports

from ..deps import IndexDep
from ..problems import responses

router = APIRouter(prefix="/v1/graph", tags=["graph"], responses=responses(422, 500, 503))

Format = Literal["node-link", "cytoscape"]
assert set(Format.__args__) == set(exports.FORMATS)


@router.get("", response_model=dict[str, Any], summary="The whole graph")
def whole_graph(
    ix: IndexDep,
    format: Annotated[Format, Query(description="node-link: NetworkX/d3 node-link JSON; cytoscape: Cytoscape.js elements")] = "node-link",
):
    """`node-link` loads with `networkx.node_link_graph(data, edges="edges")` or d3-force;
    `cytoscape` with `cy.add(data.elements)`."""
    if format == "cytoscape":
        return exports.cytoscape_data(ix.g)
    return exports.node_link_data(ix.g)
