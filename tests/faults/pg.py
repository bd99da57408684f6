"""A PostgreSQL server of a test's own, to stop and start again on the same port under a running app."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from bench.http import free_port
from tests.graph.pgserver import _binary, unavailable


class PgServer:
    def __init__(self, root: str, run_as: list[str], pg_ctl: str, port: int) -> None:
        self.root, self.run_as, self.pg_ctl, self.port = root, run_as, pg_ctl, port
        self.data = os.path.join(root, "data")
        self.url = f"postgresql+psycopg://storygraph@127.0.0.1:{port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self.run_as, self.pg_ctl, "-D", self.data, *args], check=True, capture_output=True,
                       timeout=60)

    def start(self) -> None:
        self._ctl("-l", os.path.join(self.root, "log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "-t", "60", "stop")


@contextmanager
def own_postgres() -> Iterator[PgServer]:
    """A new server (skipped as the suite's other PostgreSQL tests are, when the binaries are missing)."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not (initdb and pg_ctl):
        unavailable("initdb/pg_ctl are neither on PATH nor in /usr/lib/postgresql/*/bin")
    run_as: list[str] = []
    root = tempfile.mkdtemp(prefix="storygraph-pg-fault-")
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        run_as = [shutil.which("runuser") or "runuser", "-u", "postgres", "--"]
    server = PgServer(root, run_as, pg_ctl, free_port())
    try:
        subprocess.run([*run_as, initdb, "-D", server.data, "-U", "storygraph", "--auth=trust", "-E", "UTF8",
                        "--locale=C", "--no-instructions"], check=True, capture_output=True, timeout=120)
        server.start()
        yield server
    finally:
        with suppress(subprocess.CalledProcessError):  # already stopped
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
