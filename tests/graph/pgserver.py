"""A throw-away PostgreSQL server for tests: started on 127.0.0.1 in a temporary directory.

When the server binaries (``initdb``/``pg_ctl`` on PATH or in Debian's
``/usr/lib/postgresql/<version>/bin``), the driver (psycopg) or, as root, the
``postgres`` user to run it as are missing, the PostgreSQL tests are skipped
locally and FAIL when the environment variable ``CI`` is set: CI must prove
both backends.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bench.http import free_port

_names = itertools.count()


def unavailable(reason: str):
    """Skip the PostgreSQL half here; fail it on CI."""
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required on CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return candidates[-1] if candidates else None


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the SQLAlchemy URL of a fresh server's ``postgres`` database; stop and remove it after."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed")
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not (initdb and pg_ctl):
        unavailable("initdb/pg_ctl are neither on PATH nor in /usr/lib/postgresql/*/bin")
    run_as: list[str] = []
    owner = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root and there is no 'postgres' user to run the server as")
        runuser = shutil.which("runuser")
        if runuser is None:
            unavailable("running as root without runuser")
        run_as = [runuser, "-u", "postgres", "--"]
    root = tempfile.mkdtemp(prefix="storygraph-pg-")
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data, port = os.path.join(root, "data"), free_port()
    try:
        subprocess.run([*run_as, initdb, "-D", data, "-U", "storygraph", "--auth=trust", "-E", "UTF8",
                        "--locale=C", "--no-instructions"], check=True, capture_output=True, timeout=120)
        # fsync off and no full-page writes: a test server, thrown away after the run.
        subprocess.run([*run_as, pg_ctl, "-D", data, "-l", os.path.join(root, "log"), "-w", "-t", "60", "-o",
                        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
                        "start"], check=True, capture_output=True, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        log = ""
        try:
            with open(os.path.join(root, "log"), encoding="utf-8", errors="replace") as f:
                log = f.read()[-500:]
        except OSError:
            pass
        shutil.rmtree(root, ignore_errors=True)
        stderr = (exc.stderr or b"").decode(errors="replace")[-300:]
        unavailable(f"could not start PostgreSQL: {stderr} {log}")
    try:
        yield f"postgresql+psycopg://storygraph@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True,
                       timeout=60, check=False)  # best effort: the folder goes next either way
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """Create an empty database on the server; return its URL."""
    import psycopg

    name = f"sg_{os.getpid()}_{next(_names)}"
    with psycopg.connect(_dsn(server_url), autocommit=True) as conn:
        # FILE_COPY (PostgreSQL 15+) copies the small template's files: ten times faster than WAL_LOG here.
        strategy = " STRATEGY = FILE_COPY" if conn.info.server_version >= 150000 else ""
        conn.execute(f'CREATE DATABASE "{name}"{strategy}')
    return server_url.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    """Drop a database made by :func:`fresh_database`, closing whatever still holds a connection to it."""
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(_dsn(server + "/postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
