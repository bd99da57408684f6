"""Answers written an item at a time (app/piecewise.py) are the answers FastAPI would have written."""

from __future__ import annotations

import json

import pytest
from apitools import start
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from app.piecewise import piecewise_json
from app.schemas import Neighborhood, Paths
from app.settings import REPO_SEEDS
from graph.algorithms import queries


@pytest.fixture(scope="module")
def api(backend) -> TestClient:
    with start(backend.url("piecewise"), REPO_SEEDS) as c:
        yield c


def whole(model, data) -> dict:
    """What FastAPI makes of ``data`` for ``response_model=model``: validate, dump as JSON."""
    ta = TypeAdapter(model)
    return ta.dump_python(ta.validate_python(data), mode="json", by_alias=True)


def test_paths_are_the_model_s_answer(api):
    ix = api.app.state.runtime.index
    data = {"paths": queries.paths(ix, "jen-daskal", "china", max_length=4, limit=10)}
    assert data["paths"], "the seed connects Daskal and China"
    assert json.loads(piecewise_json(Paths, data, "paths")) == whole(Paths, data)
    r = api.get("/v1/paths", params={"source": "Daskal", "target": "China", "max_length": 4, "limit": 10})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == whole(Paths, data)


def test_a_neighbourhood_is_the_model_s_answer(api):
    ix = api.app.state.runtime.index
    nodes, edges = queries.neighborhood(ix, "china", depth=2)
    data = {"nodes": nodes, "edges": edges}
    expected = whole(Neighborhood, data)
    assert json.loads(piecewise_json(Neighborhood, data, "nodes", "edges")) == expected
    r = api.get("/v1/entities/china/neighborhood", params={"depth": 2})
    assert r.status_code == 200 and r.json() == expected
    assert r.headers["storygraph-truncated"] == "false"


def test_fields_outside_the_model_are_left_out(api):
    ix = api.app.state.runtime.index
    data = {"paths": queries.paths(ix, "jen-daskal", "china", max_length=2, limit=1), "secret": "x"}
    data["paths"][0]["internal"] = "not for clients"
    out = json.loads(piecewise_json(Paths, data, "paths"))
    assert set(out) == {"paths"} and "internal" not in out["paths"][0]
