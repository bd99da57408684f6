"""Alembic environment: the connection comes from graph.storage.schema (no alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import graph.storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover - we never generate SQL scripts offline
    raise SystemExit("storygraph migrations run online only: storygraph db upgrade")
run_migrations_online()
