"""A small, fast HTTP/1.1 keep-alive client for loopback benchmarks, on asyncio streams.

A general client (httpx) spends more CPU per request than the server under test
spends on a trivial endpoint, so it would measure itself. This one sends
``GET`` requests over N persistent connections, reads ``Content-Length`` or
chunked bodies, and records each request's latency and status. Loopback only:
:func:`loopback_only` refuses any other host.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit


def loopback_only(url: str) -> tuple[str, int]:
    """``(host, port)`` of ``url``; ValueError unless the host is a loopback address."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http":
        raise ValueError(f"{url}: only plain http to a loopback address is allowed")
    try:
        addr = ipaddress.ip_address(host if host != "localhost" else "127.0.0.1")
    except ValueError:
        raise ValueError(f"{url}: '{host}' is not a loopback IP address (use 127.0.0.1)") from None
    if not addr.is_loopback:
        raise ValueError(f"{url}: '{host}' is not a loopback address; benchmarks only run against 127.0.0.1")
    return str(addr), parts.port or 80


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now: the one place tests, benchmarks and CI pick a port for a server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Result:
    """Latencies (seconds) of completed requests, by status; errors by kind."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    bytes: int = 0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def pct(self, p: float) -> float:
        """The ``p``-th percentile latency in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        k = min(len(xs) - 1, max(0, round(p / 100 * len(xs) + 0.5) - 1))
        return xs[k] * 1000

    def bad(self, ok: Callable[[int], bool] = lambda s: 200 <= s < 400) -> int:
        return sum(n for s, n in self.statuses.items() if not ok(s)) + sum(self.errors.values())


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked = None, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    size = 0
    if chunked:
        while True:
            n = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if n == 0:
                await reader.readuntil(b"\r\n")
                break
            await reader.readexactly(n + 2)
            size += n
    elif length:
        await reader.readexactly(length)
        size = length
    return status, size


async def hammer(base_url: str, paths: Sequence[str], *, concurrency: int = 16, duration: float = 5.0,
                 max_requests: int = 100_000, timeout: float = 30.0, headers: dict[str, str] | None = None) -> Result:
    """GET ``paths`` (cycled) on ``concurrency`` keep-alive connections for ``duration`` seconds."""
    host, port = loopback_only(base_url)
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    requests = [f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode() for p in paths]
    res = Result()
    counter = iter(range(max_requests))
    start = time.perf_counter()
    deadline = start + duration

    async def worker(w: int) -> None:
        reader = writer = None
        i = w
        while time.perf_counter() < deadline:
            if next(counter, None) is None:
                break
            req = requests[i % len(requests)]
            i += concurrency
            t0 = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
                writer.write(req)
                status, size = await asyncio.wait_for(_read_response(reader), timeout)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                res.errors[type(exc).__name__] = res.errors.get(type(exc).__name__, 0) + 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            res.latencies.append(time.perf_counter() - t0)
            res.statuses[status] = res.statuses.get(status, 0) + 1
            res.bytes += size
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    res.elapsed = time.perf_counter() - start
    return res


def run(base_url: str, paths: Sequence[str], **kwargs) -> Result:
    return asyncio.run(hammer(base_url, paths, **kwargs))
