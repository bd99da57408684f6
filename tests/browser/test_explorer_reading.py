"""What the explorer says must be what the data says: counts, the claimants' own words, a quote's sentence.

Each test runs at both viewports; its page fails it on any console error or failed request (see conftest).
"""

from __future__ import annotations

from .test_explorer import ARTICLE, PRECURSOR_CLAIM, goto, squash


def test_home_counts_only_dated_events(any_page, server):
    events = server.get("/v1/events?limit=500")["items"]
    dated = [e for e in events if e["date"]]
    assert 0 < len(dated) < len(events)  # the seed has undated events, so the count can tell them apart
    goto(any_page, server, "", "home")
    tile = squash(any_page.locator("a.tile[href='#/timeline']").inner_text())
    assert f"{len(dated)} dated events" in tile
    assert f"{len(events)} dated" not in tile


def test_claims_board_shows_each_claimants_words(any_page, server):
    goto(any_page, server, "#/claims", "claims")
    claims = server.get("/v1/claims?limit=500")["items"]
    assert any(c["attributions"] for c in claims)
    for c in claims:
        card = any_page.locator(f"li.claim[data-claim='{c['id']}']")
        shown = card.locator("li.attribution")
        assert shown.count() == len(c["attributions"])
        for a in c["attributions"]:
            li = card.locator(f"li.attribution[data-relation='{a['id']}']")
            assert li.get_attribute("data-predicate") == a["predicate"]
            assert squash(li.locator(".claimant").inner_text()) == a["subject"]["name"]
            assert [(q.get_attribute("data-start"), q.get_attribute("data-end"), squash(q.inner_text()))
                    for q in li.locator("a.quote").all()] == [
                (str(e["start"]), str(e["end"]), squash(e["quote"])) for e in a["evidence"]]
    denial = any_page.locator(f"li.claim[data-claim='{PRECURSOR_CLAIM}'] li.attribution[data-predicate='denies']")
    assert "China denies this" in squash(denial.inner_text())
    assert denial.locator("a.quote").is_visible()


def sentence_around(text: str, sentences: list[dict], ev: dict) -> str:
    """The article's sentences that the quote [start, end) overlaps, as one string (offsets in code points)."""
    hit = [s for s in sentences if s["start"] < ev["end"] and ev["start"] < s["end"]]
    return text[min(s["start"] for s in hit):max(s["end"] for s in hit)]


def test_entity_evidence_shows_the_sentence_with_the_quote_marked(any_page, server):
    text = server.get(f"/v1/articles/{ARTICLE}")["text"]
    sentences = server.get(f"/v1/articles/{ARTICLE}/coverage")["sentences"]
    goto(any_page, server, "#/entity/jen-daskal", "entity")
    entity = server.get("/v1/entities/jen-daskal")
    relations = server.get("/v1/entities/jen-daskal/relations?limit=500")["items"]
    expected = [(r["id"], e) for r in relations for e in r["evidence"]]
    fragment = next(e for _, e in expected if squash(e["quote"]) == "Daskal said that")  # the example
    assert len(squash(sentence_around(text, sentences, fragment))) > len("Daskal said that") + 20
    for rid, ev in expected:
        snippet = any_page.locator(f"li.relation[data-relation='{rid}'] .snippet"
                                   f"[data-start='{ev['start']}'][data-end='{ev['end']}']")
        assert snippet.count() == 1
        assert squash(snippet.inner_text()) == squash(sentence_around(text, sentences, ev))
        mark = snippet.locator("mark")
        assert mark.count() == 1 and squash(mark.inner_text()) == squash(ev["quote"])
        assert snippet.locator("a.quote").get_attribute("href").endswith(f"?start={ev['start']}&end={ev['end']}")
    mentions = any_page.locator(".mentions .snippet")
    assert mentions.count() == len(entity["evidence"])
    for ev, snippet in zip(entity["evidence"], mentions.all()):
        assert squash(snippet.inner_text()) == squash(sentence_around(text, sentences, ev))
        assert squash(snippet.locator("mark").inner_text()) == squash(ev["quote"])
