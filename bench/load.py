"""A bounded load run: a realistic read mix at 64 connections for 60 s, with writes during it.

    python -m bench.load                                   # its own store and uvicorn on 127.0.0.1
    python -m bench.load --connections 8 --duration 5      # a short run (CI)
    python -m bench.load --url http://127.0.0.1:8000 --token SECRET   # a server already running (loopback only)

Without ``--url`` it stores ``--articles`` generated articles (:mod:`bench.generate`) in a
fresh SQLite database (or ``--database-url``), and starts a uvicorn serving
:func:`app.main.create_app` (:func:`bench.server.serve`) with a write token in ``STORYGRAPH_API_TOKENS``; the server is
stopped at the end.

Readers (``--connections`` of them, httpx2) each send one request after another,
drawn from the mix (name search, entity, relations, neighbourhood, paths,
claims, events, graph export) for ``--duration`` seconds. One writer adds a
new article every ``--write-interval`` seconds: ``POST /v1/articles`` with
the Bearer token when the server has that endpoint, else ``storygraph ingest``
in a subprocess on the same database. At the end every article written must be
served (``GET /v1/articles/{id}``) within ``--settle`` seconds.

The run is bounded by count as well as time, and its verdict never depends on
speed: it goes on past ``--duration`` (readers too) until at least
``--min-writes`` writes were answered, so a slow machine sends as many writes
as a fast one; ``--max-seconds`` is only a guard against a hang (reaching it
before ``--min-writes`` is a failure, and says so).

Prints requests/s, p50/p99 per endpoint and the errors; exits 1 on any error
(a status other than 2xx, a transport error) or lost write. A 503 with
``Retry-After`` (the server at its bound for a kind of work, ``app/gates.py``)
is asked again after that many seconds, as a client should, up to
:data:`BUSY_RETRIES` times; the table counts those retries, and only a
request still refused after them is an error. For a server it
started, it also samples the server's RSS and open file descriptors every
``--sample-every`` seconds and prints them after the first minute and at the
end: the soak (30 minutes, one write a second, on the 1,000-article store) is

    python -m bench.stores 1000
    python -m bench.load --database-url sqlite:////tmp/bench/soak.db --stored --duration 1800  # a copy of the store
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2 as httpx

from .generate import DEFAULT_SEED, GenStory, generate, write_story_dir
from .http import loopback_only
from .server import REPO, serve

MIX = {  # weight of each kind of request
    "search": 20, "entity": 20, "relations": 15, "neighbourhood": 10, "paths": 5, "claims": 10, "events": 10,
    "export": 2,
}
EXPORT_FULL_MAX_EDGES = 20_000  # above this the export request is a neighbourhood in Cytoscape format


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    busy: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # 503s with Retry-After, asked again

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        if error:
            self.errors[kind].append(error)
        else:
            self.latencies[kind].append(seconds)


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return 1000 * s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


# --- the read mix --------------------------------------------------------------------------------------------------


@dataclass
class Targets:
    entities: list[tuple[str, str]]  # (id, name)
    claims_about: list[str]
    edges: int


async def discover(client: httpx.AsyncClient) -> Targets:
    """Entities to ask about, from the API itself (so ``--url`` needs nothing else)."""
    entities: list[tuple[str, str]] = []
    for offset in range(0, 2000, 500):
        r = await client.get("/v1/entities", params={"limit": 500, "offset": offset})
        r.raise_for_status()
        page = r.json()
        entities += [(e["id"], e["name"]) for e in page["items"] if e["type"] not in ("claim",)]
        if offset + 500 >= page["total"]:
            break
    r = await client.get("/v1/claims", params={"limit": 100})
    r.raise_for_status()
    about = [a["id"] for c in r.json()["items"] for a in c["about"]]
    r = await client.get("/v1/predicates", params={"limit": 500})
    r.raise_for_status()
    edges = sum(p["count"] for p in r.json()["items"])
    return Targets(entities, about, edges)


def request_for(kind: str, t: Targets, rng: random.Random) -> tuple[str, dict[str, Any]]:
    eid, name = rng.choice(t.entities)
    q = quote(eid, safe="")
    if kind == "search":
        return "/v1/entities", {"q": name if rng.random() < 0.5 else name[: max(3, len(name) // 2)], "limit": 10}
    if kind == "entity":
        return f"/v1/entities/{q}", {}
    if kind == "relations":
        return f"/v1/entities/{q}/relations", {"limit": 50}
    if kind == "neighbourhood":
        return f"/v1/entities/{q}/neighborhood", {"depth": 1}
    if kind == "paths":
        other = rng.choice(t.entities)[0]
        return "/v1/paths", {"source": eid, "target": other if other != eid else t.entities[0][0],
                             "max_length": 3, "limit": 3}
    if kind == "claims":
        if t.claims_about and rng.random() < 0.5:
            return "/v1/claims", {"about": rng.choice(t.claims_about), "limit": 20}
        return "/v1/claims", {"status": rng.choice(["disputed", "asserted", "denied"]), "limit": 20}
    if kind == "events":
        y, m = rng.randint(2017, 2024), rng.randint(1, 11)
        return "/v1/events", {"from": f"{y}-{m:02d}", "to": f"{y}-{m + 1:02d}", "limit": 20}
    if kind == "export":
        if t.edges <= EXPORT_FULL_MAX_EDGES:
            return "/v1/graph", {"format": "node-link"}
        return f"/v1/entities/{q}/neighborhood", {"depth": 1, "format": "cytoscape"}
    raise ValueError(kind)


async def reader(client: httpx.AsyncClient, t: Targets, stats: Stats, deadline: float, seed: int,
                 writer: Writer | None = None) -> None:
    """Reads from the mix until ``deadline`` and until ``writer`` is done (or its hard cap)."""
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    while time.perf_counter() < deadline or (writer is not None and not writer.finished()):
        kind = rng.choices(kinds, weights)[0]
        path, params = request_for(kind, t, rng)
        t0 = time.perf_counter()
        try:
            for attempt in range(BUSY_RETRIES + 1):
                r = await client.get(path, params=params)
                await r.aread()
                wait = retry_after(r)
                if wait is None or attempt == BUSY_RETRIES:
                    break
                stats.busy[kind] += 1  # the server is at its bound for this kind: a client waits, then asks again
                await asyncio.sleep(wait)
            error = None if 200 <= r.status_code < 300 else f"{r.status_code} {path}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__} {path}"
        stats.add(kind, time.perf_counter() - t0, error)


BUSY_RETRIES = 3  # a 503 with Retry-After is asked again this many times before it counts as an error


def retry_after(r: httpx.Response) -> float | None:
    """Seconds to wait before asking again, for a 503 that says when (``Retry-After`` in seconds), else None."""
    if r.status_code != 503:
        return None
    try:
        return min(float(r.headers["retry-after"]), 30.0)
    except (KeyError, ValueError):
        return None


# --- the writer ----------------------------------------------------------------------------------------------------


def has_write_api(schema: dict) -> bool:
    return "post" in schema.get("paths", {}).get("/v1/articles", {})


def api_body(schema: dict, story: GenStory) -> dict[str, Any]:
    """The POST /v1/articles body, named after the request schema's properties."""
    op = schema["paths"]["/v1/articles"]["post"]
    content = op.get("requestBody", {}).get("content", {})
    body_schema = next(iter(content.values()), {}).get("schema", {})
    if "$ref" in body_schema:
        body_schema = schema["components"]["schemas"][body_schema["$ref"].rsplit("/", 1)[1]]
    props = set(body_schema.get("properties", {}))
    # {"article": {id, title, ..., text}, "sheet": {...}} (app/routers/articles.py)
    if {"article", "sheet"} <= props:
        return {"article": story.meta | {"text": story.text}, "sheet": story.sheet}
    pick = lambda *names: next((n for n in names if n in props), names[0])  # noqa: E731
    return {pick("meta", "metadata"): story.meta, pick("text", "article", "article_text"): story.text,
            pick("facts", "sheet", "fact_sheet"): story.sheet}


