"""A small story of our own, so that rejection tests do not depend on the seed; and an empty store to write to."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine

from graph.storage.store import create_schema, make_engine

ARTICLE = """Small talks end well
By Ann Lee
PARIS (Wire) - Ann Lee led a small delegation to Paris on Monday, Jan. 29, 2024.
The delegation met the U.S. envoy.
Lee said the talks were useful.
Critics deny this.
"""

META = {"id": "small-talks", "title": "Small talks end well", "publisher": "Wire", "published": "2024-01-31",
        "authors": ["Ann Lee"]}

SHEET = {
    "entities": [
        {"id": "ann-lee", "name": "Ann Lee", "type": "person", "aliases": ["Ann Lee", "Lee"],
         "evidence": [{"quote": "Ann Lee led", "occurrence": 1}]},
        {"id": "delegation", "name": "The small delegation", "type": "organization",
         "aliases": ["small delegation"], "evidence": ["a small delegation to Paris"]},
        {"id": "paris", "name": "Paris", "type": "city", "aliases": ["Paris", "PARIS"],
         "evidence": ["delegation to Paris"]},
        {"id": "envoy", "name": "U.S. envoy", "type": "person", "aliases": ["U.S. envoy"],
         "evidence": ["the U.S. envoy"]},
        {"id": "critics", "name": "Critics", "type": "organization", "evidence": ["Critics deny"]},
        {"id": "the-story", "name": "Small talks end well", "type": "document",
         "evidence": ["Small talks end well"]},
    ],
    "events": [
        {"id": "paris-visit", "name": "Visit to Paris", "date": {"edtf": "2024-01-29", "text": "Monday, Jan. 29, 2024"},
         "evidence": ["to Paris on Monday, Jan. 29, 2024"]},
    ],
    "claims": [
        {"id": "talks-useful", "text": "The talks were useful", "about": ["paris-visit"],
         "evidence": ["the talks were useful"]},
    ],
    "relations": [
        {"id": "lee-led-delegation", "subject": "ann-lee", "predicate": "led", "object": "delegation",
         "evidence": ["Ann Lee led a small delegation"]},
        {"id": "delegation-met-envoy", "subject": "delegation", "predicate": "met_with", "object": "envoy",
         "evidence": ["The delegation met the U.S. envoy."]},
        {"id": "delegation-in-visit", "subject": "delegation", "predicate": "participated_in",
         "object": "paris-visit", "qualifiers": {"place": "paris"}, "evidence": ["a small delegation to Paris"]},
        {"id": "visit-in-paris", "subject": "paris-visit", "predicate": "took_place_in", "object": "paris",
         "evidence": ["to Paris on Monday"]},
        {"id": "lee-asserts-useful", "subject": "ann-lee", "predicate": "asserts", "object": "talks-useful",
         "evidence": ["Lee said"]},
        {"id": "critics-deny-useful", "subject": "critics", "predicate": "denies", "object": "talks-useful",
         "evidence": ["Critics deny this."]},
        {"id": "lee-reported-story", "subject": "ann-lee", "predicate": "reported", "object": "the-story",
         "evidence": ["By Ann Lee"]},
    ],
}


def write_story(directory: Path, sheet: dict | None = None, meta: dict | None = None, text: str = ARTICLE) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "article.txt", "w", encoding="utf-8", newline="") as f:
        f.write(text)
    (directory / "meta.yaml").write_text(yaml.safe_dump(meta or META), encoding="utf-8")
    (directory / "facts.yaml").write_text(yaml.safe_dump(SHEET if sheet is None else sheet, sort_keys=False),
                                          encoding="utf-8")
    return directory


@pytest.fixture
def sheet() -> dict:
    """A fresh, mutable copy of the small story's sheet."""
    return copy.deepcopy(SHEET)


@pytest.fixture
def story_dir(tmp_path: Path) -> Path:
    return write_story(tmp_path / "small-talks")


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    """An engine on a new, empty database of the test's backend, with the schema created; disposed after."""
    eng = make_engine(database_url())
    create_schema(eng)
    yield eng
    eng.dispose()
