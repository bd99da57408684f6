"""GET /v1/search: full-text evidence search through the API."""

from __future__ import annotations

import pytest
from apitools import ARTICLE_ID, INVALID, every, invalid, problem, start

from graph.ingest import ingest_path
from tests.graph.conftest import SHEET, write_story

HIT_KEYS = {"kind", "id", "name", "text", "score", "matched", "evidence", "entity", "relation"}


@pytest.fixture(scope="module")
def article_text(client) -> str:
    return client.get(f"/v1/articles/{ARTICLE_ID}").json()["text"]


def hits(client, q, **params) -> list[dict]:
    return every(client, "/v1/search", q=q, **params)


def assert_anchored(items, text):
    for h in items:
        for ev in h["evidence"]:
            assert text[ev["start"]:ev["end"]] == ev["quote"]
            assert ev["article_id"] == ARTICLE_ID


def test_precursor_chemicals(client, article_text):
    r = client.get("/v1/search", params={"q": "precursor chemicals", "limit": 3})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["limit"] == 3 and body["offset"] == 0 and body["total"] > 3 and len(body["items"]) == 3
    top = body["items"][0]
    assert top.keys() == HIT_KEYS
    assert (top["kind"], top["id"], top["name"], top["text"]) == ("entity", "precursor-chemicals",
                                                                 "Fentanyl precursor chemicals", None)
    assert top["entity"] == {"id": "precursor-chemicals", "name": "Fentanyl precursor chemicals", "type": "substance"}
    assert top["relation"] is None and top["matched"] == {"field": "alias", "text": "precursor chemicals"}
    everything = hits(client, "precursor chemicals")
    assert len(everything) == body["total"] and everything[:3] == body["items"]
    claim = next(h for h in everything if h["id"] == "china-primary-source-of-precursors")
    assert claim["kind"] == "claim" and claim["name"] is None
    assert claim["text"].startswith("China is the primary source")
    assert claim["entity"]["type"] == "claim"
    quotes = [e["quote"] for e in claim["evidence"]]
    assert ("China is the primary source of the precursor\n"
            "chemicals synthesized into fentanyl by drug cartels in Mexico") in quotes
    assert_anchored(everything, article_text)
    scores = [h["score"] for h in everything]
    assert scores == sorted(scores, reverse=True)


def test_illicit_finance(client, article_text):
    found = hits(client, "illicit finance")
    assert found[0]["id"] == "illicit-finance"
    relations = [h for h in found if h["kind"] == "relation"]
    assert relations
    for h in relations:
        rel = h["relation"]
        assert h["text"] == f"{rel['subject']['name']} {rel['predicate']} {rel['object']['name']}"
        assert h["entity"] is None and h["name"] is None
        # the relation the hit links to is there, with this same evidence
        same = every(client, "/v1/relations", subject=rel["subject"]["id"], predicate=rel["predicate"],
                     object=rel["object"]["id"])
        (linked,) = [r for r in same if r["id"] == h["id"]]
        assert all(ev in linked["evidence"] for ev in h["evidence"])
        assert h["evidence"] and all("illicit" in e["quote"] and "finance" in e["quote"] for e in h["evidence"])
    assert_anchored(found, article_text)


@pytest.mark.parametrize("q", ["labeling", "label", "Label"])
def test_labeling(client, article_text, q):
    found = hits(client, q)
    quotes = [e for h in found for e in h["evidence"] if "labeling" in e["quote"]]
    assert quotes, found
    assert article_text[quotes[0]["start"]:quotes[0]["end"]] == quotes[0]["quote"]
    assert "companies-can-do-a-lot" in [h["id"] for h in found]


def test_kind_filter(client):
    everything = hits(client, "Beijing")
    for kind in ("entity", "relation", "claim"):
        only = hits(client, "Beijing", kind=kind)
        assert [h["id"] for h in only] == [h["id"] for h in everything if h["kind"] == kind]
    invalid(client.get("/v1/search", params={"q": "Beijing", "kind": "event"}), "kind")


@pytest.mark.parametrize("params, reason", [
    ({}, "Field required"),
    ({"q": ""}, "String should have at least 1 character"),
    ({"q": "   "}, "must contain a word to search for"),
    ({"q": "\t\n"}, "must contain a word to search for"),
])
def test_empty_q_is_a_422_naming_q(client, params, reason):
    body = invalid(client.get("/v1/search", params=params), "q")
    assert body == {"type": INVALID, "title": "Invalid parameter", "status": 422,
                    "detail": f"Parameter 'q': {reason}", "instance": "/v1/search",
                    "errors": [{"parameter": "q", "location": "query", "reason": reason}]}


def test_too_long_q_and_bad_pages(client):
    invalid(client.get("/v1/search", params={"q": "x" * 501}), "q")
    invalid(client.get("/v1/search", params={"q": "china", "limit": 0}), "limit")
    invalid(client.get("/v1/search", params={"q": "china", "offset": -1}), "offset")


@pytest.mark.parametrize("q", ['"', '"china', "china\"", "*", "china*", "NEAR(china us)", "NEAR", "-china", "china -us",
                               "OR", "AND NOT", "text:china", "^china", "(", ")", "{}", "'", "';--", "\\", "%", "_",
                               "\x00", "china\x00us", "🙂", "中国", "bm25()", "a" * 500])
def test_hostile_q_is_plain_text(client, q):
    r = client.get("/v1/search", params={"q": q})
    if not q.strip():
        problem(r, 422)
        return
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] >= len(body["items"])


def test_quoted_q_is_words_not_a_phrase(client):
    plain = [h["id"] for h in hits(client, "precursor chemicals")]
    assert [h["id"] for h in hits(client, '"precursor chemicals"')] == plain


def test_replacing_the_article_updates_the_search(tmp_path, database_url):
    root = tmp_path / "seeds"
    write_story(root / "small-talks")
    with start(database_url(), root) as c:
        assert [h["id"] for h in hits(c, "critics")] == ["critics", "critics-deny-useful"]
        sheet = {**SHEET, "entities": [e for e in SHEET["entities"] if e["id"] != "critics"],
                 "relations": [r for r in SHEET["relations"] if r["id"] != "critics-deny-useful"]}
        ingest_path(c.app.state.runtime.engine, write_story(tmp_path / "v2" / "small-talks", sheet))
        assert c.get("/v1/search", params={"q": "critics"}).json() == {"items": [], "total": 0, "limit": 50,
                                                                         "offset": 0}
        # "delegation to Paris"
        assert [h["id"] for h in hits(c, "delegation", kind="entity")] == ["delegation", "paris"]