class Writer:
    """Adds one new article every ``interval`` seconds; remembers what it sent."""

    def __init__(self, stories: list[GenStory], *, interval: float, token: str | None, schema: dict,
                 database_url: str | None, workdir: Path, timeout: float = 300.0) -> None:
        self.stories, self.interval, self.token, self.schema = stories, interval, token, schema
        self.timeout = timeout
        self.database_url, self.workdir = database_url, workdir
        self.mode = "api" if has_write_api(schema) and token else "cli"
        self.sent: list[str] = []
        self.failed: list[str] = []
        self.latencies: list[float] = []
        self.min_writes = 0
        self.hard_deadline = float("inf")
        self.done = False

    def finished(self) -> bool:
        return self.done or time.perf_counter() > self.hard_deadline

    async def run(self, client: httpx.AsyncClient, deadline: float) -> None:
        try:
            await self._run(client, deadline)
        finally:
            self.done = True

    async def _run(self, client: httpx.AsyncClient, deadline: float) -> None:
        for story in self.stories:
            now = time.perf_counter()
            if now + self.interval > deadline and len(self.sent) >= self.min_writes:
                break
            if now + self.interval > self.hard_deadline:
                break
            await asyncio.sleep(self.interval)
            t0 = time.perf_counter()
            ok, why = await (self._post(client, story) if self.mode == "api" else self._cli(story))
            self.latencies.append(time.perf_counter() - t0)
            self.sent.append(story.id)
            if not ok:
                self.failed.append(f"{story.id}: {why}")

    async def _post(self, client: httpx.AsyncClient, story: GenStory) -> tuple[bool, str]:
        try:
            r = await client.post("/v1/articles", json=api_body(self.schema, story),
                                  headers={"Authorization": f"Bearer {self.token}"}, timeout=self.timeout)
        except httpx.HTTPError as exc:
            return False, type(exc).__name__
        return r.status_code in (200, 201), f"{r.status_code} {r.text[:300]}"

    async def _cli(self, story: GenStory) -> tuple[bool, str]:
        folder = Path(tempfile.mkdtemp(prefix="write-", dir=self.workdir))
        try:
            write_story_dir(folder, story)
            exe = Path(sys.executable).with_name("storygraph")
            cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from app.cli import main; main()"]
            proc = await asyncio.create_subprocess_exec(
                *cmd, "ingest", str(folder / story.id), "--database-url", self.database_url or "",
                cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, err = await asyncio.wait_for(proc.communicate(), 300)
            return proc.returncode == 0, (err or out).decode()[-300:]
        finally:
            shutil.rmtree(folder, ignore_errors=True)


async def verify_stored(client: httpx.AsyncClient, ids: list[str], settle: float) -> list[str]:
    """The ids not served (GET /v1/articles/{id}) after ``settle`` seconds: lost writes."""
    missing = list(ids)
    end = time.perf_counter() + settle
    while missing and time.perf_counter() < end:
        still = []
        for i in missing:
            r = await client.get(f"/v1/articles/{quote(i, safe='')}")
            if r.status_code != 200:
                still.append(i)
        missing = still
        if missing:
            await asyncio.sleep(0.5)
    return missing


# --- the run -------------------------------------------------------------------------------------------------------


@dataclass
class Footprint:
    """The server's resident memory and open file descriptors, sampled through the run (a soak's leak check)."""

    pid: int | None
    samples: list[tuple[float, float, int]] = field(default_factory=list)  # (seconds, RSS MiB, fds)

    def sample(self, t: float) -> None:
        if self.pid is None:
            return
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
            rss = next(int(ln.split()[1]) / 1024 for ln in status.splitlines() if ln.startswith("VmRSS:"))
            fds = len(os.listdir(f"/proc/{self.pid}/fd"))
        except (OSError, StopIteration):
            return
        self.samples.append((t, rss, fds))

    async def watch(self, start: float, stop: Callable[[], bool], every: float = 10.0) -> None:
        while not stop():
            self.sample(time.perf_counter() - start)
            await asyncio.sleep(every)
        self.sample(time.perf_counter() - start)

    def report(self) -> None:
        if len(self.samples) < 2:
            return
        # The first minute warms caches (and a short run has no "after the warm-up"): start from the sample
        # nearest 60 s in, or the first.
        first = next((s for s in self.samples if s[0] >= 60), self.samples[0])
        last = self.samples[-1]
        if first is last:
            first = self.samples[0]
        peak = max(s[1] for s in self.samples)
        print(f"server footprint: RSS {first[1]:.0f} MiB at {first[0]:.0f} s -> {last[1]:.0f} MiB at {last[0]:.0f} s "
              f"({last[1] - first[1]:+.0f} MiB; peak {peak:.0f}); open fds {first[2]} -> {last[2]} "
              f"({last[2] - first[2]:+d}); {len(self.samples)} samples")


async def drive(url: str, args: argparse.Namespace, writes: list[GenStory], database_url: str | None,
                workdir: Path, pid: int | None = None) -> int:
    limits = httpx.Limits(max_connections=args.connections + 2, max_keepalive_connections=args.connections + 2)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=args.timeout) as client:
        schema = (await client.get("/openapi.json")).json()
        targets = await discover(client)
        writer = Writer(writes, interval=args.write_interval, token=args.token, schema=schema,
                        database_url=database_url, workdir=workdir, timeout=args.write_timeout)
        if writer.mode == "cli" and not database_url:
            print("load: the server has no write API and --database-url is not given: no writes", file=sys.stderr)
            writer.stories = []
        writer.min_writes = min(args.min_writes, len(writer.stories))
        stats = Stats()
        start = time.perf_counter()
        deadline = start + args.duration
        writer.hard_deadline = start + max(args.max_seconds, args.duration)
        footprint = Footprint(pid)
        done = asyncio.Event()

        async def readers_then_stop() -> None:
            await asyncio.gather(*(reader(client, targets, stats, deadline, args.seed + i, writer)
                                   for i in range(args.connections)))
            done.set()

        await asyncio.gather(writer.run(client, deadline), readers_then_stop(),
                             footprint.watch(start, done.is_set, every=args.sample_every))
        elapsed = time.perf_counter() - start
        refused = {f.split(":", 1)[0] for f in writer.failed}
        lost = await verify_stored(client, [i for i in writer.sent if i not in refused], args.settle)
        # A write the client gave up on (a timeout) may still land: say which did.
        timed_out = [f.split(":", 1)[0] for f in writer.failed if "Timeout" in f]
        late = [i for i in timed_out if i not in await verify_stored(client, timed_out, args.settle)]
        if late:
            print(f"load: {len(late)} write(s) the client timed out on were stored afterwards: {late[:5]}")
    code = report(stats, elapsed, writer, lost, args)
    footprint.report()
    return code


