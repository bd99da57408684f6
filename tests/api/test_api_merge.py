"""Merging a duplicate entity through the API: 308 from the old id, the record, undo to the exact graph.

The duplicate: the follow-up fixture, changed to define Wang Xiaohong again as 'minister-wang'.
Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apitools import problem, start
from fastapi.testclient import TestClient
from test_api_write import ALICE, FOLLOWUP, TOKENS, body_of, snapshot

from app.settings import REPO_SEEDS

DUPLICATE = {"id": "minister-wang", "name": "Minister Wang", "type": "person", "aliases": ["Minister Wang"],
             "evidence": [{"quote": "Minister Wang", "occurrence": 1}]}
MERGE_TABLES = ("article", "entity", "alias", "relation", "evidence")


@pytest.fixture
def dup(database_url) -> Iterator[TestClient]:
    """The seed and a follow-up that defines Wang Xiaohong again, as 'minister-wang'."""
    with start(database_url("merge"), REPO_SEEDS, api_tokens=TOKENS) as c:
        body = body_of(FOLLOWUP)
        sheet = body["sheet"]
        sheet["entities"] = [DUPLICATE if e.get("ref") == "Wang Xiaohong" else e for e in sheet["entities"]]
        sheet["relations"] = [r for r in sheet["relations"] if r["id"] != "daskal-met-with-wang"]
        r = c.post("/v1/articles", json=body, headers=ALICE)
        assert r.status_code == 201, r.text
        assert c.get("/v1/entities/minister-wang").status_code == 200
        yield c


def test_merge_moves_relations_aliases_and_evidence_and_redirects(dup):
    wang = dup.get("/v1/entities/wang-xiaohong").json()
    r = dup.post("/v1/entities/Minister Wang/merge", json={"into": "Wang Xiaohong"}, headers=ALICE)
    assert r.status_code == 201, r.text
    m = r.json()
    assert r.headers["location"] == f"/v1/merges/{m['id']}"
    assert m["from"] == "minister-wang" and m["into"] == "wang-xiaohong" and m["by"] == "alice"
    assert m["from_name"] == "Minister Wang" and m["at"] and not m["undone"]
    assert m["moved"] == {"aliases": 1, "evidence": 1, "relations": 1}
    merged = dup.get("/v1/entities/wang-xiaohong").json()
    assert "Minister Wang" in merged["aliases"] and merged["aliases"][: len(wang["aliases"])] == wang["aliases"]
    assert len(merged["evidence"]) == len(wang["evidence"]) + 1
    rels = {x["id"]: x for x in dup.get("/v1/entities/wang-xiaohong/relations").json()["items"]}
    assert rels["wang-asserts-china-keeps-cooperating"]["subject"]["id"] == "wang-xiaohong"
    # the old id answers 308 with the new URL, sub-resources and query included
    r = dup.get("/v1/entities/minister-wang", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "/v1/entities/wang-xiaohong"
    assert r.json()["merged_into"] == "wang-xiaohong"
    r = dup.get("/v1/entities/minister-wang/relations?direction=out&limit=5", follow_redirects=False)
    assert r.status_code == 308
    assert r.headers["location"] == "/v1/entities/wang-xiaohong/relations?direction=out&limit=5"
    assert dup.get("/v1/entities/minister-wang/neighborhood").json()["nodes"]  # a client following it lands well
    # the old name is an alias now; in query parameters the old id names the target
    assert dup.get("/v1/entities/Minister Wang").json()["id"] == "wang-xiaohong"
    assert dup.get("/v1/relations", params={"subject": "minister-wang"}).json()["total"] > 0
    (listed,) = dup.get("/v1/merges").json()["items"]
    assert listed == m
    assert dup.get(f"/v1/merges/{m['id']}").json() == m


def test_undo_restores_the_graph_exactly(dup):
    graph_before = dup.get("/v1/graph").json()
    rows_before = snapshot(dup)
    m = dup.post("/v1/entities/minister-wang/merge", json={"into": "wang-xiaohong"}, headers=ALICE).json()
    assert dup.get("/v1/graph").json() != graph_before
    r = dup.post(f"/v1/merges/{m['id']}/undo", headers=ALICE)
    assert r.status_code == 200, r.text
    assert r.json()["undone"] and r.json()["undone_by"] == "alice" and r.json()["undone_at"]
    assert dup.get("/v1/graph").json() == graph_before
    rows_after = snapshot(dup)
    for t in MERGE_TABLES:
        assert rows_after[t] == rows_before[t], t
    assert dup.get("/v1/entities/minister-wang", follow_redirects=False).status_code == 200
    # undone twice: 409; unknown: 404
    p = problem(dup.post(f"/v1/merges/{m['id']}/undo", headers=ALICE), 409, title="Merge conflict")
    assert "already undone" in p["detail"]
    problem(dup.post("/v1/merges/9999/undo", headers=ALICE), 404, title="Merge not found")
    problem(dup.get("/v1/merges/9999"), 404)
    assert dup.get("/v1/merges").json()["items"][0]["undone"] is True


def test_bad_merges(dup):
    before = snapshot(dup)
    # into itself, by any of its names
    p = problem(dup.post("/v1/entities/wang-xiaohong/merge", json={"into": "Wang Xiaohong"}, headers=ALICE), 422,
                title="Invalid merge")
    assert "into itself" in p["detail"]
    # unknown references: 404 with candidates
    p = problem(dup.post("/v1/entities/wang-xiaohng/merge", json={"into": "china"}, headers=ALICE), 404)
    assert p["candidates"] and p["candidates"][0]["id"] == "wang-xiaohong"
    p = problem(dup.post("/v1/entities/minister-wang/merge", json={"into": "Wang Xiaohng"}, headers=ALICE), 404)
    assert "'into'" in p["detail"] and p["candidates"]
    # across types
    p = problem(dup.post("/v1/entities/Washington/merge", json={"into": "china"}, headers=ALICE), 422)
    assert p["detail"] == "'washington' is a city and 'china' a country; only entities of one type merge"
    # two entities a relation links
    p = problem(dup.post("/v1/entities/jen-daskal/merge", json={"into": "wang-xiaohong"}, headers=ALICE), 409)
    assert "daskal-met-with-wang" in p["detail"]
    # a body of the wrong shape, no token
    problem(dup.post("/v1/entities/minister-wang/merge", json={"target": "x"}, headers=ALICE), 422)
    problem(dup.post("/v1/entities/minister-wang/merge", json={"into": "wang-xiaohong"}), 401)
    problem(dup.post("/v1/merges/1/undo"), 401)
    problem(dup.post("/v1/merges/not-a-number/undo", headers=ALICE), 422)
    assert snapshot(dup) == before


def test_a_chain_of_merges_undoes_in_reverse(dup):
    dup.post("/v1/articles", json={**body_of(FOLLOWUP)}, headers=ALICE)  # unchanged: 200 (same id exists)
    a = dup.post("/v1/entities/minister-wang/merge", json={"into": "wang-xiaohong"}, headers=ALICE).json()
    r = dup.get("/v1/entities/minister-wang", follow_redirects=False)
    assert r.headers["location"] == "/v1/entities/wang-xiaohong"
    # a later write of the duplicate's article keeps pointing at the target
    body = body_of(FOLLOWUP)
    body["sheet"]["entities"] = [DUPLICATE if e.get("ref") == "Wang Xiaohong" else e for e in body["sheet"]["entities"]]
    body["sheet"]["relations"] = [r for r in body["sheet"]["relations"] if r["id"] not in ("daskal-met-with-wang",
                                                                                        "wang-in-followup")]
    r = dup.put("/v1/articles/fentanyl-followup-2024-02-14", json=body, headers=ALICE)
    assert r.json()["status"] == "replaced"
    assert dup.get("/v1/entities/minister-wang", follow_redirects=False).status_code == 308
    assert "Minister Wang" in dup.get("/v1/entities/wang-xiaohong").json()["aliases"]
    assert dup.post(f"/v1/merges/{a['id']}/undo", headers=ALICE).status_code == 200
    assert dup.get("/v1/entities/minister-wang").json()["name"] == "Minister Wang"
