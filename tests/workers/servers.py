"""Real API processes for the many-worker tests: uvicorn on 127.0.0.1, free ports, always stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.http import free_port  # noqa: F401 - re-exported: the servers here and their tests pick ports with it

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TOKEN = "test-token-for-the-workers"


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Server:
    """One API process (or a ``--workers N`` parent), in its own process group."""

    name: str
    url: str
    proc: subprocess.Popen
    log: Path

    def request(self, method: str, path: str, body: dict | None = None, *, token: str | None = None,
                timeout: float = 30) -> Answer:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Answer(r.status, dict(r.headers), r.read())
        except urllib.error.HTTPError as e:
            return Answer(e.code, dict(e.headers), e.read())

    def get(self, path: str, **kw) -> Answer:
        return self.request("GET", path, **kw)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if self.get("/readyz", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.name} was not ready within {timeout} s:\n{self.output()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the group: a --workers parent and its workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)


def environment(database_url: str, seeds: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYGRAPH_") and k != "DATABASE_URL"}
    env.update(STORYGRAPH_DATABASE_URL=database_url, STORYGRAPH_SEEDS_DIR=str(seeds), STORYGRAPH_API_TOKENS=TOKEN,
               PYTHONUNBUFFERED="1")
    env.update({f"STORYGRAPH_{k.upper()}": v for k, v in settings.items()})
    return env


def launch(name: str, command: list[str], env: dict[str, str], log: Path) -> Server:
    """Start ``command`` (it must serve on the port named in it) in a new process group."""
    port = command[command.index("--port") + 1]
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    return Server(name, f"http://127.0.0.1:{port}", proc, log)


@contextmanager
def running(name: str, command: list[str], env: dict[str, str], log: Path) -> Iterator[Server]:
    """:func:`launch`, ready to answer, and stopped when the block ends, however it ends."""
    server = launch(name, command, env, log)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def uvicorn_command(port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning", *extra]


def serve_command(port: int, *extra: str) -> list[str]:
    return [str(BIN / "storygraph"), "serve", "--host", "127.0.0.1", "--port", str(port), *extra]