def report(stats: Stats, elapsed: float, writer: Writer, lost: list[str], args: argparse.Namespace) -> int:
    total = sum(len(v) for v in stats.latencies.values())
    n_err = sum(len(v) for v in stats.errors.values())
    print(f"load: {args.connections} connections for {elapsed:.1f} s; writes via {writer.mode} every "
          f"{args.write_interval:g} s")
    print()
    print("| endpoint | requests | r/s | p50 ms | p99 ms | busy, retried | errors |")
    print("|---|---|---|---|---|---|---|")
    for kind in MIX:
        xs = stats.latencies.get(kind, [])
        print(f"| {kind} | {len(xs):,} | {len(xs) / elapsed:,.1f} | {pct(xs, 50):.1f} | {pct(xs, 99):.1f} | "
              f"{stats.busy.get(kind, 0)} | {len(stats.errors.get(kind, []))} |")
    all_xs = [x for v in stats.latencies.values() for x in v]
    print(f"| **all** | {total:,} | {total / elapsed:,.1f} | {pct(all_xs, 50):.1f} | {pct(all_xs, 99):.1f} | "
          f"{sum(stats.busy.values())} | {n_err} |")
    stored = len(writer.sent) - len(writer.failed) - len(lost)
    print()
    print(f"writes: {len(writer.sent)} sent, {stored} stored and served, {len(writer.failed)} refused, "
          f"{len(lost)} lost; write latency p50 {pct(writer.latencies, 50):.0f} ms, "
          f"p99 {pct(writer.latencies, 99):.0f} ms")
    for kind, errs in stats.errors.items():
        print(f"errors {kind}: {len(errs)}, e.g. {errs[:3]}")
    for f in writer.failed[:5]:
        print(f"write refused: {f}")
    for i in lost[:5]:
        print(f"write lost: {i}")
    short = len(writer.sent) < writer.min_writes
    if short:
        print(f"writes: only {len(writer.sent)} of --min-writes {writer.min_writes} answered before --max-seconds "
              f"{args.max_seconds:g} (a hang guard)")
    return 1 if n_err or writer.failed or lost or short else 0


