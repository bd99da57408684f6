"""A SQLite file storygraph cannot use is refused at start-up in one line naming it, with a non-zero exit.

The real commands run as subprocesses, as an operator would run them:
``storygraph serve``, ``storygraph ingest``, ``storygraph db upgrade`` and
``uvicorn app.main:app``. The file is left as it was (a foreign database is
not even switched to WAL).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workers.servers import BIN, ROOT, environment, free_port
from tests.workers.stories import folder


def random_bytes(path: Path) -> Path:
    path.write_bytes(os.urandom(8192))
    return path


def foreign(path: Path) -> Path:
    with sqlite3.connect(path) as conn:  # another application's database, perfectly valid
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER REFERENCES customers)")
        conn.execute("INSERT INTO customers (name) VALUES ('Ann')")
    conn.close()
    return path


def directory(path: Path) -> Path:
    path.mkdir()
    return path


def in_missing_folder(path: Path) -> Path:
    return path.parent / "no-such-folder" / path.name


def under_a_file(path: Path) -> Path:
    (path.parent / "a-file").write_text("not a folder")
    return path.parent / "a-file" / path.name


# how the file is made -> words the error must contain
CASES = {
    "random-bytes": (random_bytes, "is not a SQLite database"),
    "foreign-database": (foreign, "belongs to another application: its tables (customers, orders)"),
    "directory": (directory, "is a directory"),
    "missing-folder": (in_missing_folder, "cannot be created"),
    "path-under-a-file": (under_a_file, "cannot be created"),
}

COMMANDS = {
    "serve": lambda url, stories: [str(BIN / "storygraph"), "serve", "--port", str(free_port())],
    "ingest": lambda url, stories: [str(BIN / "storygraph"), "ingest", str(stories), "--database-url", url],
    "db-upgrade": lambda url, stories: [str(BIN / "storygraph"), "db", "upgrade", "--database-url", url],
    "uvicorn": lambda url, stories: [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
                                     "--port", str(free_port())],
}


def run(command: list[str], url: str, stories: Path) -> subprocess.CompletedProcess:
    env = environment(url, stories)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, check=False)  # the tests judge the exit code


def state(path: Path) -> object:
    return path.read_bytes() if path.is_file() else (path.is_dir(), path.exists())


# Every case through `storygraph serve`; the other commands (the same check underneath) on two of them,
# to keep the run short: each is a new Python process.
PAIRS = [(case, "serve") for case in CASES] + [
    (case, command) for command in COMMANDS if command != "serve" for case in ("random-bytes", "foreign-database")]


@pytest.mark.parametrize(("case", "command"), PAIRS)
def test_an_unusable_sqlite_file_is_refused_in_one_line(case, command, tmp_path):
    make, reason = CASES[case]
    path = make(tmp_path / "storygraph.db")
    folder(tmp_path / "stories", "Alder")
    before = state(path)
    done = run(COMMANDS[command](f"sqlite:///{path}", tmp_path / "stories"), f"sqlite:///{path}",
               tmp_path / "stories")
    assert done.returncode != 0, done
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    ours = [line for line in lines if str(path) in line]
    assert len(ours) == 1, done.stderr  # one line names the file and says what is wrong
    assert ours[0] == f"storygraph: The database {path} {ours[0].split(str(path) + ' ', 1)[1]}"
    assert reason in ours[0], ours[0]
    if command == "uvicorn":  # uvicorn adds its own closing words after ours; nothing else
        assert lines[-1].endswith("Application startup failed. Exiting."), done.stderr
        assert lines.index(ours[0]) == len(lines) - 2
    else:
        assert lines[-1] == ours[0], done.stderr
    assert state(path) == before  # left exactly as it was
    assert not Path(f"{path}-wal").exists()


def test_an_empty_file_is_a_new_database(tmp_path):
    path = tmp_path / "storygraph.db"
    path.touch()
    done = run([str(BIN / "storygraph"), "db", "upgrade", "--database-url", f"sqlite:///{path}"],
               f"sqlite:///{path}", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("schema: empty -> ")
