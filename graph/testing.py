"""Helpers for doctests and tests: the seed story as an index, no database."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from graph.indexing.index import GraphIndex, index_from_stories
from graph.stories.files import read_story, story_dirs

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@lru_cache(maxsize=1)
def seed_index() -> GraphIndex:
    return index_from_stories([read_story(d) for d in story_dirs(SEEDS)])
