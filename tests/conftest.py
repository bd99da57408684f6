"""The database every database test runs on: SQLite and PostgreSQL, one test each.

``backend`` is session-scoped and parametrized over both engines, so every
test that asks for a database (``database_url``, or a fixture built on
``backend``) runs twice: ``test_x[sqlite]`` and ``test_x[postgresql]``.
PostgreSQL is ONE real server for the whole run, started by
``tests/graph/pgserver.py`` on 127.0.0.1 in a temporary directory and stopped
at the end; each call of ``database_url()`` makes a new, empty database on it
(dropped after the test). Without PostgreSQL on the machine the PostgreSQL
half is skipped, except on CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.graph.pgserver import drop_database, fresh_database, postgres_server

BACKENDS = ("sqlite", "postgresql")


class Backend:
    """Makes new, empty databases of one engine."""

    def __init__(self, name: str, tmp: Path | None = None, server: str | None = None) -> None:
        self.name, self._tmp, self._server = name, tmp, server
        self._count = itertools.count()

    def url(self, name: str = "db") -> str:
        """The SQLAlchemy URL of a new, empty database."""
        if self.name == "sqlite":
            return f"sqlite:///{self._tmp / f'{next(self._count)}-{name}.db'}"
        return fresh_database(self._server)

    def drop(self, url: str) -> None:
        if self.name == "postgresql":
            drop_database(url)

    def __repr__(self) -> str:
        return f"Backend({self.name})"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of the run's one PostgreSQL server (its ``postgres`` database)."""
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    if request.param == "postgresql":
        return Backend("postgresql", server=request.getfixturevalue("pg_server"))
    return Backend("sqlite", tmp=tmp_path_factory.mktemp("sqlite"))


@pytest.fixture
def database_url(backend: Backend) -> Iterator[Callable[..., str]]:
    """A factory: each call answers the URL of a new, empty database on this test's backend."""
    made: list[str] = []

    def make(name: str = "db") -> str:
        made.append(backend.url(name))
        return made[-1]

    yield make
    for url in made:
        backend.drop(url)
