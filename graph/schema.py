"""The database schema's version, under Alembic (``graph/migrations``).

A new, empty database is brought to the current schema on first use; a
database whose schema is behind this code is refused with the command that
upgrades it, never migrated behind the operator's back.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
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
