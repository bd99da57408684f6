"""Migrations 0002 (the ``merge`` table) and 0003 (an index) upgrade a 0001 database that holds data."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session

from graph.errors import SchemaBehind
from graph.indexing.build import graph_from_db
from graph.storage import schema
from graph.storage.merge import merge_entities, undo_merge
from graph.storage.store import make_engine, write_session, write_story
from graph.storage.tables import GraphChangeRow
from graph.stories.files import read_story
from graph.testing import SEEDS

SEED = SEEDS / "fentanyl-talks-2024-01-31"
DATA = ("article", "entity", "alias", "relation", "evidence", "search_doc", "graph_state")


def _rows(engine) -> dict:
    with engine.connect() as c:
        return {t: sorted(map(tuple, c.execute(text(f"SELECT * FROM {t}")).all()), key=repr) for t in DATA}


def test_0002_upgrades_a_0001_database_with_data(database_url):
    engine = make_engine(database_url("migrate"))
    schema.upgrade(engine, "0001")
    change_log = GraphChangeRow.__table__
    change_log.create(engine)  # today's writer logs its changes: give it the table, then take it away again
    with write_session(engine) as s:  # the seed, written as a 0001 release would store it
        write_story(s, read_story(SEED))
    change_log.drop(engine)
    before = _rows(engine)
    assert before["evidence"] and "merge" not in inspect(engine).get_table_names()
    with pytest.raises(SchemaBehind, match="storygraph db upgrade"):
        schema.ensure_current(engine)

    schema.upgrade(engine)
    assert schema.current(engine) == schema.head() == "0005"
    assert "ix_alias_article_id" in {i["name"] for i in inspect(engine).get_indexes("alias")}
    assert "merge" in inspect(engine).get_table_names()
    assert _rows(engine) == before  # nothing lost or changed
    schema.ensure_current(engine)
    with Session(engine) as s:  # and the new table works on the old data: a merge, and its undo
        g0, _ = graph_from_db(s)
    with write_session(engine) as s:
        merge_id = merge_entities(s, "ng-han-guan", "andrew-cawthorne", "migration-test").id
    with write_session(engine) as s:
        undo_merge(s, merge_id, "migration-test")
    with Session(engine) as s:
        g1, _ = graph_from_db(s)
    assert sorted(g1.nodes(data=True)) == sorted(g0.nodes(data=True))
    engine.dispose()


def test_0002_downgrades_to_0001(database_url):
    from alembic import command

    engine = make_engine(database_url("downgrade"))
    schema.upgrade(engine)
    cfg = schema._config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert schema.current(engine) == "0001"
    assert "merge" not in inspect(engine).get_table_names()
    assert "article" in inspect(engine).get_table_names()
    engine.dispose()


def test_0005_adds_one_random_key_and_keeps_the_labels_recorded_before(database_url):
    """A 0004 database with a merge by an unnamed token: its old label stays; the new key is 32 random bytes."""
    from graph.storage.store import deployment_key

    keys = []
    for name in ("key-a", "key-b"):
        engine = make_engine(database_url(name))
        schema.upgrade(engine, "0004")
        with write_session(engine) as s:
            write_story(s, read_story(SEED))
        with write_session(engine) as s:
            merge_entities(s, "ng-han-guan", "andrew-cawthorne", "token-f52fbd32")
        before = _rows(engine)
        with engine.connect() as c:
            actors = c.execute(text("SELECT actor FROM merge")).scalars().all()
        schema.upgrade(engine)
        assert schema.current(engine) == "0005"
        assert _rows(engine) == before
        with engine.connect() as c:
            assert c.execute(text("SELECT actor FROM merge")).scalars().all() == actors == ["token-f52fbd32"]
        keys.append(deployment_key(engine))
        assert deployment_key(engine) == keys[-1]  # made once, read the same every time
        engine.dispose()
    assert len(keys[0]) == 32 and keys[0] != keys[1] and keys[0] != bytes(32)
