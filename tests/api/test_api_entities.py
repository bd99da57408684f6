"""/v1/entities: search, lookup by any name, relations, neighbourhood."""

import pytest
from apitools import AMBIGUOUS, NOT_FOUND, every, invalid, problem

ENTITY_KEYS = {"id", "name", "type", "aliases", "description", "attributes", "date", "modality", "evidence", "degree"}


def test_list_all_sorted_by_name_and_paginated(client):
    everything = every(client, "/v1/entities")
    nodes = client.get("/v1/graph").json()["nodes"]
    assert len(everything) == len(nodes)
    assert [e["name"].casefold() for e in everything] == sorted(e["name"].casefold() for e in everything)
    assert all(e["score"] is None and ENTITY_KEYS | {"score"} == e.keys() for e in everything)
    page = client.get("/v1/entities", params={"limit": 3, "offset": 2}).json()
    assert page == {"items": everything[2:5], "total": len(everything), "limit": 3, "offset": 2}
    assert client.get("/v1/entities").json()["limit"] == 50


def test_search_ranks_with_score(client):
    body = client.get("/v1/entities", params={"q": "daskal"}).json()
    assert body["items"][0]["id"] == "jen-daskal" and body["items"][0]["score"] == 1.0
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True) and body["total"] == len(scores)
    people = client.get("/v1/entities", params={"q": "daskal", "type": "person"}).json()["items"]
    assert people and {i["type"] for i in people} == {"person"}


def test_type_filter(client):
    countries = every(client, "/v1/entities", type="country")
    assert {"united-states", "china"} <= {e["id"] for e in countries}
    assert {e["type"] for e in countries} == {"country"}


@pytest.mark.parametrize("params, parameter", [
    ({"type": "planet"}, "type"), ({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"offset": -1}, "offset"),
])
def test_list_invalid(client, params, parameter):
    invalid(client.get("/v1/entities", params=params), parameter)


@pytest.mark.parametrize("ref, entity_id", [
    ("jen-daskal", "jen-daskal"), ("Daskal", "jen-daskal"), ("jen daskal", "jen-daskal"), ("JEN DASKAL", "jen-daskal"),
    ("US", "united-states"), ("u.s.", "united-states"), ("us", "united-states"), ("United States", "united-states"),
])
def test_get_by_any_name(client, ref, entity_id):
    r = client.get(f"/v1/entities/{ref}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body.keys() == ENTITY_KEYS and body["id"] == entity_id
    assert body["degree"] > 0 and body["evidence"]
    assert body["evidence"][0].keys() == {"article_id", "quote", "start", "end", "sentence"}


def test_event_entity_has_date(client):
    events = every(client, "/v1/entities", type="event")
    dated = [e for e in events if e["date"]]
    assert dated and dated[0]["date"].keys() == {"edtf", "text", "precision", "earliest", "latest", "approximate"}


def test_unknown_ref_404_with_candidates(client):
    body = problem(client.get("/v1/entities/daskl"), 404, title="Entity not found", type=NOT_FOUND)
    assert "daskl" in body["detail"] and "'ref'" in body["detail"]
    assert 1 <= len(body["candidates"]) <= 5
    assert body["candidates"][0]["id"] == "jen-daskal"
    assert {"id", "name", "type"} <= body["candidates"][0].keys()
    assert problem(client.get("/v1/entities/zzzzqqq"), 404)["candidates"] == []


def test_ambiguous_ref_409(mini_client):
    r = mini_client.get("/v1/entities/Washington")  # a name and an alias alike; "washington" is an id
    body = problem(r, 409, title="Ambiguous entity reference", type=AMBIGUOUS)
    assert {c["id"] for c in body["candidates"]} == {"united-states", "washington"}
    assert mini_client.get("/v1/entities/washington").json()["id"] == "washington"


def test_relations_directions(client):
    out = every(client, "/v1/entities/Daskal/relations", direction="out")
    inc = every(client, "/v1/entities/Daskal/relations", direction="in")
    both = client.get("/v1/entities/Daskal/relations").json()
    assert {r["subject"]["id"] for r in out} == {"jen-daskal"}
    assert {r["object"]["id"] for r in inc} == {"jen-daskal"}
    assert both["total"] == len(out) + len(inc) == client.get("/v1/entities/jen-daskal").json()["degree"]
    led = client.get("/v1/entities/jen daskal/relations", params={"predicate": "led", "direction": "out"}).json()
    assert [r["object"]["id"] for r in led["items"]] == ["us-delegation"] and led["total"] == 1
    rel = led["items"][0]
    assert rel.keys() == {"id", "subject", "predicate", "object", "qualifiers", "modality", "evidence"}
    assert rel["qualifiers"].keys() == {"time", "place", "role", "source"}


def test_relations_invalid(client):
    invalid(client.get("/v1/entities/daskal/relations", params={"direction": "sideways"}), "direction")
    body = invalid(client.get("/v1/entities/daskal/relations", params={"predicate": "likes"}), "predicate")
    assert "likes" in body["errors"][0]["reason"]
    problem(client.get("/v1/entities/daskl/relations"), 404, type=NOT_FOUND)


def test_neighborhood(client):
    one = client.get("/v1/entities/daskal/neighborhood").json()
    two = client.get("/v1/entities/daskal/neighborhood", params={"depth": 2}).json()
    assert one["nodes"][0]["id"] == "jen-daskal" and one["nodes"][0].keys() == ENTITY_KEYS
    assert {"us-delegation", "china"} <= {n["id"] for n in one["nodes"]}
    assert len(two["nodes"]) > len(one["nodes"]) and len(two["edges"]) > len(one["edges"])
    ids = {n["id"] for n in two["nodes"]}
    assert all(e["subject"]["id"] in ids and e["object"]["id"] in ids for e in two["edges"])
    invalid(client.get("/v1/entities/daskal/neighborhood", params={"depth": 4}), "depth")
    invalid(client.get("/v1/entities/daskal/neighborhood", params={"depth": 0}), "depth")
