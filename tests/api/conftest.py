"""API test fixtures: the real app, lifespan and all, over a real database: SQLite and PostgreSQL.

``client`` serves the seed story from the repository's ``seeds/``; ``mini_client``
serves a small sheet of our own over the same article (``mini_facts.yaml``),
for cases the seed does not exhibit (an ambiguous alias).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from apitools import ARTICLE_ID, start
from fastapi.testclient import TestClient

from app.settings import REPO_SEEDS

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def mini_seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mini-seeds")
    story = root / ARTICLE_ID
    story.mkdir()
    for f in ("article.txt", "meta.yaml"):
        shutil.copyfile(REPO_SEEDS / ARTICLE_ID / f, story / f)
    shutil.copyfile(HERE / "mini_facts.yaml", story / "facts.yaml")
    return root


@pytest.fixture(scope="session")
def client(backend) -> Iterator[TestClient]:
    with start(backend.url("seed"), REPO_SEEDS) as c:
        yield c


@pytest.fixture(scope="session")
def mini_client(backend, mini_seeds: Path) -> Iterator[TestClient]:
    with start(backend.url("mini"), mini_seeds) as c:
        yield c
