from pathlib import Path

import pytest

from graph.stories.text import NormalizedText, Span, locate, sentence_at, split_sentences

SEED = (Path(__file__).parents[2] / "seeds/fentanyl-talks-2024-01-31/article.txt").read_text(encoding="utf-8")


def test_seed_sentences_follow_the_rule():
    sentences = split_sentences(SEED)
    texts = [" ".join(s.text.split()) for s in sentences]
    assert len(sentences) == 24
    assert texts[0].startswith("US says fentanyl talks") and texts[0].endswith("done-official")
    assert texts[1:3] == ["[January 31, 2024]", "By Antoni Slodkowski"]
    assert texts[10] == "China denies this."
    assert texts[15] == "Ng Han Guan/Pool via REUTERS"
    assert texts[-1] == "(Reporting by Antoni Slodkowski; Editing by Andrew Cawthorne)"
    # "U.S. President" and "Jan. 30" do not end sentences
    assert any("U.S. President Joe Biden" in t for t in texts)
    assert any(t.endswith("Tuesday, Jan. 30, 2024.") for t in texts)


@pytest.mark.parametrize("furniture", ["Send a link to a friend", "[to top of second column]", "All rights reserved",
                                       "Thompson Reuters is solely responsible"])
def test_furniture_is_not_a_sentence(furniture):
    at = SEED.index(furniture)
    assert sentence_at(split_sentences(SEED), at) is None


def test_sentence_offsets_are_exact():
    for s in split_sentences(SEED):
        assert SEED[s.start : s.end] == s.text


def test_locate_matches_across_line_wraps_and_returns_the_exact_span():
    span = locate(SEED, NormalizedText(SEED), "China denies this.")
    assert SEED[span.start : span.end] == "China\ndenies this."


def test_locate_hints_pick_one_of_several():
    text = "a b. a b. a b."
    norm = NormalizedText(text)
    assert locate(text, norm, "a b", occurrence=2) == Span(5, 8)
    assert locate(text, norm, "a b", prefix="b. a b.") == Span(10, 13)
    assert locate(text, norm, "a b", suffix=". a b. a") == Span(0, 3)


@pytest.mark.parametrize(
    ("quote", "hints", "reason"),
    [
        ("zebra", {}, "quote not found in the article: 'zebra'"),
        ("a b", {}, "quote occurs 3 times; add 'occurrence', 'prefix' or 'suffix' to pick one: 'a b'"),
        ("a b", {"occurrence": 4}, "occurrence 4 asked, but the quote occurs 3 time(s)"),
        ("a b", {"prefix": "zzz"}, "quote found, but not with the given prefix/suffix: 'a b'"),
    ],
)
def test_locate_says_why_not(quote, hints, reason):
    text = "a b. a b. a b."
    with pytest.raises(ValueError) as exc:
        locate(text, NormalizedText(text), quote, **hints)
    assert str(exc.value) == reason
