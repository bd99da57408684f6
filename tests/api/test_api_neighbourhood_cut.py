"""A neighbourhood is cut at a cap around hubs, and the Storygraph-Truncated header says so."""

from __future__ import annotations

import pytest

from graph.algorithms import pathfind


def test_whole_neighbourhoods_say_they_are_whole(client):
    for params in ({}, {"depth": 3}, {"depth": 2, "format": "graphml"}):
        r = client.get("/v1/entities/daskal/neighborhood", params=params)
        assert r.status_code == 200 and r.headers["Storygraph-Truncated"] == "false"
    assert client.get("/v1/entities/daskal/neighborhood.svg").headers["Storygraph-Truncated"] == "false"


@pytest.mark.parametrize("cap", [1, 3, 5])
def test_a_cut_neighbourhood_is_its_nearest_entities_and_says_so(client, monkeypatch, cap):
    whole = client.get("/v1/entities/daskal/neighborhood", params={"depth": 2}).json()
    monkeypatch.setattr(pathfind, "BALL_MAX_NODES", cap)
    r = client.get("/v1/entities/daskal/neighborhood", params={"depth": 2})
    assert r.headers["Storygraph-Truncated"] == "true"
    cut = r.json()
    assert [n["id"] for n in cut["nodes"]] == [n["id"] for n in whole["nodes"]][:cap]
    kept = {n["id"] for n in cut["nodes"]}
    assert cut["edges"] == [e for e in whole["edges"] if e["subject"]["id"] in kept and e["object"]["id"] in kept]
    link = client.get("/v1/entities/daskal/neighborhood", params={"depth": 2, "format": "node-link"})
    assert link.headers["Storygraph-Truncated"] == "true"
    assert {n["id"] for n in link.json()["nodes"]} == kept
