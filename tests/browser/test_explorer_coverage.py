"""The article view shows the clauses no statement cites, at a glance, and never runs the article's text.

Served from a seeds folder of our own: the seed article under the small sheet of the API tests (which leaves
gaps), and an article whose words are markup. The page fails on any console error or failed request.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from app.settings import REPO_SEEDS

from .conftest import ROOT, Server, open_page, screenshot, uvicorn
from .test_explorer import goto

ARTICLE = "fentanyl-talks-2024-01-31"
HOSTILE = "hostile-markup"
HOSTILE_TEXT = """<img src=x onerror="window.__xss=1;alert(1)"> Markup in the wire
By Ann Lee
Ann Lee met the envoy in Oslo, and <script>window.__xss=2;alert(2)</script> said "<b>nothing</b>" of it.
"""
HOSTILE_SHEET = {
    "entities": [{"id": "ann-lee", "name": "Ann Lee", "type": "person", "aliases": ["Ann Lee"],
                  "evidence": [{"quote": "Ann Lee met", "occurrence": 1}]},
                 {"id": "oslo-envoy", "name": "the envoy", "type": "person", "evidence": ["the envoy"]}],
    "relations": [{"id": "ann-lee-met-envoy", "subject": "ann-lee", "predicate": "met_with", "object": "oslo-envoy",
                   "evidence": ["Ann Lee met the envoy in Oslo"]}],
}


def _seeds(root: Path) -> Path:
    story = root / ARTICLE
    story.mkdir(parents=True)
    for f in ("article.txt", "meta.yaml"):
        shutil.copyfile(REPO_SEEDS / ARTICLE / f, story / f)
    shutil.copyfile(ROOT / "tests/api/mini_facts.yaml", story / "facts.yaml")
    hostile = root / HOSTILE
    hostile.mkdir()
    with open(hostile / "article.txt", "w", encoding="utf-8", newline="") as f:
        f.write(HOSTILE_TEXT)
    (hostile / "meta.yaml").write_text(yaml.safe_dump(
        {"id": HOSTILE, "title": "<img src=x onerror=alert(3)> Markup in the wire", "publisher": "Wire",
         "published": "2024-02-01", "authors": ["Ann Lee"]}), encoding="utf-8")
    (hostile / "facts.yaml").write_text(yaml.safe_dump(HOSTILE_SHEET, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def gap_server(tmp_path_factory: pytest.TempPathFactory, browser) -> Iterator[Server]:
    """uvicorn on 127.0.0.1 over our seeds folder (as conftest's ``server``, whose seeds are the repository's)."""
    tmp = tmp_path_factory.mktemp("coverage-browser")
    with uvicorn(tmp, STORYGRAPH_SEEDS_DIR=str(_seeds(tmp / "seeds"))) as srv:
        yield srv


@pytest.fixture
def page(browser, gap_server) -> Iterator[object]:
    page, watch = open_page(browser, gap_server)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        yield page
        assert dialogs == [], f"the page ran the article's script: {dialogs}"
        watch.check()
    finally:
        page.context.close()


def gaps_of(cov: dict) -> list[tuple[int, int, str]]:
    return [(c["start"], c["end"], c["text"]) for s in cov["sentences"] for c in s["clauses"] if not c["statements"]]


def test_the_gaps_are_marked_in_the_text_with_a_legend_and_figures(page, gap_server):
    cov = gap_server.get(f"/v1/articles/{ARTICLE}/coverage")
    text = gap_server.get(f"/v1/articles/{ARTICLE}")["text"]
    expected = gaps_of(cov)
    assert expected and cov["clauses_covered"] > 0  # the small sheet leaves gaps, and cites some clauses
    goto(page, gap_server, f"#/article/{ARTICLE}", "article")
    marks = page.locator(".article-text mark.gap")
    shown = marks.evaluate_all("ms => ms.map(m => [Number(m.dataset.start), Number(m.dataset.end), m.textContent])")
    assert [tuple(m) for m in shown] == expected
    assert all(text[a:b] == t for a, b, t in expected)
    assert page.locator(".article-text").evaluate("e => e.textContent") == text  # marks add no words
    # S8 is only named (fentanyl), never stated: the whole sentence is one marked gap.
    s8 = next(s for s in cov["sentences"] if s["index"] == 8)
    assert page.locator(".article-text mark.gap[data-sentence='8']").inner_text() == s8["clauses"][0]["text"]
    assert marks.first.evaluate("m => getComputedStyle(m).backgroundImage") != "none"  # visibly marked
    summary = page.locator(".coverage-summary")
    assert summary.get_attribute("data-clauses-covered") == str(cov["clauses_covered"])
    assert f"{cov['clauses_covered']} of {cov['clauses_total']} clauses" in summary.inner_text()
    legend = page.locator(".legend li").all_inner_texts()
    assert legend == ["a clause no statement cites", "the quote you followed"]
    rows = page.locator(".coverage-table tbody tr")
    assert rows.count() == cov["sentences_total"]
    row8 = page.locator(".coverage-table tr[data-sentence='8']")
    assert "has-gap" in row8.get_attribute("class")
    assert row8.locator("td.figure").inner_text() == f"0/{s8['clauses_total']}"
    screenshot(page, "article-coverage-desktop")
    # A gap links to itself: the same view, that clause highlighted, the gap still marked inside the highlight.
    first = expected[0]
    page.locator(".coverage-table tr.has-gap a").first.click()
    page.wait_for_function("() => document.querySelector('mark.highlight') !== null")
    assert page.url.endswith(f"#/article/{ARTICLE}?start={first[0]}&end={first[1]}")
    assert page.locator("mark.highlight").evaluate("m => m.textContent") == first[2]
    assert page.locator("mark.highlight mark.gap").count() == 1


def test_the_articles_own_markup_stays_text(page, gap_server):
    goto(page, gap_server, f"#/article/{HOSTILE}", "article")
    assert page.evaluate("() => window.__xss") is None
    assert page.locator(".article-text img, .article-text script, .article-text b, #view img[src=x]").count() == 0
    assert page.locator(".article-text").evaluate("e => e.textContent") == HOSTILE_TEXT
    # Uncited, the markup is marked as gaps, as the words they are (cut at its parentheses, like any clause).
    gaps = page.locator(".article-text mark.gap").all_text_contents()
    assert '<img src=x onerror="window.__xss=1;alert(1' in gaps and "and <script>window.__xss=2;alert(2" in gaps
    assert page.locator("#view h1").inner_text() == "<img src=x onerror=alert(3)> Markup in the wire"
    assert "<script>" in page.locator(".coverage-table").inner_text()