def stored_articles(database_url: str) -> int:
    from sqlalchemy import text

    from graph.storage.store import make_engine

    engine = make_engine(database_url)
    with engine.connect() as c:
        n = c.execute(text("SELECT COUNT(*) FROM article WHERE id LIKE 'synthetic-%'")).scalar()
    engine.dispose()
    return int(n)


def build_store(database_url: str, n: int, seed: int) -> None:
    from graph.storage.store import create_schema, make_engine

    from .ingest import BulkWriter, bulk_load

    engine = make_engine(database_url)
    create_schema(engine)
    stories = generate(n, seed=seed)
    if n <= 2000:
        w = BulkWriter(engine)
        while batch := [s for _, s in zip(range(100), stories)]:
            w.write(batch)
    else:
        bulk_load(engine, stories)
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="A bounded load run against storygraph on 127.0.0.1.")
    p.add_argument("--url", help="a server already running (loopback only); default: start one")
    p.add_argument("--database-url", help="the store to serve (and to ingest into with the CLI); "
                                          "default: a fresh SQLite file")
    p.add_argument("--articles", type=int, default=200, help="articles in the fresh store")
    p.add_argument("--stored", action="store_true",
                   help="--database-url already holds the first N generated articles of --seed (e.g. a store kept "
                        "by bench.run --keep): serve it as it is")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--duration", type=float, default=60.0, help="seconds")
    p.add_argument("--write-interval", type=float, default=1.0, help="seconds between two writes")
    p.add_argument("--min-writes", type=int, default=1,
                   help="writes to send and confirm whatever the time it takes (the run goes on past --duration)")
    p.add_argument("--max-seconds", type=float, default=1800.0,
                   help="a guard against a hang: the run stops here even short of --min-writes (and fails)")
    p.add_argument("--settle", type=float, default=30.0, help="seconds for written articles to be served")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per read request")
    p.add_argument("--write-timeout", type=float, default=300.0, help="seconds per write request")
    p.add_argument("--token", help="the write token (with --url); a fresh one is made for a started server")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--workdir", type=Path, help="default: a temporary folder, removed at the end")
    p.add_argument("--sample-every", type=float, default=10.0,
                   help="seconds between two samples of the started server's RSS and open file descriptors")
    args = p.parse_args(argv)
    if args.url:
        loopback_only(args.url)
    if args.database_url and not args.database_url.startswith("sqlite"):
        from urllib.parse import urlsplit

        host = urlsplit(args.database_url).hostname or ""
        loopback_only(f"http://{host}:1")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="storygraph-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    n_writes = max(int(args.duration / args.write_interval) + 1, args.min_writes)
    try:
        if args.url:
            # New articles of our own (a prefix of this run), each defining what it mentions.
            writes = list(generate(n_writes, seed=args.seed + 1, sharing="define",
                                   prefix=f"load-{secrets.token_hex(3)}"))
            return asyncio.run(drive(args.url.rstrip("/"), args, writes, args.database_url, workdir))
        database_url = args.database_url or f"sqlite:///{workdir / 'load.db'}"
        if args.stored:
            args.articles = stored_articles(database_url)
            print(f"load: the store holds {args.articles} generated articles", file=sys.stderr)
        else:
            t0 = time.perf_counter()
            build_store(database_url, args.articles, args.seed)
            print(f"load: stored {args.articles} articles in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        # The articles that follow the stored ones (they may refer to what those defined).
        writes = list(generate(args.articles + n_writes, seed=args.seed))[args.articles:]
        args.token = args.token or secrets.token_urlsafe(24)
        with serve(database_url, env={"STORYGRAPH_API_TOKENS": f"bench:{args.token}"}, cpu=None,
                   log=workdir / "server.log") as srv:
            return asyncio.run(drive(srv.url, args, writes, database_url, workdir, pid=srv.proc.pid))
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
