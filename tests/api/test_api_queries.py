"""/v1/relations, /v1/paths, /v1/claims, /v1/events: the graph's questions."""

import pytest
from apitools import NOT_FOUND, every, invalid, problem


def test_defining_fact_daskal_led_the_delegation(client):
    body = client.get("/v1/relations", params={"subject": "Daskal", "predicate": "led"}).json()
    assert body["total"] == len(body["items"]) >= 1
    led = [r for r in body["items"] if r["object"]["id"] == "us-delegation"]
    assert led and led[0]["subject"] == {"id": "jen-daskal", "name": "Jen Daskal", "type": "person"}
    assert led[0]["modality"] == "asserted" and led[0]["evidence"]


def test_relations_triple_patterns(client):
    everything = every(client, "/v1/relations")
    assert len(everything) == len(client.get("/v1/graph").json()["edges"])
    denies = every(client, "/v1/relations", predicate="denies", object="china-primary-source-of-precursors")
    assert [r["subject"]["id"] for r in denies] == ["china"]
    page = client.get("/v1/relations", params={"limit": 5, "offset": 5}).json()
    assert page["items"] == everything[5:10] and page["total"] == len(everything)


@pytest.mark.parametrize("parameter", ["subject", "object"])
def test_relations_unknown_ref_names_parameter(client, parameter):
    body = problem(client.get("/v1/relations", params={parameter: "daskl"}), 404, type=NOT_FOUND)
    assert f"(parameter '{parameter}')" in body["detail"]
    assert "jen-daskal" in [c["id"] for c in body["candidates"]]


def test_relations_invalid(client):
    invalid(client.get("/v1/relations", params={"predicate": "loves"}), "predicate")
    invalid(client.get("/v1/relations", params={"limit": 501}), "limit")


def test_paths(client):
    body = client.get("/v1/paths", params={"source": "Daskal", "target": "Xi Jinping"}).json()
    assert body["paths"]
    lengths = [p["length"] for p in body["paths"]]
    assert lengths == sorted(lengths) and max(lengths) <= 4 and len(lengths) <= 10
    p = body["paths"][0]
    assert p["nodes"][0]["id"] == "jen-daskal" and p["nodes"][-1]["id"] == "xi-jinping"
    assert len(p["relations"]) == p["length"] == len(p["nodes"]) - 1
    for (a, b), hop in zip(zip(p["nodes"], p["nodes"][1:]), p["relations"]):
        assert hop and all({r["subject"]["id"], r["object"]["id"]} == {a["id"], b["id"]} and r["evidence"]
                           for r in hop)
    one = client.get("/v1/paths", params={"source": "daskal", "target": "xi-jinping", "limit": 1}).json()
    assert len(one["paths"]) <= 1
    same = client.get("/v1/paths", params={"source": "us", "target": "united-states"}).json()
    assert same == {"paths": [{"nodes": [{"id": "united-states", "name": "United States", "type": "country"}],
                               "relations": [], "length": 0}]}


@pytest.mark.parametrize("params, parameter", [
    ({"target": "china"}, "source"), ({"source": "china", "target": "us", "max_length": 9}, "max_length"),
    ({"source": "china", "target": "us", "max_length": 0}, "max_length"),
    ({"source": "china", "target": "us", "limit": 101}, "limit"),
])
def test_paths_invalid(client, params, parameter):
    invalid(client.get("/v1/paths", params=params), parameter)


def test_paths_unknown_target(client):
    body = problem(client.get("/v1/paths", params={"source": "china", "target": "daskl"}), 404, type=NOT_FOUND)
    assert "(parameter 'target')" in body["detail"]


def test_defining_claim_is_disputed(client):
    c = client.get("/v1/claims/china-primary-source-of-precursors").json()
    assert c.keys() == {"id", "text", "about", "asserted_by", "denied_by", "status", "evidence", "attributions"}
    assert "united-states" in [r["id"] for r in c["asserted_by"]]
    assert [r["id"] for r in c["denied_by"]] == ["china"]
    assert c["status"] == "disputed" and c["evidence"]
    assert {(a["subject"]["id"], a["predicate"]) for a in c["attributions"]} >= {("united-states", "asserts"),
                                                                                   ("china", "denies")}
    disputed = every(client, "/v1/claims", status="disputed")
    assert "china-primary-source-of-precursors" in [d["id"] for d in disputed]
    assert {d["status"] for d in disputed} == {"disputed"}


def test_claims_list_and_filters(client):
    everything = every(client, "/v1/claims")
    assert everything and len(everything) == len(every(client, "/v1/entities", type="claim"))
    about_china = every(client, "/v1/claims", about="china")
    assert about_china and all("china" in [a["id"] for a in c["about"]] for c in about_china)
    invalid(client.get("/v1/claims", params={"status": "maybe"}), "status")
    assert "(parameter 'about')" in problem(client.get("/v1/claims", params={"about": "daskl"}), 404)["detail"]


def test_claim_ref_must_be_a_claim(client):
    body = problem(client.get("/v1/claims/china"), 404, title="Not found")
    assert "claim" in body["detail"]
    problem(client.get("/v1/claims/daskl"), 404, type=NOT_FOUND)


def test_events_timeline(client):
    events = every(client, "/v1/events", include_undated=False)
    assert events and all(e["date"] for e in events)
    assert every(client, "/v1/events")[: len(events)] == events  # undated ones follow by default, without a window
    assert events[0].keys() == {"id", "name", "date", "precision", "date_text", "earliest", "latest", "modality",
                                "participants", "place", "evidence"}
    starts = [e["earliest"] or e["latest"] for e in events]  # an interval open at the start sorts by its end
    assert starts == sorted(starts)
    with_undated = client.get("/v1/events", params={"include_undated": True, "limit": 500}).json()
    assert with_undated["items"][: len(events)] == events and with_undated["total"] >= len(events)
    in_2024 = every(client, "/v1/events", **{"from": "2024"})
    assert in_2024 and all(e["latest"] is None or e["latest"] >= "2024-01-01" for e in in_2024)
    nov_2023 = every(client, "/v1/events", **{"from": "2023-11", "to": "2023-11-30"})
    assert all((e["earliest"] or "") <= "2023-11-30" and (e["latest"] or "9") >= "2023-11-01" for e in nov_2023)


@pytest.mark.parametrize("params, parameter", [
    ({"from": "2023-13"}, "from"), ({"to": "yesterday"}, "to"), ({"from": "2024", "to": "2023"}, "to"),
    ({"include_undated": "perhaps"}, "include_undated"),
])
def test_events_invalid(client, params, parameter):
    invalid(client.get("/v1/events", params=params), parameter)
