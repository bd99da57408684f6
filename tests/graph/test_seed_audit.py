"""The seed says exactly what the article says: one test per finding of the sentence-by-sentence audit (issue 11).

Each test names the article's words it checks against; each failed on the sheet before the audit fixes.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from graph.indexing.names import normalize_name
from graph.testing import seed_index


@pytest.fixture(scope="module")
def ix():
    return seed_index()


def rel(ix, rid: str) -> dict:
    (found,) = [d for _, _, d in ix.g.edges(data=True) if d["id"] == rid]
    return found


def rels(ix, subject=None, predicate=None, obj=None) -> list[tuple[str, str, dict]]:
    return [(u, v, d) for u, v, d in ix.g.edges(data=True)
            if (subject is None or u == subject) and (predicate is None or d["predicate"] == predicate)
            and (obj is None or v == obj)]


def quotes(d: dict) -> str:
    """All of a fact's evidence, whitespace-normalised, as one string to look words up in."""
    return " | ".join(" ".join(e["quote"].split()) for e in d["evidence"])


def ids(ix) -> set[str]:
    return {d["id"] for _, _, d in ix.g.edges(data=True)}


# --- entities and evidence -------------------------------------------------------------------------------

def test_no_surface_form_names_two_nodes(ix):
    """'Washington' was the U.S. and the city, 'Beijing' China and the city: a later sheet's reference bound
    to whichever lookup preferred. Each name or alias now belongs to one node."""
    owners = defaultdict(set)
    for node, d in ix.g.nodes(data=True):
        for form in [d["name"], *d.get("aliases", [])]:
            owners[normalize_name(form)].add(node)
    shared = {form: sorted(nodes) for form, nodes in owners.items() if len(nodes) > 1}
    assert shared == {}
    assert ix.names.resolve("Washington") == "washington" and ix.names.resolve("Beijing") == "beijing"
    assert "Washington" not in ix.g.nodes["united-states"]["aliases"]
    assert "Beijing" not in ix.g.nodes["china"]["aliases"]


def test_the_government_type_is_used_where_it_fits(ix):
    for node in ("white-house", "chinese-officials", "senior-government-officials", "us-law-enforcement",
                 "chinese-law-enforcement"):
        assert ix.g.nodes[node]["type"] == "government", node


def test_no_entity_the_article_does_not_have(ix):
    assert "companies" not in ix.g  # "Companies in general" is not in the article
    assert all(d["name"] != "Companies" for _, d in ix.g.nodes(data=True))


def test_names_and_aliases_are_the_articles_not_editorial(ix):
    assert "each other's concerns" not in ix.g.nodes["mutual-accommodation"].get("aliases", [])
    assert "as China put it" not in ix.g.nodes["china-us-cooperation"]["name"]
    titled = "Deputy Assistant to the President and Deputy Homeland Security Advisor Jen Daskal"
    assert titled in ix.g.nodes["jen-daskal"]["aliases"]  # as Biden's, Xi's and Wang's titled forms are
    assert ix.g.nodes["illicit-finance"]["name"].lower() == "illicit finance"  # the problem, not its remedy


def test_the_spread_of_fentanyl_is_not_its_flow_into_the_united_states(ix):
    assert ix.names.resolve("the spread of fentanyl") != ix.names.resolve("the flow of fentanyl into the United States")


@pytest.mark.parametrize("rid, words", [
    ("daskal-asserts-renewed-spirit", ["Daskal", "renewed spirit of commitment"]),
    ("xi-participated-in-summit", ["summit in San Francisco", "Xi Jinping"]),
    ("daskal-deputy-assistant-to-president", ["Deputy Assistant to the President", "Jen Daskal"]),
    ("us-seeks-law-enforcement-cooperation", ["Washington hopes", "Jen Daskal"]),
    ("us-seeks-cooperation-on-illicit-finance", ["tackling illicit finance", "Jen Daskal"]),
    ("us-seeks-chemical-controls", ["wants Beijing to put further controls", "Jen Daskal"]),
    ("us-asserts-talks-meaningful", ["US says", "'meaningful'", "-official"]),
    ("us-asserts-more-needs-to-be-done", ["US says", "more needs to be done", "-official"]),
])
def test_a_quote_holds_the_words_that_state_its_fact(ix, rid, words):
    cited = quotes(rel(ix, rid))
    for w in words:
        assert w in cited, (rid, w)


def test_meaningful_is_the_headlines_unnamed_official_not_daskal(ix):
    r = rel(ix, "us-asserts-talks-meaningful")
    assert r["qualifiers"].get("source") != "jen-daskal"  # Daskal says "substantive", in the body
    assert "unnamed official" in r["qualifiers"]["role"]
    assert "meaningful" not in quotes(rel(ix, "daskal-asserts-talks-substantive"))


def test_redundant_facts_are_gone(ix):
    gone = {"headline-us-says-talks-meaningful", "article-asserts-headline", "daskal-heads-us-delegation",
            "us-urged-china-chemical-controls", "summit-improved-relations"}
    assert not gone & (ids(ix) | set(ix.g.nodes))
    assert "the head of the White House delegation to Beijing" in quotes(rel(ix, "daskal-led-us-delegation"))


