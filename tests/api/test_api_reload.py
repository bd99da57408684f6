"""Two app instances on one database: a write through one is served by the other without a restart."""

from __future__ import annotations

import time

from apitools import start

from graph.ingest import ingest_path
from tests.graph.conftest import SHEET, write_story


def test_another_process_write_is_served_after_the_check_interval(tmp_path, database_url):
    seeds = tmp_path / "seeds"
    write_story(seeds / "small-talks")
    with start(database_url(), seeds, reload_check_seconds=0.2) as reader:
        etag = reader.get("/v1/entities/critics").headers["etag"]
        sheet = {**SHEET, "entities": [e for e in SHEET["entities"] if e["id"] != "critics"],
                 "relations": [r for r in SHEET["relations"] if r["id"] != "critics-deny-useful"]}
        # another writer on the same database (here: this process's ingestion code, not the reader app)
        ingest_path(reader.app.state.runtime.engine, write_story(tmp_path / "v2" / "small-talks", sheet))
        # Served after a check interval (bench/ measures how soon); the bound here only ends a broken run.
        deadline = time.monotonic() + 30.0
        while reader.get("/v1/entities/critics").status_code == 200:
            assert time.monotonic() < deadline, "the write was never served"
            time.sleep(0.05)
        assert reader.get("/v1/entities/critics").status_code == 404
        assert reader.get("/v1/claims", headers={"If-None-Match": etag}).status_code == 200
