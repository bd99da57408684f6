"""The database schema's version, under Alembic (``graph/migrations``).

A new, empty database is brought to the current schema on first use; a
database whose schema is behind this code is refused with the command that
upgrades it, never migrated behind the operator's back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from .errors import SchemaBehind

UPGRADE_COMMAND = "storygraph db upgrade"


def _config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "graph:migrations")
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()  # type: ignore[return-value]


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest)."""
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def ensure_current(engine: Engine, *, create_if_empty: bool = True) -> None:
    """Create the schema in an empty database; refuse one whose schema is behind.

    Raises :class:`graph.errors.SchemaBehind` naming the versions and the
    command to run.
    """
    if create_if_empty and is_empty(engine):
        upgrade(engine)
        return
    have, want = current(engine), head()
    if have != want:
        raise SchemaBehind(engine.url.render_as_string(hide_password=True), have, want, UPGRADE_COMMAND)


# The pg_advisory_lock key held while a process creates the schema or seeds: any fixed 64-bit number.
STARTUP_LOCK = 0x5354_4F52_5947_5248  # "STORYGRH"


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """One process at a time creates the schema and seeds an empty database.

    PostgreSQL: a session-level advisory lock, so N processes started at once
    on an empty database (``uvicorn --workers N``, several hosts) create the
    schema and seed it exactly once; the others wait, then find it done. It is
    released when the block ends, or by the server when the process dies.
    Elsewhere (SQLite) nothing: writers queue on the database file
    (``BEGIN IMMEDIATE``) and an unchanged story is never written twice.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK})
            conn.commit()
