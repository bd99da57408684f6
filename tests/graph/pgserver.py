"""A throw-away PostgreSQL server for tests: started on 127.0.0.1 in a temporary directory.

Skips (never fails) when the server binaries, a driver (psycopg) or, as
root, the ``postgres`` user to run it as are missing.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

_names = itertools.count()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the SQLAlchemy URL of a fresh server's ``postgres`` database; stop and remove it after."""
    pytest.importorskip("psycopg", reason="psycopg is not installed: the PostgreSQL tests are optional")
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("initdb/pg_ctl are not on PATH")
    run_as: list[str] = []
    owner = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("running as root without runuser")
        run_as = [runuser, "-u", "postgres", "--"]
    root = tempfile.mkdtemp(prefix="storygraph-pg-")
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data, port = os.path.join(root, "data"), _free_port()
    try:
        subprocess.run([*run_as, initdb, "-D", data, "-U", "storygraph", "--auth=trust", "-E", "UTF8",
                        "--locale=C", "--no-instructions"], check=True, capture_output=True)
        subprocess.run([*run_as, pg_ctl, "-D", data, "-l", os.path.join(root, "log"), "-w", "-t", "30", "-o",
                        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                       check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"could not start PostgreSQL: {exc.stderr.decode(errors='replace')[-300:]}")
    try:
        yield f"postgresql+psycopg://storygraph@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """Create an empty database on the server; return its URL."""
    import psycopg

    name = f"sg_{os.getpid()}_{next(_names)}"
    dsn = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name
