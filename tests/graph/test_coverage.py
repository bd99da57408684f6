"""Coverage counts statements, clause by clause, and reads the reasons a sheet gives for its gaps."""

from __future__ import annotations

import pytest

from graph.stories.clauses import split_clauses
from graph.stories.coverage import clause_coverage, coverage, explain, read_reasons
from graph.stories.files import read_story
from graph.stories.text import split_sentences

from .conftest import write_story


@pytest.fixture
def small(tmp_path):
    return read_story(write_story(tmp_path / "small-talks"))


def test_a_sentence_only_named_is_not_covered(small):
    # "Small talks end well" is cited only by the `the-story` document entity: a mention, not a statement.
    cov = coverage(small)
    headline = cov.sentences[0]
    assert headline.sentence.text == "Small talks end well"
    assert headline.facts == ()
    assert [(c.clause.text, c.covered) for c in headline.clauses] == [("Small talks end well", False)]
    assert cov.covered == len(cov.sentences) - 1


def test_claims_events_and_relations_are_statements(small):
    cov = coverage(small)
    by_index = {s.sentence.index: s for s in cov.sentences}
    assert "paris-visit" in by_index[2].facts  # an event
    assert "talks-useful" in by_index[4].facts  # a claim
    assert "lee-led-delegation" in by_index[2].facts  # a relation
    assert not {"ann-lee", "paris", "delegation", "envoy", "critics", "the-story"} & {
        f for s in cov.sentences for f in s.facts}  # plain entities never count


def test_a_clause_touched_by_a_relation_quote_is_covered_and_its_neighbour_is_not():
    text = "Lee met Kim in Oslo, and they agreed on a plan that both signed. Kim is a diplomat."
    quote = "met Kim"
    start = text.index(quote)
    cov = clause_coverage("a", text, [("lee-met-kim", start, start + len(quote))])
    first = cov.sentences[0]
    assert first.facts == ("lee-met-kim",)  # the sentence is cited ...
    assert [(c.clause.text, c.statements) for c in first.clauses] == [
        ("Lee met Kim in Oslo", ("lee-met-kim",)),
        ("and they agreed on a plan that both signed", ()),  # ... but this clause of it is not
    ]
    assert (first.covered_clauses, cov.covered_clauses, len(cov.clauses)) == (1, 1, 3)


def test_touching_means_one_code_point_of_overlap():
    text = "Lee met Kim in Oslo, and they agreed on a plan."
    comma = text.index(",")
    assert clause_coverage("a", text, [("x", comma, comma + 1)]).covered_clauses == 0  # the comma is no clause's
    assert clause_coverage("a", text, [("x", comma - 1, comma)]).covered_clauses == 1  # "o" of Oslo


@pytest.mark.parametrize(("sentence", "clauses"), [
    ("Ties were tense over tariffs, Taiwan and human rights, hampering hopes of a deal.",
     ["Ties were tense over tariffs", "Taiwan and human rights", "hampering hopes of a deal"]),
    ("BEIJING (Reuters) - Talks between the two sides have been \"substantive\" but more is needed.",
     ["BEIJING (Reuters) - Talks between the two sides have been \"substantive\"", "but more is needed"]),
    ("Cooperation fizzled out when COVID-19 arrived; ties fell to their lowest in decades.",
     ["Cooperation fizzled out", "when COVID-19 arrived", "ties fell to their lowest in decades"]),
    ("Companies can do a lot...to stop selling to bad customers.",
     ["Companies can do a lot", "to stop selling to bad customers"]),
])
def test_clauses_follow_the_articles_own_punctuation_and_conjunctions(sentence, clauses):
    (s,) = split_sentences(sentence)
    got = split_clauses(sentence, s)
    assert [c.text for c in got] == clauses
    assert all(sentence[c.start:c.end] == c.text for c in got)


SHEET_WITH_REASONS = '''entities: []
# uncovered: "Small talks end" — the headline repeats the first sentence
#   uncovered: 'Critics deny' -- Critics are not named, so there is no one to state it of
# uncovered: "nowhere in the article" — stale
# uncovered: "Ann Lee led" — covered by now
# uncovered: Small talks — no quotes
'''


def test_reasons_are_read_from_comments_and_put_on_their_clauses(small):
    reasons, problems = read_reasons(SHEET_WITH_REASONS)
    assert [(r.line, r.words, r.why) for r in reasons] == [
        (2, "Small talks end", "the headline repeats the first sentence"),
        (3, "Critics deny", "Critics are not named, so there is no one to state it of"),
        (4, "nowhere in the article", "stale"),
        (5, "Ann Lee led", "covered by now"),
    ]
    assert problems == ['line 6: write # uncovered: "<words of the clause>" — <reason>']
    bare = coverage(small)
    cov = explain(bare, reasons, problems)
    headline = cov.sentences[0].clauses[0]
    assert (headline.covered, headline.reason) == (False, "the headline repeats the first sentence")
    assert cov.explained_clauses == 1  # "Critics deny this." is covered by its relation: that reason is stale
    assert cov.share == 1.0 and bare.share < 1.0
    assert cov.reason_problems == (
        'line 6: write # uncovered: "<words of the clause>" — <reason>',
        'line 3: "Critics deny" is covered by critics-deny-useful; drop the reason',
        'line 4: "nowhere in the article" is in no clause',
        'line 5: "Ann Lee led" is covered by delegation-in-visit, lee-led-delegation, paris-visit, '
        'visit-in-paris; drop the reason',
    )


def test_a_reason_matching_several_clauses_explains_none():
    text = "The talks were long, and the talks were useful."
    cov = clause_coverage("a", text, [])
    reasons, _ = read_reasons('# uncovered: "talks were" — ambiguous\n')
    explained = explain(cov, reasons)
    assert explained.explained_clauses == 0
    assert explained.reason_problems == ('line 1: "talks were" is in 2 clauses; quote more of it',)