def test_what_china_hopes_for_is_in_the_object_not_only_the_role(ix):
    hopes = {v: ix.g.nodes[v]["name"] for _, v, d in rels(ix, "china", "seeks")}
    assert "us-china-relations" not in hopes  # "China seeks U.S.-China relations" said nothing
    assert any("stable, sound and sustainable" in name.lower() for name in hopes.values())
    assert any("enhanc" in name.lower() and "expand" in name.lower() for name in hopes.values())


# --- wrong or over-read ------------------------------------------------------------------------------------

def test_wanting_controls_is_not_urging_them(ix):
    assert rels(ix, "united-states", "urged") == []  # "wants Beijing to put further controls"
    (want,) = rels(ix, "united-states", "seeks", "chemical-controls")
    assert want[2]["modality"] == "hoped"


def test_the_tension_hampered_washingtons_hopes_not_the_cooperation(ix):
    (hampered,) = rels(ix, "us-china-relations", "hampered")
    target = hampered[1]
    assert target != "counternarcotics-cooperation"
    name = ix.g.nodes[target]["name"].lower()
    assert "re-join" in name and "u.s. efforts" in name  # China took part before; the efforts are the U.S.'s
    assert (("united-states", target)) in {(u, v) for u, v, _ in rels(ix, "united-states", "seeks")}


def test_covid_gives_the_time_of_the_fizzling_out_not_its_cause(ix):
    assert rels(ix, "covid-19", "disrupted") == []
    (ended,) = rels(ix, predicate="disrupted", obj="counternarcotics-cooperation")
    assert ix.g.nodes[ended[0]]["type"] == "event"  # the fizzling out, not the disease
    (when,) = rels(ix, predicate="coincided_with")
    assert "fizzled out when COVID-19 arrived" in quotes(when[2])


def test_the_summit_marks_warming_it_does_not_cause_it(ix):
    assert rels(ix, "san-francisco-summit", "improved") == []
    marked = {ix.g.nodes[v]["name"].lower() for _, v, _ in rels(ix, "san-francisco-summit", "marks")}
    assert any("shift in tone" in m for m in marked) and any("warming" in m for m in marked)


def test_daskal_expects_to_measure_progress_the_meetings_do_not(ix):
    for meetings in ("february-meetings", "summer-meetings"):
        assert rels(ix, meetings, "assesses") == []
        assert ix.g.nodes[meetings]["modality"] == "planned"  # what is expected is the measuring
    measuring = rels(ix, "jen-daskal", "assesses", "counternarcotics-cooperation")
    assert len(measuring) == 2 and all(d["modality"] == "expected" for _, _, d in measuring)
    assert sorted(d["qualifiers"]["time"]["edtf"] for _, _, d in measuring) == ["2024-02", "2024-22"]


# --- missing or partial -------------------------------------------------------------------------------------

def test_s18_the_us_efforts_and_chinas_earlier_part_in_them(ix):
    (efforts,) = [v for _, v, _ in rels(ix, "united-states", "carried_out")
                  if "efforts to stop the flow of fentanyl" in ix.g.nodes[v]["description"]]
    (china_part,) = rels(ix, "china", "participated_in", efforts)
    assert "re-join" in quotes(china_part[2])
    assert rels(ix, efforts, "targeted", ix.names.resolve("the flow of fentanyl into the United States"))


def test_caption_links_the_working_group_to_both_countries_and_dates_the_photo(ix):
    members = {u for u, _, _ in rels(ix, predicate="member_of", obj="counternarcotics-working-group")}
    assert {"united-states", "china"} <= members
    (shot,) = rels(ix, "ng-han-guan", "photographed", "daskal-wang-photo")
    assert shot[2]["qualifiers"]["time"]["edtf"] == "2024-01-30"


def test_s5_daskals_interview_statements_have_their_place_and_occasion(ix):
    for rid in ("daskal-asserts-more-action-needed", "daskal-asserts-renewed-spirit"):
        assert rel(ix, rid)["qualifiers"]["place"] == "us-embassy-beijing"
    said_in = {u for u, _, _ in rels(ix, predicate="stated_in", obj="reuters-interview")}
    assert {"more-action-needed", "renewed-spirit-of-cooperation"} <= said_in


def test_s7_biden_and_xi_met(ix):
    (met,) = rels(ix, "joe-biden", "met_with", "xi-jinping")
    assert met[2]["qualifiers"]["time"]["edtf"] == "2023-11" and met[2]["qualifiers"]["place"] == "san-francisco"


def test_further_controls_imply_controls_already_in_place(ix):
    (existing,) = [v for _, v, _ in rels(ix, "china", "carried_out") if "control" in ix.g.nodes[v]["name"].lower()]
    assert rels(ix, existing, "targeted", "precursor-chemicals")
    assert "further controls" in ix.g.nodes[existing]["evidence"][0]["quote"]

