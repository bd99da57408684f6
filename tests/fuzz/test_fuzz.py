"""Contract fuzzing in-process: Schemathesis over the real app (lifespan, SQLite seeded from seeds/).

Every operation of ``/openapi.json`` gets generated requests, valid and invalid, each checked by every
Schemathesis check (no server error, only documented statuses, bodies and headers matching the schema,
invalid data rejected, valid data accepted, ``Allow`` on 405 ...), with the exceptions of
``schemathesis.toml`` (statuses that depend on more than the schema can say). Then the stateful test drives
sequences of calls along the schema's links (POST an article -> GET/DELETE it; merge -> its record -> undo).

Bounded and reproducible: a fixed number of examples per operation, a derandomized (seeded) Hypothesis,
no example database. ``.ci/run`` also fuzzes a live server with the CLI, for a time budget.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.config import SchemathesisConfig

import tests.fuzz.hooks  # noqa: F401  (the application/sparql-query serializer)
from app.main import create_app
from app.settings import REPO_SEEDS, Settings

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "fuzz-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

SETTINGS = hypothesis.settings(
    max_examples=25, deadline=None, derandomize=True, database=None, print_blob=True,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)
STATEFUL = hypothesis.settings(SETTINGS, max_examples=40, stateful_step_count=8)


# Built at import: Schemathesis' lazy ``from_fixture`` does not run on pytest 9 (it sets ``node._nodeid``).
# Loading the schema starts the app's lifespan (schema, seed) on a throwaway SQLite file; the plugin shuts
# it down after the tests that use it.
_DB_DIR = Path(tempfile.mkdtemp(prefix="storygraph-fuzz-"))
atexit.register(shutil.rmtree, _DB_DIR, ignore_errors=True)
APP = create_app(Settings(database_url=f"sqlite:///{_DB_DIR / 'fuzz.db'}", seeds_dir=REPO_SEEDS,
                          api_tokens=f"fuzz:{TOKEN}"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP,
                                        config=SchemathesisConfig.from_path(ROOT / "schemathesis.toml"))


@schema.parametrize()
@SETTINGS
def test_every_operation_keeps_its_contract(case):
    case.call_and_validate(headers=AUTH)


def test_call_sequences_keep_the_contract():
    # Every sequence starts from the same database: Hypothesis replays and extends sequences it drew before,
    # and one that reads what an earlier one wrote or deleted (the seed article, a merge) draws differently
    # the second time, which fails the test as a flaky strategy.
    path = _DB_DIR / "fuzz.db"
    start = sqlite3.connect(":memory:")
    with closing(sqlite3.connect(path)) as db:
        db.backup(start)
    base = schema.as_state_machine()

    class Writer(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case):
            return {"headers": AUTH}

        def teardown(self):
            with closing(sqlite3.connect(path)) as db:
                start.backup(db)
            runtime = APP.state.runtime
            runtime.serve(runtime.reloader.load())  # the stored revision went back: rebuild, not catch up

    Writer.run(settings=STATEFUL)
