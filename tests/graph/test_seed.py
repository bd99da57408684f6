"""The seed story: complete, verified, and holding the two facts that define the product."""

from __future__ import annotations

import pytest

from graph.algorithms import queries
from graph.indexing.index import index_from_stories
from graph.stories.coverage import coverage
from graph.stories.files import read_story, story_dirs
from graph.testing import SEEDS


@pytest.fixture(scope="module")
def story():
    (d,) = story_dirs(SEEDS)
    return read_story(d)


@pytest.fixture(scope="module")
def ix(story):
    return index_from_stories([story])


def test_article_is_the_shared_seed_byte_for_byte(story):
    shared = SEEDS.parents[1] / "shared/seeds/fentanyl-talks-2024-01-31.txt"
    if not shared.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert story.text.encode() == shared.read_bytes()


def test_metadata(story):
    m = story.meta
    assert (m.publisher, m.published.isoformat(), m.authors, m.editors, m.dateline) == (
        "Reuters", "2024-01-31", ["Antoni Slodkowski"], ["Andrew Cawthorne"], "Beijing")


def test_every_body_sentence_is_cited(story):
    cov = coverage(story)
    assert len(cov.sentences) == 24
    assert [s.sentence.index for s in cov.sentences if not s.facts] == []


def test_every_node_and_edge_cites_the_exact_words(story, ix):
    assert ix.g.number_of_nodes() and ix.g.number_of_edges()
    for node, evidence in ix.g.nodes(data="evidence"):
        assert evidence, node
    for u, v, evidence in ix.g.edges(data="evidence"):
        assert evidence, (u, v)
    spans = [ev for _, evs in ix.g.nodes(data="evidence") for ev in evs]
    spans += [ev for _, _, evs in ix.g.edges(data="evidence") for ev in evs]
    for ev in spans:
        assert story.text[ev["start"] : ev["end"]] == ev["quote"]
        assert ev["sentence"] is not None


def test_daskal_led_the_interagency_delegation(ix):
    (led,) = queries.match_relations(ix, subject="jen-daskal", predicate="led")
    assert led["object"]["id"] == "us-delegation"
    assert "Daskal led an interagency delegation" in " ".join(led["evidence"][0]["quote"].split())


def test_precursor_claim_is_asserted_by_the_us_and_denied_by_china(ix):
    c = queries.claim(ix, "china-primary-source-of-precursors")
    assert c["text"].startswith("China is the primary source of the precursor chemicals synthesized into fentanyl")
    assert [a["id"] for a in c["asserted_by"]] == ["united-states"]
    assert [a["id"] for a in c["denied_by"]] == ["china"]
    assert c["status"] == "disputed"
    denial = next(r for r in c["attributions"] if r["predicate"] == "denies")
    assert " ".join(denial["evidence"][0]["quote"].split()) == "China denies this."


def test_disputed_claim_content_is_not_also_a_fact(ix):
    # The article reports the claim; it does not commit to China being the source.
    china_to_precursors = list(queries.match_relations(ix, subject="china", object="precursor-chemicals"))
    assert china_to_precursors == []


@pytest.mark.parametrize(
    ("ref", "expected"),
    [("Daskal", "jen-daskal"), ("jen daskal", "jen-daskal"), ("the head of the White House delegation", "jen-daskal"),
     ("US", "united-states"), ("u.s.", "united-states"), ("United States", "united-states"),
     ("Beijing", "beijing"), ("china", "china"), ("Washington", "washington"), ("wang xiaohong", "wang-xiaohong")],
)
def test_names_and_aliases_resolve(ix, ref, expected):
    assert ix.names.resolve(ref) == expected


def test_surface_forms_for_governments(ix):
    # "Washington hopes", "wants Beijing to": cited as the countries' evidence, not aliases, since the
    # cities own those names and a reference must name one node.
    assert {"U.S.", "United States"} <= set(ix.g.nodes["united-states"]["aliases"])
    assert "Washington hopes" in [e["quote"] for e in ix.g.nodes["united-states"]["evidence"]]
    assert "wants Beijing to put further controls" in [e["quote"] for e in ix.g.nodes["china"]["evidence"]]


def test_dates_keep_their_precision(ix):
    by_id = {e["id"]: e for e in queries.events(ix, include_undated=True)}
    assert (by_id["daskal-wang-meeting"]["date"], by_id["daskal-wang-meeting"]["precision"]) == ("2024-01-30", "day")
    assert (by_id["san-francisco-summit"]["date"], by_id["san-francisco-summit"]["precision"]) == ("2023-11", "month")
    assert (by_id["summer-meetings"]["date"], by_id["summer-meetings"]["precision"]) == ("2024-22", "season")
    assert by_id["summer-meetings"]["date_text"] == "over the summer"


def test_path_from_daskal_to_xi(ix):
    (first, *_) = queries.paths(ix, "jen-daskal", "xi-jinping")
    assert first["nodes"][0]["id"] == "jen-daskal" and first["nodes"][-1]["id"] == "xi-jinping"
    assert all(hop for hop in first["relations"])
