"""GET /v1/articles/{id}/coverage: the clauses the stored statements cite, and the gaps."""

from __future__ import annotations

from apitools import ARTICLE_ID, problem

URL = f"/v1/articles/{ARTICLE_ID}/coverage"


def test_the_shape_and_the_figures_agree(client):
    r = client.get(URL)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"article_id", "sentences_cited", "sentences_total", "clauses_covered", "clauses_total",
                         "sentences"}
    assert body["article_id"] == ARTICLE_ID
    text = client.get(f"/v1/articles/{ARTICLE_ID}").json()["text"]
    sentences = body["sentences"]
    assert [s["index"] for s in sentences] == list(range(body["sentences_total"])) and len(sentences) == 24
    assert body["sentences_cited"] == sum(1 for s in sentences if s["statements"])
    assert body["clauses_total"] == sum(s["clauses_total"] for s in sentences) == sum(
        len(s["clauses"]) for s in sentences)
    assert body["clauses_covered"] == sum(s["clauses_covered"] for s in sentences)
    for s in sentences:
        assert set(s) == {"index", "start", "end", "statements", "clauses_covered", "clauses_total", "clauses"}
        assert s["clauses_covered"] == sum(1 for c in s["clauses"] if c["statements"])
        for c in s["clauses"]:
            assert set(c) == {"start", "end", "text", "statements"}
            assert s["start"] <= c["start"] < c["end"] <= s["end"]
            assert text[c["start"]:c["end"]] == c["text"]  # code points, like evidence offsets
    led = next(s for s in sentences if s["index"] == 6)
    assert "daskal-led-us-delegation" in led["clauses"][0]["statements"]


def test_a_sentence_only_named_is_a_gap_and_mentions_never_count(mini_client):
    # The mini sheet names fentanyl in S8 (an entity's evidence) but states nothing there.
    body = mini_client.get(URL).json()
    s8 = body["sentences"][8]
    assert s8["statements"] == [] and s8["clauses_covered"] == 0
    assert [c["text"] for c in s8["clauses"]] == ["Fentanyl is a leading cause of drug overdoses in the United States"]
    entity_ids = {"jen-daskal", "us-delegation", "united-states", "washington", "china", "beijing", "fentanyl",
                  "xi-jinping", "joe-biden"}
    cited = {i for s in body["sentences"] for c in s["clauses"] for i in c["statements"]}
    assert cited and not cited & entity_ids
    assert "china-primary-source-of-precursors" in cited  # a claim
    assert "covid-arrival" in cited  # an event
    assert not any("--about--" in i for i in cited)  # edges derived from a claim's `about`
    assert body["clauses_covered"] < body["clauses_total"]


def test_unknown_article_is_a_404_problem(client):
    body = problem(client.get("/v1/articles/no-such-article/coverage"), 404)
    assert "no-such-article" in body["detail"]


def test_hostile_ids_are_404_problems(client):
    for raw in ("a%00b", "%3Cscript%3E", "x" * 300):
        problem(client.get(f"/v1/articles/{raw}/coverage"), 404)


def test_the_contract_names_the_typed_answer(client):
    spec = client.get("/openapi.json").json()
    ok = spec["paths"]["/v1/articles/{article_id}/coverage"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/ArticleCoverage")
    clause = spec["components"]["schemas"]["CoverageClause"]
    assert set(clause["required"]) == {"start", "end", "text", "statements"}
