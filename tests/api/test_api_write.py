"""The write API: POST/PUT/DELETE /v1/articles, GET .../sheet, bearer tokens, body limits.

Every test runs on SQLite and PostgreSQL (``database_url``), against the real app.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from apitools import ARTICLE_ID, problem, start
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.settings import REPO_SEEDS

FOLLOWUP = Path(__file__).resolve().parents[1] / "fixtures" / "fentanyl-followup-2024-02-14"
FOLLOWUP_ID = "fentanyl-followup-2024-02-14"
ALICE = {"Authorization": "Bearer s3cret"}
TOKENS = "alice:s3cret, an-unnamed-token-0123"
TABLES = ("article", "entity", "alias", "relation", "evidence", "search_doc", "graph_state", "merge")
CHALLENGE = 'Bearer realm="storygraph"'


def body_of(directory: Path, **article) -> dict:
    """The POST body for a story directory: article metadata with its text, and the parsed sheet."""
    with open(directory / "article.txt", encoding="utf-8", newline="") as f:
        text_ = f.read()
    meta = yaml.safe_load((directory / "meta.yaml").read_text(encoding="utf-8"))
    meta["published"] = str(meta["published"])
    return {"article": {**meta, "text": text_, **article},
            "sheet": yaml.safe_load((directory / "facts.yaml").read_text(encoding="utf-8"))}


@pytest.fixture
def writer(database_url) -> Iterator[TestClient]:
    with start(database_url("write"), REPO_SEEDS, api_tokens=TOKENS) as c:
        yield c


def snapshot(client: TestClient) -> dict:
    with client.app.state.runtime.engine.connect() as c:
        return {t: sorted(map(tuple, c.execute(text(f"SELECT * FROM {t}")).all()), key=repr) for t in TABLES}


def revision(client: TestClient) -> int:
    with client.app.state.runtime.engine.connect() as c:
        return c.execute(text("SELECT revision FROM graph_state")).scalar_one()


# --- authentication -------------------------------------------------------------------------------

def test_writes_need_a_valid_bearer_token(writer):
    body = body_of(FOLLOWUP)
    before = snapshot(writer)
    for headers, error in (({}, None), ({"Authorization": "Bearer wrong"}, "invalid_token"),
                           ({"Authorization": "Basic czNjcmV0"}, "invalid_request"),
                           ({"Authorization": "Bearer "}, "invalid_request"),
                           ({"Authorization": "Bearer s3cret-and-more"}, "invalid_token"),
                           ({"Authorization": "Bearer alice:s3cret"}, "invalid_token")):
        for r in (writer.post("/v1/articles", json=body, headers=headers),
                  writer.put(f"/v1/articles/{FOLLOWUP_ID}", json=body, headers=headers),
                  writer.delete(f"/v1/articles/{ARTICLE_ID}", headers=headers),
                  writer.post("/v1/entities/daskal/merge", json={"into": "china"}, headers=headers),
                  writer.post("/v1/merges/1/undo", headers=headers)):
            p = problem(r, 401, title="Unauthorized")
            assert r.headers["www-authenticate"].startswith(CHALLENGE)
            assert (f'error="{error}"' in r.headers["www-authenticate"]) == (error is not None)
            assert "s3cret" not in r.text and "wrong" not in r.text
            assert p["type"] == "https://storygraph.dev/problems/unauthorized"
    assert snapshot(writer) == before
    # reads stay open
    assert writer.get(f"/v1/articles/{ARTICLE_ID}/sheet").status_code == 200
    assert writer.get("/v1/merges").status_code == 200


def test_an_unnamed_token_writes_too_and_is_never_echoed(writer):
    r = writer.post("/v1/articles", json=body_of(FOLLOWUP), headers={"Authorization": "bearer an-unnamed-token-0123"})
    assert r.status_code == 201, r.text
    assert "an-unnamed-token-0123" not in r.text


def test_without_tokens_writes_are_disabled(client):
    r = client.post("/v1/articles", json=body_of(FOLLOWUP), headers=ALICE)
    p = problem(r, 403, title="Writes disabled")
    assert "STORYGRAPH_API_TOKENS" in p["detail"]
    problem(client.delete(f"/v1/articles/{ARTICLE_ID}", headers=ALICE), 403)
    assert client.get(f"/v1/articles/{ARTICLE_ID}").status_code == 200


def test_tokens_from_a_file(database_url, tmp_path):
    f = tmp_path / "tokens"
    f.write_text("# the newsroom\nbob:file-secret\n\n  # old: carol:revoked\nanother-secret\n", encoding="utf-8")
    with start(database_url(), REPO_SEEDS, api_tokens_file=f) as c:
        assert c.post("/v1/articles", json=body_of(FOLLOWUP), headers={"Authorization": "Bearer file-secret"}
                      ).status_code == 201
        r = c.delete(f"/v1/articles/{FOLLOWUP_ID}", headers={"Authorization": "Bearer carol:revoked"})
        problem(r, 401)
        r = c.post("/v1/entities/Ng%20Han%20Guan/merge", json={"into": "Andrew Cawthorne"},
                   headers={"Authorization": "Bearer another-secret"})
        assert r.status_code == 201, r.text
        assert r.json()["by"].startswith("token-") and "another-secret" not in r.text
        r = c.post("/v1/merges/1/undo", headers={"Authorization": "Bearer file-secret"})
        assert r.json()["undone_by"] == "bob"


def test_a_missing_tokens_file_is_refused_at_start(tmp_path):
    from pydantic import ValidationError

    from app.settings import Settings

    with pytest.raises(ValidationError, match="no file at"):
        Settings(api_tokens_file=tmp_path / "nope")


# --- body size ------------------------------------------------------------------------------------

def test_a_body_over_the_limit_is_413_by_its_length_or_while_streamed(database_url):
    with start(database_url(), REPO_SEEDS, api_tokens=TOKENS, max_body_bytes=1000) as c:
        before = snapshot(c)
        big = body_of(FOLLOWUP)  # ~4 kB of JSON
        r = c.post("/v1/articles", json=big, headers=ALICE)
        p = problem(r, 413, title="Request body too large")
        assert p["max_body_bytes"] == 1000

        def chunks():  # no Content-Length: counted chunk by chunk
            for _ in range(100):
                yield b" " * 100

        r = c.post("/v1/articles", content=chunks(), headers={**ALICE, "Content-Type": "application/json"})
        problem(r, 413)
        assert "content-length" not in {k.lower() for k in r.request.headers}
        # a lying Content-Length is no way round it
        r = c.put(f"/v1/articles/{FOLLOWUP_ID}", content=b"{" + b" " * 2000 + b"}",
                  headers={**ALICE, "Content-Type": "application/json"})
        problem(r, 413)
        # the limit holds without a token too, and small bodies pass
        problem(c.post("/v1/articles", json=big), 413)
        problem(c.post("/v1/articles", json={"article": {}, "sheet": {}}), 401)
        assert snapshot(c) == before


def test_a_streamed_body_is_refused_before_it_is_all_read():
    """At the ASGI level: the limit stops reading at the chunk that passes it; the app never runs."""
    import asyncio

    from app.bodylimit import BodyLimit

    received, sent, called = [], [], []

    async def receive():
        received.append(1)
        return {"type": "http.request", "body": b"x" * 100, "more_body": len(received) < 100}

    async def send(message):
        sent.append(message)

    async def app(scope, receive, send):  # pragma: no cover - must not be reached
        called.append(scope)

    scope = {"type": "http", "method": "POST", "path": "/v1/articles", "headers": [], "query_string": b"",
             "root_path": "", "scheme": "http", "server": ("test", 80)}
    asyncio.run(BodyLimit(app, max_bytes=1000)(scope, receive, send))
    assert not called and len(received) == 11
    assert sent[0]["status"] == 413
    assert b"problem+json" in dict(sent[0]["headers"])[b"content-type"]


# --- POST, PUT, DELETE ----------------------------------------------------------------------------

def test_post_creates_then_the_same_again_writes_nothing(writer):
    body = body_of(FOLLOWUP)
    r = writer.post("/v1/articles", json=body, headers=ALICE)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/v1/articles/{FOLLOWUP_ID}"
    assert r.json() | {"revision": None} == {"article_id": FOLLOWUP_ID, "status": "created", "entities": 8,
                                             "relations": 9, "evidence": 17, "revision": None}
    assert writer.get(r.headers["location"]).json()["text"] == body["article"]["text"]
    before, rev = snapshot(writer), revision(writer)
    r = writer.post("/v1/articles", json=body, headers=ALICE)
    assert r.status_code == 200 and r.json()["status"] == "unchanged" and "location" not in r.headers
    assert snapshot(writer) == before and revision(writer) == rev
    # other content under the same id: 409, PUT replaces
    changed = copy.deepcopy(body)
    changed["article"]["title"] = "Another title"
    p = problem(writer.post("/v1/articles", json=changed, headers=ALICE), 409, title="Article exists")
    assert f"PUT /v1/articles/{FOLLOWUP_ID}" in p["detail"]
    assert snapshot(writer) == before


def test_the_followup_resolves_to_the_seeds_entities_through_the_api(writer):
    seed = {n: writer.get(f"/v1/entities/{n}").json()
            for n in ("jen-daskal", "wang-xiaohong", "counternarcotics-working-group")}
    assert writer.post("/v1/articles", json=body_of(FOLLOWUP), headers=ALICE).status_code == 201
    for ref, node, alias in (("Deputy Homeland Security Advisor Daskal", "jen-daskal",
                              "Deputy Homeland Security Advisor Daskal"),
                             ("Minister Wang", "wang-xiaohong", "Minister Wang"),
                             ("u.s.-china working group", "counternarcotics-working-group",
                              "U.S.-China working group")):
        e = writer.get(f"/v1/entities/{ref}").json()  # served at once by the writing process
        assert e["id"] == node
        assert e["aliases"][: len(seed[node]["aliases"])] == seed[node]["aliases"] and alias in e["aliases"]
        assert {ev["article_id"] for ev in e["evidence"]} == {ARTICLE_ID, FOLLOWUP_ID}
        assert len(e["evidence"]) > len(seed[node]["evidence"])
        assert e["degree"] > seed[node]["degree"]
    rel = [r for r in writer.get("/v1/entities/jen-daskal/relations", params={"predicate": "met_with"}).json()["items"]
           if r["id"] == "daskal-met-with-wang"]
    assert [ev["article_id"] for ev in rel[0]["evidence"]] == [ARTICLE_ID, FOLLOWUP_ID]
    assert {a["id"] for a in writer.get("/v1/articles").json()["items"]} == {ARTICLE_ID, FOLLOWUP_ID}


def test_a_malformed_sheet_is_422_with_every_fault_and_writes_nothing(writer):
    body = body_of(FOLLOWUP)
    body["article"]["published"] = "14 February 2024"
    sheet = body["sheet"]
    sheet["events"][0]["ref"] = "daskal-wang-meetng"
    sheet["relations"][1]["predicate"] = "commanded"
    sheet["relations"][2]["evidence"] = ["Minister Wang met nobody"]
    del sheet["events"][1]["name"]
    before = snapshot(writer)
    p = problem(writer.post("/v1/articles", json=body, headers=ALICE), 422, title="Invalid fact sheet")
    assert p["errors"] == [
        {"file": "article", "fact_id": None, "field": "published",
         "reason": "Input should be a valid date or datetime, invalid character in year"},
        {"file": "sheet", "fact_id": "followup-meeting", "field": "name", "reason": "Field required"},
    ]
    body["article"]["published"] = "2024-02-14"
    sheet["events"][1]["name"] = "Daskal-Wang follow-up meeting"
    p = problem(writer.post("/v1/articles", json=body, headers=ALICE), 422)
    assert p["errors"] == [
        {"file": "sheet", "fact_id": "daskal-wang-meetng", "field": "ref",
         "reason": "'daskal-wang-meetng' is not an entity, event or claim defined in the sheet or stored in the "
                   "graph; did you mean 'daskal-wang-meeting' (Meeting of Jen Daskal and Wang Xiaohong), "
                   "'jen-daskal' (Jen Daskal), 'daskal-wang-photo' (Photo of Jen Daskal speaking during a meeting "
                   "with Wang Xiaohong), 'reuters-interview' (Reuters interview with Jen Daskal), "
                   "'followup-meeting' (Daskal-Wang follow-up meeting)?"},
        {"file": "sheet", "fact_id": "daskal-in-followup", "field": "predicate",
         "reason": "'commanded' is not in the predicate vocabulary"},
        {"file": "sheet", "fact_id": "wang-in-followup", "field": "evidence[0].quote",
         "reason": "quote not found in the article: 'Minister Wang met nobody'"},
    ]
    assert p["detail"].startswith("3 faults; nothing was written.")
    # the body's own shape, and the text
    no_text = body_of(FOLLOWUP)
    del no_text["article"]["text"]
    p = problem(writer.post("/v1/articles", json=no_text, headers=ALICE), 422)
    assert p["errors"] == [{"file": "article", "fact_id": FOLLOWUP_ID, "field": "text", "reason": "Field required"}]
    p = problem(writer.post("/v1/articles", json={"article": {}}, headers=ALICE), 422)
    assert [e["field"] for e in p["errors"]] == ["sheet"]
    r = writer.post("/v1/articles", content=b"{not json", headers={**ALICE, "Content-Type": "application/json"})
    # not JSON: the 400 of docs/writing.md, not a 422
    problem(r, 400, type="https://storygraph.dev/problems/malformed-body")
    assert snapshot(writer) == before


def test_put_replaces_atomically_and_creates(writer):
    body = body_of(FOLLOWUP)
    r = writer.put(f"/v1/articles/{FOLLOWUP_ID}", json=body, headers=ALICE)
    assert r.status_code == 201 and r.headers["location"] == f"/v1/articles/{FOLLOWUP_ID}"
    assert writer.put(f"/v1/articles/{FOLLOWUP_ID}", json=body, headers=ALICE).json()["status"] == "unchanged"
    changed = copy.deepcopy(body)
    changed["sheet"]["relations"] = [r for r in changed["sheet"]["relations"] if r["id"] != "wang-in-followup"]
    changed["sheet"]["claims"] = [c for c in changed["sheet"]["claims"] if c["id"] != "china-keeps-cooperating"]
    changed["sheet"]["relations"] = [r for r in changed["sheet"]["relations"]
                                     if r["id"] != "wang-asserts-china-keeps-cooperating"]
    rev = revision(writer)
    r = writer.put(f"/v1/articles/{FOLLOWUP_ID}", json=changed, headers=ALICE)
    assert r.status_code == 200 and r.json()["status"] == "replaced"
    assert revision(writer) == rev + 1
    assert "wang-in-followup" not in {r["id"] for r in writer.get(
        "/v1/relations", params={"subject": "wang-xiaohong", "predicate": "participated_in"}).json()["items"]}
    problem(writer.get("/v1/claims/china-keeps-cooperating"), 404)
    assert writer.get("/v1/entities/Minister Wang").json()["id"] == "wang-xiaohong"  # still cited by the follow-up
    # the id in the body must be the URL's
    before = snapshot(writer)
    p = problem(writer.put("/v1/articles/another-id", json=changed, headers=ALICE), 422)
    assert p["errors"] == [{"file": "article", "fact_id": FOLLOWUP_ID, "field": "id",
                            "reason": f"'{FOLLOWUP_ID}' does not match the article id in the URL, 'another-id'"}]
    # a bad replacement leaves the old version in place
    broken = copy.deepcopy(changed)
    broken["sheet"]["relations"][0]["object"] = "nobody-at-all"
    problem(writer.put(f"/v1/articles/{FOLLOWUP_ID}", json=broken, headers=ALICE), 422)
    assert snapshot(writer) == before


def test_delete_removes_what_only_that_article_supports(writer):
    seed_daskal = writer.get("/v1/entities/jen-daskal").json()
    assert writer.post("/v1/articles", json=body_of(FOLLOWUP), headers=ALICE).status_code == 201
    r = writer.delete(f"/v1/articles/{FOLLOWUP_ID}", headers=ALICE)
    assert r.status_code == 204 and r.content == b""
    problem(writer.get(f"/v1/articles/{FOLLOWUP_ID}"), 404)
    problem(writer.get("/v1/entities/followup-meeting"), 404)
    assert writer.get("/v1/entities/jen-daskal").json() == seed_daskal  # back to the seed's alone
    problem(writer.get("/v1/entities/Minister Wang"), 404)
    problem(writer.delete(f"/v1/articles/{FOLLOWUP_ID}", headers=ALICE), 404)
    # deleting the seed empties the graph
    assert writer.delete(f"/v1/articles/{ARTICLE_ID}", headers=ALICE).status_code == 204
    assert writer.get("/v1/entities").json()["total"] == 0
    assert writer.get("/v1/search", params={"q": "fentanyl"}).json()["total"] == 0


# --- the sheet round trip -------------------------------------------------------------------------

def test_get_sheet_posts_back_unchanged_and_under_a_new_id_shares_everything(writer):
    r = writer.get(f"/v1/articles/{ARTICLE_ID}/sheet")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"article", "sheet"} and body["article"]["id"] == ARTICLE_ID
    assert body["article"]["text"] == writer.get(f"/v1/articles/{ARTICLE_ID}").json()["text"]
    before, rev = snapshot(writer), revision(writer)
    r = writer.post("/v1/articles", json=body, headers=ALICE)
    assert r.status_code == 200 and r.json()["status"] == "unchanged"
    assert snapshot(writer) == before and revision(writer) == rev

    graph = writer.get("/v1/graph").json()
    copy_id = "fentanyl-talks-copy"
    body["article"]["id"] = copy_id
    r = writer.post("/v1/articles", json=body, headers=ALICE)
    assert r.status_code == 201, r.text
    after = writer.get("/v1/graph").json()
    assert {n["id"] for n in after["nodes"]} == {n["id"] for n in graph["nodes"]}  # the same entities
    assert {e["key"] for e in after["edges"]} == {e["key"] for e in graph["edges"]}  # and the same relations
    for n in after["nodes"]:
        assert {ev["article_id"] for ev in n["evidence"]} == {ARTICLE_ID, copy_id}, n["id"]
    for e in after["edges"]:
        assert {ev["article_id"] for ev in e["evidence"]} == {ARTICLE_ID, copy_id}, e["key"]
    assert writer.get(f"/v1/articles/{copy_id}/sheet").json() == body
    problem(writer.get("/v1/articles/nope/sheet"), 404)


def test_cors_lets_a_page_write_with_a_token(writer):
    pre = writer.options("/v1/articles/x", headers={"Origin": "https://app.example",
                                                    "Access-Control-Request-Method": "PUT",
                                                    "Access-Control-Request-Headers": "authorization, content-type"})
    assert pre.status_code == 200
    assert "PUT" in pre.headers["access-control-allow-methods"]
    assert "authorization" in pre.headers["access-control-allow-headers"].lower()
    r = writer.post("/v1/articles", json=body_of(FOLLOWUP), headers={**ALICE, "Origin": "https://app.example"})
    assert r.status_code == 201 and "location" in r.headers["access-control-expose-headers"].lower()
    r = writer.post("/v1/articles", json=body_of(FOLLOWUP), headers={"Origin": "https://app.example"})
    assert r.status_code == 401 and r.headers["access-control-allow-origin"] == "*"
