"""Drive a loopback server with ``wrk``, the C load generator, pinned to its own core.

A Python client saturates one core before a fast server does, so it would measure
itself; wrk does not. Each run cycles through a list of paths (a Lua script written
per run), keeps ``connections`` keep-alive connections for ``duration`` seconds and
reports requests/s, p50/p99 and every error wrk counts (connect, read, write,
timeout, and non-2xx/3xx statuses), read from its ``done`` callback as JSON.

wrk is the Debian package ``wrk``: :func:`wrk_path` installs it with apt-get when
running as root and explains how otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .http import loopback_only

_LUA = r"""
local paths = {%(paths)s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


class WrkMissing(RuntimeError):
    pass


def wrk_path() -> str:
    """The ``wrk`` binary; installed from Debian's package when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        found = shutil.which("wrk")
        if found:
            return found
    raise WrkMissing("the bench drives servers with wrk (a C load generator): `sudo apt-get install wrk` "
                     "(Debian/Ubuntu) or build it from https://github.com/wg/wrk, then run again")


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # socket errors + timeouts + non-2xx/3xx answers
    error_kinds: dict[str, int]
    mb: float

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _lua_string(path: str) -> str:
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run(base_url: str, paths: list[str], *, connections: int = 16, duration: float = 5.0, cpu: int | None = 1,
        timeout: float = 10.0, threads: int = 1) -> WrkResult:
    """wrk against ``base_url`` cycling through ``paths`` (each a path with its query string)."""
    loopback_only(base_url)
    if not paths:
        raise ValueError("no paths to drive")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(_LUA % {"paths": ", ".join(_lua_string(p) for p in paths)})
        script = f.name
    cmd = [wrk_path(), "-t", str(threads), "-c", str(max(connections, threads)), "-d", f"{max(1, round(duration))}s",
           "--timeout", f"{max(1, round(timeout))}s", "-s", script, base_url]
    if cpu is not None and shutil.which("taskset") and (os.cpu_count() or 1) > cpu:
        cmd = ["taskset", "-c", str(cpu), *cmd]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + timeout + 30, check=False)
    finally:
        Path(script).unlink(missing_ok=True)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result (exit {out.returncode}): {out.stderr.strip() or out.stdout.strip()}")
    d = json.loads(line.removeprefix("WRKJSON "))
    kinds = {k: d[k] for k in ("connect", "read", "write", "timeout", "status") if d[k]}
    seconds = d["duration_us"] / 1e6
    return WrkResult(requests=d["requests"], seconds=seconds, rps=d["requests"] / seconds if seconds else 0.0,
                     p50_ms=d["p50_us"] / 1000, p90_ms=d["p90_us"] / 1000, p99_ms=d["p99_us"] / 1000,
                     max_ms=d["max_us"] / 1000, errors=sum(kinds.values()), error_kinds=kinds,
                     mb=d["bytes"] / 2**20)
