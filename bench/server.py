"""Start and stop a real uvicorn on 127.0.0.1: the product, or the bare ceiling of :mod:`bench.bare`.

Both are started by one function with the same uvicorn command line (``--loop auto --http auto``:
uvloop and httptools, from uvicorn's standard extras in the locks), so they differ only in the app.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from .http import free_port

REPO = Path(__file__).resolve().parents[1]
# The same for the product and the bare app. "auto" picks uvloop and httptools when installed (they are locked).
UVICORN_FLAGS = ["--host", "127.0.0.1", "--loop", "auto", "--http", "auto", "--log-level", "warning",
                 "--no-access-log"]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    ready_seconds: float  # spawn -> /readyz 200

    def rss_mb(self) -> float:
        """Resident memory of the server process now (VmRSS), in MiB."""
        return self._status_mb("VmRSS")

    def peak_rss_mb(self) -> float:
        """The most resident memory the server process has had (VmHWM), in MiB."""
        return self._status_mb("VmHWM")

    def _status_mb(self, field: str) -> float:
        """A kB field of ``/proc/PID/status`` in MiB; NaN where there is none (the process gone, not Linux)."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")


def _get(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # 127.0.0.1 only
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


@contextmanager
def serve(database_url: str | None, *, env: dict[str, str] | None = None, cpu: int | None = 0,
          ready_timeout: float = 600.0, log: Path | None = None, target: str = "product") -> Iterator[Server]:
    """uvicorn on a free port of 127.0.0.1 over ``database_url`` (no seeding); stopped on exit.

    ``target``: ``product`` (``app.main:create_app``, settings from ``STORYGRAPH_*``) or ``bare``
    (:mod:`bench.bare`, no database). ``cpu`` pins the server to one core (``taskset``), leaving the
    other to the client.
    """
    port = free_port()
    e = dict(os.environ)
    e.update({"STORYGRAPH_SEED_ON_EMPTY": "false", "PYTHONPATH": str(REPO) + os.pathsep + e.get("PYTHONPATH", "")})
    if database_url is not None:
        e["STORYGRAPH_DATABASE_URL"] = database_url
    e.update(env or {})
    app = {"product": ["--factory", "app.main:create_app"], "bare": ["bench.bare:app"]}[target]
    cmd = [sys.executable, "-m", "uvicorn", *app, *UVICORN_FLAGS, "--port", str(port)]
    if cpu is not None and shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        cmd = ["taskset", "-c", str(cpu), *cmd]
    t0 = time.perf_counter()
    with open(log, "ab") if log else nullcontext(subprocess.DEVNULL) as out:  # the child keeps its own copy
        proc = subprocess.Popen(cmd, cwd=REPO, env=e, stdout=out,
                                stderr=subprocess.STDOUT if log else subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode} before it was ready"
                                   + (f"; see {log}" if log else ""))
            if _get(url + "/readyz") == 200:
                break
            if time.perf_counter() - t0 > ready_timeout:
                raise RuntimeError(f"the server was not ready after {ready_timeout:.0f} s")
            time.sleep(0.05)
        yield Server(url, proc, time.perf_counter() - t0)
    finally:
        stop(proc)
        if log:
            out.close()  # type: ignore[union-attr]


def stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM (uvicorn shuts down gracefully), SIGKILL after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
