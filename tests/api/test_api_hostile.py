"""Hostile input: every test asserts the status, the problem body, and that the store is unchanged.

Limits decided here (docs/operations.md, "Robustness"): a URL (path + query) over 8192 bytes is a 414; a body over
2 MB a 413; a URL that is not UTF-8 a 400 (NUL in a URL is plain text: it names nothing); a body that is
not JSON (NaN and Infinity included), not UTF-8 or nested too deeply a 400, once the token is checked (without
one, a 401 whatever the body); a control character anywhere in a story a 422 fault; paging and depth out of
range a 422. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from apitools import PROBLEM, clean, problem, snapshot, start
from fastapi.testclient import TestClient

from app.settings import REPO_SEEDS

TOKEN = "hostile-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON_AUTH = AUTH | {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def api(backend) -> Iterator[TestClient]:
    """One seeded app per backend; its tests only attempt writes that must fail."""
    with start(backend.url("hostile"), REPO_SEEDS, api_tokens=f"hostile:{TOKEN}") as c:
        yield c


@pytest.fixture
def writer(database_url) -> Iterator[TestClient]:
    """A fresh seeded app for tests whose writes succeed."""
    with start(database_url("hostile-w"), REPO_SEEDS, api_tokens=f"hostile:{TOKEN}") as c:
        yield c


def refused(r, status: int, **kw) -> dict:
    clean(r)
    return problem(r, status, **kw)


def story(article_id: str, text: str, entities: list, relations: list, **sheet) -> dict:
    return {"article": {"id": article_id, "title": "Hostile", "publisher": "Test", "published": "2024-02-01",
                        "text": text},
            "sheet": {"entities": entities, "relations": relations, **sheet}}


def person(eid: str, name: str, **kw) -> dict:
    return {"id": eid, "name": name, "type": "person", "aliases": [name],
            "evidence": [{"quote": name, "occurrence": 1}], **kw}


# --- sizes --------------------------------------------------------------------------------------------

def test_oversized_body_is_413_and_writes_nothing(api):
    before = snapshot(api)
    big = json.dumps({"article": {"id": "big", "text": "x" * (3 * 1024 * 1024)}, "sheet": {}})
    for r in (api.post("/v1/articles", content=big, headers=JSON_AUTH),
              api.put("/v1/articles/big", content=big, headers=JSON_AUTH),
              api.post("/v1/sparql", content="x" * (3 * 1024 * 1024),
                       headers={"Content-Type": "application/sparql-query"})):
        body = refused(r, 413, type="https://storygraph.dev/problems/body-too-large")
        assert body["max_body_bytes"] == 2 * 1024 * 1024
    assert snapshot(api) == before


def test_overlong_url_is_414(api):
    for url in ("/v1/entities?q=" + "a" * 9000, "/v1/entities/" + "a" * 9000, "/v1/sparql?query=" + "a" * 9000,
                "/v1/paths?source=Daskal&target=" + "x" * 9000):
        body = refused(api.get(url), 414, type="https://storygraph.dev/problems/uri-too-long")
        assert body["max_url_bytes"] == 8192
    assert api.get("/v1/entities?q=" + "a" * 150).status_code == 200  # long but allowed


def test_deeply_nested_json_is_400_and_writes_nothing(api):
    before = snapshot(api)
    deep = '{"a":' * 10_000 + "1" + "}" * 10_000
    for body in ('{"article":' + deep + ', "sheet": {}}',
                 '{"article": {}, "sheet": ' + "[" * 10_000 + "]" * 10_000 + "}"):
        refused(api.post("/v1/articles", content=body, headers=JSON_AUTH), 400,
                type="https://storygraph.dev/problems/malformed-body")
    refused(api.post("/v1/entities/daskal/merge", content='{"into":' + deep + "}", headers=JSON_AUTH), 400)
    assert snapshot(api) == before
    assert api.get("/healthz").status_code == 200


# --- bytes --------------------------------------------------------------------------------------------

REF_URLS = ("/v1/entities/{}", "/v1/entities/{}/relations", "/v1/entities/{}/neighborhood",
            "/v1/entities/{}/neighborhood.svg", "/v1/claims/{}", "/v1/articles/{}", "/v1/articles/{}/sheet")


def test_invalid_utf8_in_urls_is_400(api):
    for bad in ("%FF%FE", "%C3%28", "a%80b", "%ED%A0%80"):  # the last: a UTF-16 surrogate, not UTF-8
        for template in REF_URLS:
            body = refused(api.get(template.format(bad)), 400, type="https://storygraph.dev/problems/invalid-url")
            assert "path" in body["detail"]
        for url in ("/v1/entities?q=", "/v1/search?q=", "/v1/relations?subject=", "/v1/paths?target=Daskal&source=",
                    "/v1/sparql?query=", "/v1/events?from="):
            body = refused(api.get(url + bad), 400, type="https://storygraph.dev/problems/invalid-url")
            assert "query string" in body["detail"]
    before = snapshot(api)
    refused(api.delete("/v1/articles/a%FFb", headers=AUTH), 400)
    refused(api.post("/v1/entities/a%FFb/merge", json={"into": "china"}, headers=AUTH), 400)
    assert snapshot(api) == before


def test_nul_in_urls_is_plain_text(api):
    # NUL is valid UTF-8: it names nothing (404), matches no word (an empty page), and never reaches a query
    # the database would refuse (PostgreSQL cannot hold NUL in text: that was the risk of a 500).
    for template in REF_URLS:
        refused(api.get(template.format("a%00b")), 404)
    for url, status in (("/v1/entities?q=a%00b", 200), ("/v1/search?q=china%00us", 200), ("/v1/search?q=%00", 200),
                        ("/v1/relations?subject=%00", 404), ("/v1/paths?target=Daskal&source=a%00", 404),
                        ("/v1/sparql?query=%00", 400), ("/v1/events?from=%00", 422)):
        r = api.get(url)
        clean(r)
        assert r.status_code == status, (url, r.text)
        if status >= 400:
            problem(r, status)
    before = snapshot(api)
    refused(api.delete("/v1/articles/a%00b", headers=AUTH), 404)
    refused(api.put("/v1/articles/a%00b", json={"article": {"id": "a\x00b"}, "sheet": {}}, headers=AUTH), 422)
    refused(api.post("/v1/entities/a%00b/merge", json={"into": "china"}, headers=AUTH), 404)
    assert snapshot(api) == before


def test_invalid_utf8_and_nul_in_bodies(api):
    before = snapshot(api)
    refused(api.post("/v1/articles", content=b'{"article": {"id": "\xff\xfe"}, "sheet": {}}', headers=JSON_AUTH),
            400, type="https://storygraph.dev/problems/malformed-body")
    refused(api.post("/v1/entities/daskal/merge", content=b'{"into": "\xc3\x28"}', headers=JSON_AUTH), 400)
    refused(api.post("/v1/sparql", content=b"SELECT \xff", headers={"Content-Type": "application/sparql-query"}),
            400, type="https://storygraph.dev/problems/invalid-query")
    # NUL is valid JSON (\\u0000) but no database should store it: a 422 fault naming where it is.
    text = "Ann Lee\x00 met Bo Chen.\n"
    body = story("nul-story", text, [person("ann-lee", "Ann Lee"), person("bo-chen", "Bo Chen")],
                 [{"id": "ann-met-bo", "subject": "ann-lee", "predicate": "met_with", "object": "bo-chen",
                   "evidence": ["met Bo Chen"]}])
    p = refused(api.post("/v1/articles", json=body, headers=AUTH), 422,
                type="https://storygraph.dev/problems/invalid-fact-sheet")
    assert [e["field"] for e in p["errors"]] == ["text"]
    body["article"]["text"] = text.replace("\x00", "")
    body["sheet"]["entities"][0]["name"] = "Ann\x00Lee"
    p = refused(api.post("/v1/articles", json=body, headers=AUTH), 422)
    assert [(e["file"], e["fact_id"], e["field"]) for e in p["errors"]] == [("sheet", "ann-lee", "name")]
    refused(api.post("/v1/entities/daskal/merge", json={"into": "chi\x00na"}, headers=AUTH), 404)
    assert snapshot(api) == before


# --- numbers ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, parameter", [
    ("/v1/entities?limit=0", "limit"), ("/v1/entities?limit=501", "limit"), ("/v1/entities?limit=-1", "limit"),
    ("/v1/entities?limit=99999999999999999999999", "limit"), ("/v1/relations?offset=-1", "offset"),
    ("/v1/claims?offset=99999999999999999999999", "offset"),
    ("/v1/search?q=china&offset=9223372036854775808", "offset"),
    ("/v1/entities/daskal/neighborhood?depth=0", "depth"), ("/v1/entities/daskal/neighborhood?depth=4", "depth"),
    ("/v1/entities/daskal/neighborhood?depth=-3", "depth"),
    ("/v1/entities/daskal/neighborhood.svg?depth=1000", "depth"),
    ("/v1/paths?source=daskal&target=china&max_length=9", "max_length"),
    ("/v1/paths?source=daskal&target=china&max_length=-1", "max_length"),
    ("/v1/paths?source=daskal&target=china&limit=101", "limit"), ("/v1/merges/99999999999999999999", "merge_id"),
    ("/v1/merges/0", "merge_id"), ("/v1/entities?limit=1e3", "limit"), ("/v1/entities?limit=NaN", "limit"),
])
def test_huge_or_negative_numbers_are_422(api, url, parameter):
    r = api.get(url)
    body = refused(r, 422, type="https://storygraph.dev/problems/invalid-parameter")
    assert body["errors"][0]["parameter"] == parameter


def test_largest_offset_is_an_empty_page(api):
    for url in ("/v1/entities?", "/v1/search?q=china&", "/v1/relations?"):
        r = api.get(f"{url}offset={2**31 - 1}")
        clean(r)
        assert r.status_code == 200 and r.json()["items"] == []
    before = snapshot(api)
    refused(api.post("/v1/merges/99999999999999999999/undo", headers=AUTH), 422)
    assert snapshot(api) == before


# --- paths across a large graph -----------------------------------------------------------------------

def _large_story() -> dict:
    """A 1,500-entity chain plus a dense part: 8 layers of 6, each person meeting every one in the next."""
    chain = [f"C{i:04d}x" for i in range(1500)]
    layers = [[f"L{layer}N{i}x" for i in range(6)] for layer in range(8)]
    sentences = [f"{a} met {b}." for a, b in itertools.pairwise(chain)]
    sentences += [f"{a} met {b}." for upper, lower in itertools.pairwise(layers) for a in upper for b in lower]
    entities = [person(n.lower(), n) for n in chain + [n for layer in layers for n in layer]]
    relations = [{"id": f"{a.lower()}-met-{b.lower()}", "subject": a.lower(), "predicate": "met_with",
                  "object": b.lower(), "evidence": [s.rstrip(".")]}
                 for s in sentences for a, b in [s.rstrip(".").split(" met ")]]
    return story("large-graph", "Large graph\n\n" + " ".join(sentences) + "\n", entities, relations)


def test_paths_across_a_large_graph_are_bounded(writer):
    r = writer.post("/v1/articles", json=_large_story(), headers=AUTH)
    assert r.status_code == 201, r.text[:500]
    # The two ends of the chain: 1,499 hops apart, far beyond max_length 8: no path (the walk stops at 8 hops;
    # how fast is the bench's to measure, not a test's).
    r = writer.get("/v1/paths", params={"source": "C0000x", "target": "C1499x", "max_length": 8, "limit": 100})
    assert r.status_code == 200 and r.json() == {"paths": []}
    # Across the dense part: 6**6 = 46,656 shortest paths of 7 hops; the answer stops at `limit`.
    r = writer.get("/v1/paths", params={"source": "L0N0x", "target": "L7N0x", "max_length": 8, "limit": 100})
    clean(r)
    found = r.json()["paths"]
    assert r.status_code == 200 and len(found) == 100 and {p["length"] for p in found} == {7}
    assert len({json.dumps(p, sort_keys=True) for p in found}) == 100  # 100 different paths
    assert len(r.content) < 2_000_000


# --- injection ----------------------------------------------------------------------------------------

INJECTIONS = ("' OR 1=1 --", '"; DROP TABLE entity; --', "'); DELETE FROM relation; --", "} . ?s ?p ?o . {",
              "\" } ; DROP GRAPH <x> ; { \"", "1; SELECT * FROM article", "%' OR '%'='", "\\'; --", "*", "NEAR(a b)")


def test_sql_and_sparql_injection_strings_are_plain_names(api):
    before = snapshot(api)
    for s in INJECTIONS:
        r = api.get("/v1/entities", params={"q": s})
        clean(r)
        assert r.status_code == 200 and all(h["score"] < 1 for h in r.json()["items"])
        r = api.get("/v1/search", params={"q": s})
        clean(r)
        assert r.status_code in (200, 422), r.text
        if r.status_code == 422:  # no word in it
            problem(r, 422, type="https://storygraph.dev/problems/invalid-parameter")
        for url, params in (("/v1/entities/" + quote(s, safe=""), {}), ("/v1/relations", {"subject": s}),
                            ("/v1/claims", {"about": s}), ("/v1/paths", {"source": s, "target": "Daskal"}),
                            ("/v1/claims/" + quote(s, safe=""), {})):
            refused(api.get(url, params=params), 404, type="https://storygraph.dev/problems/entity-not-found")
        refused(api.post("/v1/entities/daskal/merge", json={"into": s}, headers=AUTH), 404)
        refused(api.get("/v1/articles/" + quote(s, safe="")), 404)
    assert snapshot(api) == before
    assert api.get("/v1/entities/daskal").status_code == 200


# --- path separators ----------------------------------------------------------------------------------

# (A bare ".." segment is resolved by the HTTP client before sending, so it is written encoded here.)
SEPARATED = ("../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2F", "a/b", "a%2Fb", "%2e%2e", "%2e%2e%2f%2e%2e", "a\\b")


def test_ids_with_path_separators_never_reach_a_file(api):
    before = snapshot(api)
    for ref in SEPARATED:
        for template in (*REF_URLS, "/v1/merges/{}"):
            r = api.get(template.format(ref))
            clean(r)
            assert "root:" not in r.text
            assert r.status_code in (404, 422), (template, ref, r.status_code)
            problem(r, r.status_code)
        for r in (api.delete(f"/v1/articles/{ref}", headers=AUTH),
                  api.put(f"/v1/articles/{ref}", json={"article": {"id": ref}, "sheet": {}}, headers=AUTH),
                  api.post(f"/v1/entities/{ref}/merge", json={"into": "china"}, headers=AUTH)):
            clean(r)
            assert r.status_code in (404, 405, 422), (r.request.url, r.status_code)
            problem(r, r.status_code)
    # ids in a sheet and in an article are slugs: separators are faults, listed, nothing written
    body = story("../../etc/passwd", "Ann Lee met Bo Chen.\n",
                 [person("../ann", "Ann Lee"), person("bo/chen", "Bo Chen")],
                 [{"id": "a/b", "subject": "../ann", "predicate": "met_with", "object": "bo/chen",
                   "evidence": ["Ann Lee met Bo Chen"]}])
    p = refused(api.post("/v1/articles", json=body, headers=AUTH), 422)
    fields = {(e["file"], e["field"]) for e in p["errors"]}
    assert ("article", "id") in fields and len(p["errors"]) >= 3
    assert snapshot(api) == before


# --- fact sheets ----------------------------------------------------------------------------------------

SMALL = "Small talks\n\nAnn Lee met Bo Chen in Oslo. Bo Chen thanked Ann Lee.\n"


def _small(**changes) -> dict:
    body = story("small-talks", SMALL, [person("ann-lee", "Ann Lee"), person("bo-chen", "Bo Chen")],
                 [{"id": "ann-met-bo", "subject": "ann-lee", "predicate": "met_with", "object": "bo-chen",
                   "evidence": ["Ann Lee met Bo Chen"]}])
    for key, value in changes.items():
        body["sheet"][key] = value
    return body


def _rejected(api, body, *reasons: str) -> dict:
    before = snapshot(api)
    p = refused(api.post("/v1/articles", json=body, headers=AUTH), 422,
                type="https://storygraph.dev/problems/invalid-fact-sheet")
    for reason in reasons:
        assert any(reason in e["reason"] for e in p["errors"]), (reason, p["errors"])
    assert snapshot(api) == before
    return p


def test_quotes_that_match_nothing_or_everything(api):
    rel = {"id": "ann-met-bo", "subject": "ann-lee", "predicate": "met_with", "object": "bo-chen"}
    _rejected(api, _small(relations=[rel | {"evidence": ["Ann Lee met Xi Jinping"]}]), "not found")
    _rejected(api, _small(relations=[rel | {"evidence": ["a"]}]), "occurs 3 times")
    _rejected(api, _small(relations=[rel | {"evidence": [""]}]))
    _rejected(api, _small(relations=[rel | {"evidence": [SMALL + SMALL]}]), "not found")


def test_self_loop_is_refused(api):
    loop = {"id": "ann-met-ann", "subject": "ann-lee", "predicate": "met_with", "object": "ann-lee",
            "evidence": ["Ann Lee met Bo Chen"]}
    _rejected(api, _small(relations=[loop]), "subject and object are both 'ann-lee'")


def test_entities_claiming_each_others_names(writer):
    # Two entities, each with the other's name as an alias: stored; either name is a 409 naming both, ids answer.
    text = "Alias games\n\nAnn Lee met Bo Chen in Oslo. Bo Chen thanked Ann Lee.\n"
    body = story("alias-games", text, [person("ann-lee", "Ann Lee", aliases=["Ann Lee", "Bo Chen"]),
                                       person("bo-chen", "Bo Chen", aliases=["Bo Chen", "Ann Lee"])], [])
    r = writer.post("/v1/articles", json=body, headers=AUTH)
    assert r.status_code == 201, r.text
    for name in ("Ann Lee", "Bo Chen"):
        p = refused(writer.get(f"/v1/entities/{name}"), 409)
        assert [c["id"] for c in p["candidates"]] == ["ann-lee", "bo-chen"]
    assert writer.get("/v1/entities/ann-lee").json()["id"] == "ann-lee"
    # Merge A -> B, then B -> A: the second names the same entity twice (A is B now): a 422, nothing changes.
    m = writer.post("/v1/entities/ann-lee/merge", json={"into": "bo-chen"}, headers=AUTH)
    assert m.status_code == 201, m.text
    before = snapshot(writer)
    refused(writer.post("/v1/entities/bo-chen/merge", json={"into": "ann-lee"}, headers=AUTH), 422)
    assert snapshot(writer) == before
    assert writer.get("/v1/entities/ann-lee", follow_redirects=False).status_code == 308
    assert writer.post(f"/v1/merges/{m.json()['id']}/undo", headers=AUTH).status_code == 200
    assert writer.get("/v1/entities/ann-lee").json()["id"] == "ann-lee"


def test_a_reference_naming_two_stored_nodes_is_refused_with_the_candidates(writer):
    """'Oslo' is one stored node's name and another's alias: a sheet and every lookup must say which (issue 11)."""
    oslo = {"id": "oslo", "name": "Oslo", "type": "city", "aliases": ["Oslo"], "evidence": ["in Oslo"]}
    office = {"id": "oslo-office", "name": "The Oslo office", "type": "organization", "aliases": ["Oslo"],
              "evidence": ["in Oslo"]}
    for article_id, entity in (("oslo-a", oslo), ("oslo-b", office)):
        r = writer.post("/v1/articles", json=story(article_id, SMALL, [entity], []), headers=AUTH)
        assert r.status_code == 201, r.text
    third = story("oslo-c", SMALL, [person("ann-lee", "Ann Lee"), {"ref": "Oslo", "evidence": ["in Oslo"]}], [])
    before = snapshot(writer)
    p = refused(writer.post("/v1/articles", json=third, headers=AUTH), 422)
    assert p["errors"] == [{"file": "sheet", "fact_id": "Oslo", "field": "ref",
                            "reason": "'Oslo' names 2 entities ('oslo' (Oslo), 'oslo-office' (The Oslo office)); "
                                      "use an id"}]
    assert snapshot(writer) == before
    # every lookup by that name is a 409 listing both; the canonical name does not silently win
    for url, parameter in (("/v1/entities/Oslo", "ref"), ("/v1/entities/Oslo/relations", "ref"),
                           ("/v1/entities/Oslo/neighborhood", "ref"), ("/v1/paths?source=Oslo&target=oslo", "source"),
                           ("/v1/paths?source=oslo&target=Oslo", "target"), ("/v1/relations?subject=Oslo", "subject"),
                           ("/v1/relations?object=Oslo", "object"), ("/v1/claims?about=Oslo", "about")):
        p = refused(writer.get(url), 409, title="Ambiguous entity reference")
        assert [c["id"] for c in p["candidates"]] == ["oslo", "oslo-office"], url
        assert f"'{parameter}'" in p["detail"], url
    third["sheet"]["entities"][1]["ref"] = "oslo"  # an id is never ambiguous
    r = writer.post("/v1/articles", json=third, headers=AUTH)
    assert r.status_code == 201, r.text
    assert "oslo-c" in {e["article_id"] for e in writer.get("/v1/entities/oslo").json()["evidence"]}


def test_ten_thousand_facts_are_accepted(writer):
    """A 7,500-fact article is stored whole; 10,000 faults are all listed. (How long it takes is bench/'s.)"""
    names = [f"N{i:05d}x" for i in range(5_000)]
    text = "Many names\n\n" + " ".join(f"{a} met {b}." for a, b in zip(names[::2], names[1::2])) + "\n"
    entities = [person(n.lower(), n) for n in names]
    relations = [{"id": f"{a.lower()}-met-{b.lower()}", "subject": a.lower(), "predicate": "met_with",
                  "object": b.lower(), "evidence": [f"{a} met {b}"]} for a, b in zip(names[::2], names[1::2])]
    body = story("many-facts", text, entities, relations)
    assert len(entities) + len(relations) == 7_500
    r = writer.post("/v1/articles", json=body, headers=AUTH)
    assert r.status_code == 201, r.text[:300]
    assert r.json()["entities"] == 5_000 and r.json()["relations"] == 2_500
    assert writer.get("/v1/entities/N04999x").json()["id"] == "n04999x"  # the last one is served
    # ten thousand faults are all listed, in one 422, and nothing is written
    before = snapshot(writer)
    bad = story("many-faults", "Nothing here.\n", [person(f"p{i}", f"Nobody {i}") for i in range(10_000)], [])
    p = refused(writer.post("/v1/articles", json=bad, headers=AUTH), 422)
    assert len(p["errors"]) >= 10_000
    assert snapshot(writer) == before


# --- look-alikes ----------------------------------------------------------------------------------------

def test_unicode_look_alikes_never_resolve(api):
    for fake in ("D\u0430skal", "Dask\u0430l", "\u0414askal", "Jen D\u0430skal", "Xi Jinp\u0456ng"):
        body = refused(api.get("/v1/entities/" + quote(fake)), 404, type="https://storygraph.dev/problems/entity-not-found")
        assert all(c["score"] < 1 for c in body.get("candidates") or [])
        r = api.get("/v1/entities", params={"q": fake})
        assert r.status_code == 200 and all(h["score"] <= 0.7 for h in r.json()["items"])
        refused(api.get("/v1/relations", params={"subject": fake}), 404)
    # full-width and other compatibility forms ARE the same letters (NFKC): they resolve
    assert api.get("/v1/entities/" + quote("Ｄａｓｋａｌ")).json()["id"] == "jen-daskal"


# --- headers on every answer ----------------------------------------------------------------------------

def test_security_headers_on_every_answer(api):
    etag = api.get("/v1/entities/daskal").headers["etag"]
    answers = [
        api.get("/v1/entities/daskal"), api.get("/v1/entities/daskl"), api.get("/v1/nowhere"),
        api.get("/v1/entities?limit=0"), api.get("/v1/entities/daskal", headers={"If-None-Match": etag}),
        api.get("/v1/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}),
        api.get("/v1/sparql", params={"query": "SELECT"}), api.get("/v1/graph?format=graphml"),
        api.get("/v1/graph?format=csv"), api.get("/v1/graph.svg"), api.get("/"), api.get("/docs"),
        api.get("/openapi.json"), api.get("/healthz"), api.options("/v1/articles"),
        api.get("/v1/entities?q=" + "a" * 9000), api.get("/v1/entities/%00"),
        api.post("/v1/articles", content="x" * (3 * 1024 * 1024), headers=JSON_AUTH),
        api.post("/v1/articles", json={}, headers={}), api.get("/v1/graph", headers={"Accept": "image/png"}),
    ]
    assert answers[4].status_code == 304
    for r in answers:
        assert r.headers.get("x-content-type-options") == "nosniff", (r.request.url, r.status_code)
        assert r.headers.get("referrer-policy") == "no-referrer", (r.request.url, r.status_code)
        clean(r)
        if r.status_code >= 400:
            assert r.headers["content-type"] == PROBLEM
    assert "default-src 'self'" in answers[10].headers["content-security-policy"]
    assert "'unsafe-inline'" not in answers[10].headers["content-security-policy"]


# --- characters no export can carry -----------------------------------------------------------------------

# What XML 1.0 cannot carry (C0 but tab, LF, CR; lone surrogates; U+FFFE, U+FFFF), and DEL and the C1 controls.
REFUSED_CHARACTERS = ("\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f", "\ud800",
                      "\udfff", "\ufffe", "\uffff")


def _post_escaped(client: TestClient, body: dict, url: str = "/v1/articles", method: str = "POST"):
    # json.dumps escapes every non-ASCII character (\\ud800 too), as a hostile client would send it
    return client.request(method, url, content=json.dumps(body), headers=JSON_AUTH)


@pytest.mark.parametrize("char", REFUSED_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_control_characters_are_a_422_naming_the_field_and_write_nothing(api, char):
    before = snapshot(api)
    small = _small()
    for where, change, expected in (
            ("name", lambda b: b["sheet"]["entities"][0].update(name=f"Ann{char}Lee"), ("sheet", "ann-lee", "name")),
            ("alias", lambda b: b["sheet"]["entities"][1].update(aliases=["Bo Chen", f"{char}Bo"]),
             ("sheet", "bo-chen", "aliases[1]")),
            ("description", lambda b: b["sheet"]["entities"][0].update(description=f"x{char}"),
             ("sheet", "ann-lee", "description")),
            ("attribute", lambda b: b["sheet"]["entities"][0].update(attributes={"title": [f"a{char}"]}),
             ("sheet", "ann-lee", "attributes.title[0]")),
            ("attribute key", lambda b: b["sheet"]["entities"][0].update(attributes={f"k{char}": 1}),
             ("sheet", "ann-lee", "attributes")),
            ("quote", lambda b: b["sheet"]["relations"][0].update(evidence=[{"quote": f"Ann Lee{char}"}]),
             ("sheet", "ann-met-bo", "evidence[0].quote")),
            ("role", lambda b: b["sheet"]["relations"][0].update(qualifiers={"role": f"host{char}"}),
             ("sheet", "ann-met-bo", "qualifiers.role")),
            ("id", lambda b: b["sheet"]["relations"][0].update(id=f"ann{char}"), ("sheet", "relations[0]", "id")),
            ("title", lambda b: b["article"].update(title=f"Small{char}talks"), ("article", None, "title")),
            ("author", lambda b: b["article"].update(authors=["Ann Lee", f"{char}"]), ("article", None, "authors[1]")),
            ("text", lambda b: b["article"].update(text=SMALL.replace("Oslo", f"Os{char}lo")),
             ("article", None, "text"))):
        body = json.loads(json.dumps(small))
        change(body)
        r = _post_escaped(api, body)
        p = refused(r, 422, type="https://storygraph.dev/problems/invalid-fact-sheet")
        assert [(e["file"], e["fact_id"], e["field"]) for e in p["errors"]] == [expected], where
        assert f"U+{ord(char):04X}" in p["errors"][0]["reason"]
        refused(_post_escaped(api, body, "/v1/articles/small-talks", "PUT"), 422)
    assert snapshot(api) == before


def test_tabs_and_line_ends_are_text(writer):
    # CRLF line ends and tabs are whitespace: the text keeps them, byte for byte, and offsets count them
    text = SMALL.replace("\n", "\r\n").replace("Ann Lee met", "Ann Lee\tmet")
    body = _small()
    body["article"]["text"] = text
    body["sheet"]["entities"][0]["description"] = "Line one\r\nline two\twith a tab"
    body["sheet"]["relations"][0]["evidence"] = ["Ann Lee met Bo Chen"]  # matched ignoring whitespace
    r = _post_escaped(writer, body)
    assert r.status_code == 201, r.text
    assert writer.get("/v1/articles/small-talks").json()["text"] == text
    (rel,) = writer.get("/v1/relations?subject=ann-lee").json()["items"]
    (ev,) = rel["evidence"]
    assert text[ev["start"]:ev["end"]] == ev["quote"] == "Ann Lee\tmet Bo Chen"


# --- bodies that are not JSON, and JSON nothing can store ----------------------------------------------------

MALFORMED = "https://storygraph.dev/problems/malformed-body"
WRITES = (("POST", "/v1/articles"), ("PUT", "/v1/articles/small-talks"), ("POST", "/v1/entities/daskal/merge"))


def test_a_write_authenticates_before_it_reads_its_body(api):
    before = snapshot(api)
    for method, url in WRITES:
        for headers in ({"Content-Type": "application/json"}, JSON_AUTH | {"Authorization": "Bearer wrong"}):
            p = refused(api.request(method, url, content="{bad", headers=headers), 401,
                        type="https://storygraph.dev/problems/unauthorized")
            assert p["title"] == "Unauthorized"
        p = refused(api.request(method, url, content="{bad", headers=JSON_AUTH), 400, type=MALFORMED)
        assert p["detail"] == ("The request body is not JSON in UTF-8: "
                               "Expecting property name enclosed in double quotes "
                               "at line 1, column 2")
    assert snapshot(api) == before


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "9" * 5000])
def test_numbers_json_does_not_have_are_400(api, number):
    before = snapshot(api)
    small = json.dumps(_small())
    for method, url, body in (
            ("POST", "/v1/articles", f'{{"article": {{"id": {number}}}, "sheet": {{}}}}'),
            ("PUT", "/v1/articles/small-talks", small.replace('"occurrence": 1', f'"occurrence": {number}', 1)),
            ("POST", "/v1/articles",
             small.replace('"type": "person"', f'"type": "person", "attributes": {{"x": {number}}}', 1)),
            ("POST", "/v1/entities/daskal/merge", f'{{"into": {number}}}')):
        p = refused(api.request(method, url, content=body, headers=JSON_AUTH), 400, type=MALFORMED)
        assert p["detail"].startswith("The request body is not JSON in UTF-8: "), p["detail"]
    assert snapshot(api) == before


def test_attributes_nested_too_deeply_are_a_422_naming_the_field(api):
    before = snapshot(api)
    for depth in (9, 300):
        deep: dict = {}
        for _ in range(depth - 1):
            deep = {"a": deep}
        body = _small()
        body["sheet"]["entities"][0]["attributes"] = deep
        p = refused(api.post("/v1/articles", json=body, headers=AUTH), 422,
                    type="https://storygraph.dev/problems/invalid-fact-sheet")
        assert [(e["file"], e["fact_id"], e["field"]) for e in p["errors"]] == [("sheet", "ann-lee", "attributes")]
        assert "nests deeper than 8 levels" in p["errors"][0]["reason"]
    assert snapshot(api) == before
