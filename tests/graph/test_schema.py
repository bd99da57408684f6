"""Schema versions: an empty database is created, one that is behind is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from app.cli import cli
from graph.errors import SchemaBehind
from graph.storage import schema
from graph.storage.store import create_schema, make_engine, stored_revision

runner = CliRunner()


@pytest.fixture
def url(database_url):
    return database_url("schema")


def test_an_empty_database_gets_the_current_schema(url):
    engine = make_engine(url)
    create_schema(engine)
    assert schema.current(engine) == schema.head()
    fts = {"search_fts"} if engine.dialect.name == "sqlite" else set()  # PostgreSQL: a tsvector column
    assert {"article", "entity", "relation", "evidence", "search_doc", "graph_state", *fts} <= set(
        inspect(engine).get_table_names())
    with engine.connect() as c:
        assert stored_revision(c) == 0
    create_schema(engine)  # idempotent
    engine.dispose()


def test_a_database_behind_is_refused_with_the_command_to_run(url):
    engine = make_engine(url)
    create_schema(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaBehind) as exc:
        create_schema(engine)
    assert str(exc.value) == (f"The database {url} is at revision 0000; this storygraph needs {schema.head()}. "
                              "Run `storygraph db upgrade`.")
    engine.dispose()


def test_tables_without_a_recorded_revision_are_refused(url):
    engine = make_engine(url)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE article (id TEXT PRIMARY KEY)"))
    with pytest.raises(SchemaBehind, match="no recorded schema revision"):
        create_schema(engine)
    engine.dispose()


def test_cli_upgrade_and_current(url):
    assert runner.invoke(cli, ["db", "current", "--database-url", url]).exit_code == 1
    up = runner.invoke(cli, ["db", "upgrade", "--database-url", url])
    assert up.exit_code == 0 and up.output.strip() == f"schema: empty -> {schema.head()}"
    again = runner.invoke(cli, ["db", "upgrade", "--database-url", url])
    assert again.output.strip() == f"schema: {schema.head()} (up to date)"
    cur = runner.invoke(cli, ["db", "current", "--database-url", url])
    assert cur.exit_code == 0 and cur.output.strip() == f"database: {schema.head()}; code: {schema.head()}"


def test_serve_refuses_a_database_behind(url, monkeypatch):
    engine = make_engine(url)
    create_schema(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    engine.dispose()
    monkeypatch.setenv("STORYGRAPH_DATABASE_URL", url)
    result = runner.invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("Run `storygraph db upgrade`.")


def test_every_write_moves_the_revision(url, story_dir):
    from graph.ingest import ingest_path

    engine = make_engine(url)
    create_schema(engine)
    ingest_path(engine, story_dir)
    with engine.connect() as c:
        first = stored_revision(c)
    ingest_path(engine, story_dir)  # unchanged: nothing written
    with engine.connect() as c:
        assert stored_revision(c) == first == 1
    engine.dispose()


def test_a_plain_postgresql_url_gets_the_psycopg_driver():
    from graph.storage.store import database_url

    assert database_url("postgresql://u:p@db:5432/sg").drivername == "postgresql+psycopg"
    assert database_url("postgres://u@db/sg").drivername == "postgresql+psycopg"
    assert database_url("postgresql+psycopg://u@db/sg").drivername == "postgresql+psycopg"
    assert database_url("sqlite:///x.db").drivername == "sqlite"
    engine = make_engine("postgresql://u@db/sg")
    assert engine.dialect.driver == "psycopg" and engine.pool._pre_ping
    engine.dispose()


def test_cli_upgrade_on_a_plain_postgresql_url(pg_server):
    from tests.graph.pgserver import drop_database, fresh_database

    url = fresh_database(pg_server)
    try:
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        up = runner.invoke(cli, ["db", "upgrade", "--database-url", plain])
        assert up.exit_code == 0 and up.output.strip() == f"schema: empty -> {schema.head()}", up.output
        cur = runner.invoke(cli, ["db", "current", "--database-url", plain])
        assert cur.exit_code == 0, cur.output
    finally:
        drop_database(url)
