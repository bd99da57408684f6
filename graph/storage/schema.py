"""The database schema's version, under Alembic (``graph/storage/migrations``).

A new, empty database is brought to the current schema on first use; a
database whose schema is behind this code is refused with the command that
upgrades it, never migrated behind the operator's back.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from graph.errors import SchemaBehind, StoreCorrupt
from graph.storage import tables  # noqa: F401 - registers storygraph's tables in SQLModel.metadata (check_store)

UPGRADE_COMMAND = "storygraph db upgrade"


def _config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "graph.storage:migrations")
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()  # type: ignore[return-value]


def sqlite_file(engine: Engine) -> str | None:
    """The path of ``engine``'s SQLite file, or None (another engine, or in memory)."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    return None if not path or path == ":memory:" or path.startswith("file:") else path


def check_store(engine: Engine) -> None:
    """Refuse a SQLite file storygraph cannot use, naming it: :class:`graph.errors.StoreCorrupt`.

    A file that is not a SQLite database (random bytes, a truncated copy), a
    corrupt one, a directory, a path that cannot be opened or created, or a
    valid database of another application (tables, none of them storygraph's).
    A missing or empty file is fine: a new database. The file is opened
    read-only, so a foreign database is left exactly as it was (the engine
    would switch it to WAL). PostgreSQL databases are not checked: one may
    well hold other applications' tables beside ours.
    """
    path = sqlite_file(engine)
    if path is None:
        return
    if os.path.isdir(path):
        raise StoreCorrupt(path, "is a directory, not a SQLite database file")
    if not os.path.exists(path):
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise StoreCorrupt(path, f"cannot be created: {parent} is not an existing folder")
        return  # a new database
    try:
        with closing(sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=30)) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as exc:
        message = str(exc)
        if "not a database" in message:
            reason = "is not a SQLite database: the file is corrupt or of another kind"
        elif "malformed" in message:
            reason = "is corrupt: the database disk image is malformed"
        else:
            reason = f"cannot be read: {message}"
        raise StoreCorrupt(path, reason) from None
    ours = set(SQLModel.metadata.tables) | {"alembic_version"}
    if tables and not tables & ours and not any(t.startswith("search_fts") for t in tables):
        listed = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise StoreCorrupt(path, f"belongs to another application: its tables ({listed}) are not storygraph's")


def current(engine: Engine) -> str | None:
    check_store(engine)
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest)."""
    check_store(engine)
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
    check_store(engine)
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
