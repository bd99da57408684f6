"""The scale runner: one table, a column per scale point, and the goals of issue 9 judged MET or MISSED.

    python -m bench.run --scale 1000                  # the 1,000-article column: about 10 minutes
    python -m bench.run --scale seed --scale 1000 --scale 20000 --json out.json
    python -m bench.run --scale 1000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The first run at a size builds its SQLite store once under ``--stores`` (:mod:`bench.stores`: the
generator's first N articles, seed 7, verified; minutes at 20,000) and later runs copy it; on
PostgreSQL a database per scale is created, bulk-loaded and dropped. ``seed`` is the stories of
``seeds/``, stored with ``storygraph``'s own ``ingest_path``.

How each figure is measured (``/work/shared/notes/measuring-speed.md``):

* **Ceiling.** A bare FastAPI app (:mod:`bench.bare`, one route answering a small dict, no
  middleware) in its own process, served by the same uvicorn build with the same flags as the
  product (:data:`bench.server.UVICORN_FLAGS`: uvloop and httptools). Both servers are pinned to
  CPU 0; ``wrk`` (:mod:`bench.wrk`, the C load generator) runs on CPU 1 with ``--connections``
  (16) keep-alive connections for ``--duration`` (5 s) per endpoint. The bare app and every
  endpoint are interleaved, three rounds (``--repeats``), and the median is kept; every ratio is
  endpoint ÷ bare from the same run.
* **Reads.** ``/healthz``; one entity; its relations (``limit=20``); a triple pattern (subject and
  predicate); name search, exact and prefix; fuzzy search (a letter dropped); ``claims?status=
  disputed``; events in a one-month window; predicates; paths (≤ 4 hops, 10 paths, random pairs, one
  in ten a hub); a hub's neighbourhood at depth 1, 2 and 3. An endpoint whose first answer takes
  over ``--slow`` seconds is driven on one connection instead (``c1``).
* **Start and memory.** Cold start: spawn of the product's uvicorn to the first 200 on
  ``/readyz``. RSS: the server's VmRSS after the read mix.
* **Writes.** ``--writes`` new 50-relation articles (the generator's next ones), one a second,
  ``POST /v1/articles`` to the server: the 201's latency; a second worker (another uvicorn on the
  same database) polled until it serves each article: the delay after the 201; and a read mix's
  p99 under those writes ÷ the same mix's p99 just before, idle.
* **Bulk ingest.** ``storygraph ingest DIR --database-url …`` (the CLI, a process of its own) on
  ``--ingest-articles`` (1,000) new articles written as story folders: relations/s end to end.
  Bounded by ``--ingest-timeout``; a run that does not finish reports the rate it did not reach.
* **Exports.** ``GET /v1/graph?format=…`` for every format: time to the first body byte, and the
  server's RSS growth while it answers (VmRSS sampled every 20 ms), read for at most
  ``--export-read`` seconds (a longer one shows ``> N`` as its total: not finished when cut).
* **Kùzu.** The same graph in Kùzu: 1-hop neighbours and a ≤ 4-hop shortest path, timed
  in-process on both (storygraph ÷ Kùzu; below 1: storygraph faster).

Bounded: every phase has a duration, a count or a timeout, every server started is stopped, and
all traffic goes to 127.0.0.1. Figures are printed, never asserted: tests check behaviour only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from . import wrk
from .generate import DEFAULT_SEED, GenStory, generate, write_story_dir
from .server import REPO, UVICORN_FLAGS, Server, serve

SEEDS = REPO / "seeds"
READS = ["healthz", "entity", "relations", "pattern", "search exact", "search prefix", "fuzzy", "claims", "events",
         "predicates", "paths", "hub depth 1", "hub depth 2", "hub depth 3"]
RATIO_READS = ["entity", "relations", "pattern", "search exact", "search prefix", "claims", "events", "predicates"]
EXPORTS = ["node-link", "cytoscape", "graphml", "gexf", "csv", "turtle", "jsonld"]
KUZU_QUERIES = ["neighbours", "path"]
WRITE_MIX = ["entity", "relations", "search exact", "search prefix", "claims"]

GOALS = {"healthz_ratio": 0.85, "read_ratio": 0.5, "read_p99_ratio": 2.0, "fuzzy_p99_ms": 25.0,
         "paths_p99_ms": 50.0, "hub_p99_ms": 50.0, "cold_s": {"sqlite": 10.0, "postgresql": 15.0},
         "rss_mb": 1536.0, "write_p50_ms": 300.0, "visible_s": 1.0, "write_read_p99": 2.0,
         "ingest_rps": {"sqlite": 10_000.0, "postgresql": 5_000.0}, "export_ttfb_s": 1.0, "export_rss_mb": 200.0}


@dataclass
class Point:
    """Every measurement at one scale point."""

    scale: str
    backend: str = "sqlite"
    articles: int = 0
    entities: int = 0
    relations: int = 0
    db_mb: float = float("nan")
    store_note: str = ""
    cold_s: float = float("nan")
    rss_mb: float = float("nan")
    peak_rss_mb: float = float("nan")
    bare: dict[str, float] = field(default_factory=dict)
    reads: dict[str, dict[str, Any]] = field(default_factory=dict)
    writes: dict[str, Any] = field(default_factory=dict)
    ingest: dict[str, Any] = field(default_factory=dict)
    exports: dict[str, dict[str, Any]] = field(default_factory=dict)
    kuzu: dict[str, dict[str, float]] = field(default_factory=dict)
    goals: list[tuple[str, bool | None, str]] = field(default_factory=list)  # (goal, met, measured)
    notes: list[str] = field(default_factory=list)


# --- stores ------------------------------------------------------------------------------------------------------


class Store:
    """The database a scale point is served from: a copy of a built SQLite store, or a fresh PostgreSQL database."""

    def __init__(self, scale: str, args: argparse.Namespace) -> None:
        self.scale, self.args = scale, args
        base = args.database_url
        if base is None or base.startswith("sqlite"):
            self.backend = "sqlite"
            self.path = args.workdir / f"run-{scale}.db"
            self.url = f"sqlite:///{self.path}"
        else:
            self.backend = "postgresql"
            parts = urlsplit(base)
            wrk.loopback_only(f"http://{parts.hostname}:{parts.port or 5432}")
            self.name = f"storygraph_bench_{scale}"
            self.admin_url = base.replace("postgresql+psycopg://", "postgresql://", 1)
            self.url = urlunsplit(parts._replace(path="/" + self.name))

    def _admin(self):
        import psycopg

        return psycopg.connect(self.admin_url, autocommit=True)

    def prepare(self, point: Point) -> None:
        from graph.storage.store import create_schema, make_engine

        if self.backend == "sqlite":
            self._remove()
            if self.scale == "seed":
                self._ingest_seed()
            else:
                from .stores import build

                t0 = time.perf_counter()
                built = build(int(self.scale), self.args.stores, self.args.seed)
                shutil.copyfile(built, self.path)
                point.store_note = f"{built} (copied in {time.perf_counter() - t0:.0f} s)"
            engine = make_engine(self.url)
            create_schema(engine)  # a store built by older code is brought up to date here
            engine.dispose()
            return
        with self._admin() as c:
            c.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{self.name}"')
        if self.scale == "seed":
            self._ingest_seed()
        else:
            from .ingest import bulk_load

            engine = make_engine(self.url)
            create_schema(engine)
            t0 = time.perf_counter()
            bulk_load(engine, generate(int(self.scale), seed=self.args.seed))
            engine.dispose()
            point.store_note = f"bulk-loaded in {time.perf_counter() - t0:.0f} s"

    def _ingest_seed(self) -> None:
        from graph.ingest import ingest_path
        from graph.storage.store import create_schema, make_engine

        engine = make_engine(self.url)
        create_schema(engine)
        ingest_path(engine, SEEDS)
        engine.dispose()

    def counts(self) -> tuple[int, int, int]:
        from sqlalchemy import text

        from graph.storage.store import make_engine

        engine = make_engine(self.url)
        with engine.connect() as c:
            out = tuple(c.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
                        for t in ("article", "entity", "relation"))
        engine.dispose()
        return out  # type: ignore[return-value]

    def size_mb(self) -> float:
        if self.backend == "postgresql":
            with self._admin() as c:
                return c.execute("SELECT pg_database_size(%s)", (self.name,)).fetchone()[0] / 2**20
        return sum(Path(f"{self.path}{s}").stat().st_size for s in ("", "-wal")
                   if Path(f"{self.path}{s}").exists()) / 2**20

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def drop(self) -> None:
        if self.backend == "sqlite":
            self._remove()
        else:
            with self._admin() as c:
                c.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# --- what the requests ask about ---------------------------------------------------------------------------------


@dataclass
class Targets:
    """Entities, hubs and predicate pairs to ask about, read from the database with plain SQL."""

    nodes: list[str]  # every entity id, sorted
    names: dict[str, str]
    hubs: list[str]  # the 100 entities with the most relations
    out_predicates: dict[str, list[str]]  # a sample of subjects -> their predicates

    @classmethod
    def of_database(cls, url: str, rng: random.Random) -> Targets:
        from sqlalchemy import text

        from graph.storage.store import make_engine

        engine = make_engine(url)
        with engine.connect() as c:
            names = dict(c.execute(text("SELECT id, name FROM entity WHERE type <> 'claim'")).all())
            hubs = [r[0] for r in c.execute(text(
                "SELECT id, COUNT(*) AS n FROM (SELECT subject_id AS id FROM relation UNION ALL "
                "SELECT object_id FROM relation) AS ends GROUP BY id ORDER BY n DESC, id LIMIT 100")).all()]
            nodes = sorted(names)
            sample = rng.sample(nodes, min(300, len(nodes))) + hubs[:20]
            pairs: dict[str, list[str]] = {}
            for i in range(0, len(sample), 100):
                chunk = sample[i:i + 100]
                marks = ", ".join(f":n{j}" for j in range(len(chunk)))
                for s, p in c.execute(text(f"SELECT DISTINCT subject_id, predicate FROM relation "
                                           f"WHERE subject_id IN ({marks})"),
                                      {f"n{j}": n for j, n in enumerate(chunk)}):
                    pairs.setdefault(s, []).append(p)
        engine.dispose()
        return cls(nodes, names, [h for h in hubs if h in names] or hubs, pairs)


def _typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, max(2, len(name) - 1))
    return name[:i] + name[i + 1:] if len(name) > 4 else name + "x"


def read_paths(t: Targets, rng: random.Random, k: int = 200) -> dict[str, list[str]]:
    """The URLs each read endpoint is driven with (wrk cycles through them): 90% random entities, 10% hubs."""
    q = lambda s: quote(s, safe="")  # noqa: E731
    nodes = [rng.choice(t.hubs) if i % 10 == 9 else rng.choice(t.nodes) for i in range(k)]
    names = [t.names[n] for n in nodes]
    pairs = sorted((s, p) for s, ps in t.out_predicates.items() for p in ps)
    rng.shuffle(pairs)
    months = [(rng.randint(2017, 2024), rng.randint(1, 12)) for _ in range(k)]
    return {
        "healthz": ["/healthz"],
        "entity": [f"/v1/entities/{q(n)}" for n in nodes],
        "relations": [f"/v1/entities/{q(n)}/relations?limit=20" for n in nodes],
        "pattern": ([f"/v1/relations?subject={q(s)}&predicate={q(p)}&limit=20" for s, p in pairs[:k]]
                    or ["/v1/relations"]),
        "search exact": [f"/v1/entities?q={q(nm)}&limit=10" for nm in names],
        "search prefix": [f"/v1/entities?q={q(nm[: max(3, len(nm) // 2)])}&limit=10" for nm in names],
        "fuzzy": [f"/v1/entities?q={q(_typo(nm, rng))}&limit=10" for nm in names],
        "claims": [f"/v1/claims?status=disputed&limit=20&offset={20 * (i % 5)}" for i in range(k)],
        "events": [f"/v1/events?from={y}-{m:02d}-01&to={y}-{m:02d}-28&limit=20" for y, m in months],
        "predicates": ["/v1/predicates"],
        "paths": [f"/v1/paths?source={q(a)}&target={q(b)}&max_length=4&limit=10"
                  for a, b in zip(nodes, reversed(nodes)) if a != b],
        **{f"hub depth {d}": [f"/v1/entities/{q(h)}/neighborhood?depth={d}" for h in t.hubs[:20]] for d in (1, 2, 3)},
    }


# --- driving -----------------------------------------------------------------------------------------------------


def first_answer(url: str, timeout: float) -> tuple[float, int, int]:
    """Seconds, status and size of one GET (the endpoint's first, cold answer)."""
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # loopback only
            body = r.read()
            return time.perf_counter() - t0, r.status, len(body)
    except urllib.error.HTTPError as exc:
        return time.perf_counter() - t0, exc.code, 0
    except OSError:
        return time.perf_counter() - t0, 0, 0


def settle(server: Server, cap: float = 300.0) -> float:
    """Wait until ``server`` answers ``/healthz`` in under 50 ms twice running: requests wrk left queued are done.

    wrk stops after its duration, but the server goes on with what it had accepted (16 slow requests can
    keep it busy for seconds); measuring the next endpoint then would measure that backlog.
    """
    t0, quick = time.perf_counter(), 0
    while quick < 2 and time.perf_counter() - t0 < cap:
        seconds, status, _ = first_answer(server.url + "/healthz", timeout=cap)
        quick = quick + 1 if status == 200 and seconds < 0.05 else 0
        if quick < 2:
            time.sleep(0.05)
    return time.perf_counter() - t0


def _median(results: list[wrk.WrkResult]) -> dict[str, Any]:
    return {"rps": statistics.median(r.rps for r in results), "p50_ms": statistics.median(r.p50_ms for r in results),
            "p99_ms": statistics.median(r.p99_ms for r in results),
            "requests": sum(r.requests for r in results), "errors": sum(r.errors for r in results),
            "error_kinds": {k: sum(r.error_kinds.get(k, 0) for r in results)
                            for k in {k for r in results for k in r.error_kinds}},
            "runs": len(results), "runs_rps": [round(r.rps, 1) for r in results]}


def drive_reads(bare: Server, product: Server, paths: dict[str, list[str]], args: argparse.Namespace,
                point: Point) -> None:
    """Interleaved rounds of wrk: bare, then every endpoint; the median of ``--repeats`` rounds."""
    slow: dict[str, float] = {}
    for name in READS:
        seconds, status, size = first_answer(product.url + paths[name][0], timeout=args.slow_timeout)
        point.reads[name] = {"first_s": seconds, "first_status": status, "first_bytes": size}
        if seconds > args.slow:
            slow[name] = seconds
    wrk.run(bare.url, ["/bare"], connections=args.connections, duration=2)  # warm both
    wrk.run(product.url, paths["entity"], connections=args.connections, duration=2)
    rounds: dict[str, list[wrk.WrkResult]] = {"bare": [], **{n: [] for n in READS}}
    for rep in range(args.repeats):
        rounds["bare"].append(wrk.run(bare.url, ["/bare"], connections=args.connections, duration=args.duration))
        for name in READS:
            if name in slow and rep:  # a slow endpoint is driven once, on one connection
                continue
            conns = 1 if name in slow else args.connections
            rounds[name].append(wrk.run(product.url, paths[name], connections=conns, duration=args.duration,
                                        timeout=max(10.0, 2 * slow.get(name, 0))))
            waited = settle(product)
            if waited > 1:
                point.notes.append(f"{name}: the server finished requests left queued {waited:.1f} s after wrk")
    point.bare = _median(rounds["bare"])
    for name in READS:
        point.reads[name] |= _median(rounds[name]) | {"c1": name in slow}


# --- writes ------------------------------------------------------------------------------------------------------


def _post(url: str, token: str, body: dict, timeout: float = 120.0) -> tuple[int, float, str]:
    data = json.dumps(body).encode()
    req = urllib.request.Request(url + "/v1/articles", data=data, method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # loopback only
            r.read()
            return r.status, time.perf_counter() - t0, ""
    except urllib.error.HTTPError as exc:
        return exc.code, time.perf_counter() - t0, exc.read()[:300].decode("utf-8", "replace")
    except OSError as exc:
        return 0, time.perf_counter() - t0, type(exc).__name__


def _served_after(server: Server, article_id: str, cap: float) -> float:
    """Seconds until ``server`` answers 200 for the article (polled every 10 ms), or inf after ``cap``."""
    t0 = time.perf_counter()
    path = f"{server.url}/v1/articles/{quote(article_id, safe='')}"
    while time.perf_counter() - t0 < cap:
        if first_answer(path, timeout=cap)[1] == 200:
            return time.perf_counter() - t0
        time.sleep(0.01)
    return math.inf


def measure_writes(product: Server, second: Server, token: str, stories: list[GenStory],
                   paths: dict[str, list[str]], args: argparse.Namespace, point: Point) -> None:
    from .load import api_body

    with urllib.request.urlopen(product.url + "/openapi.json", timeout=60) as r:  # loopback only
        schema = json.loads(r.read())
    mix = [u for name in WRITE_MIX for u in paths[name][:40]]
    random.Random(args.seed).shuffle(mix)
    window = max(3.0, float(len(stories)))
    idle = wrk.run(product.url, mix, connections=args.connections, duration=window)
    settle(product)
    posts: list[tuple[int, float, str]] = []
    visible: list[float] = []

    def writer() -> None:
        start = time.perf_counter()
        for i, story in enumerate(stories):
            time.sleep(max(0.0, start + i + 0.5 - time.perf_counter()))  # one a second
            status, seconds, why = _post(product.url, token, api_body(schema, story))
            posts.append((status, seconds, why))
            if status in (200, 201):
                visible.append(_served_after(second, story.id, cap=max(5.0, window)))

    t = threading.Thread(target=writer)
    t.start()
    busy = wrk.run(product.url, mix, connections=args.connections, duration=window)
    t.join(timeout=600)
    ok = [s for st, s, _ in posts if st == 201]
    point.writes = {
        "sent": len(posts), "created": len(ok), "refused": [f"{st} {why}" for st, _, why in posts if st != 201][:3],
        "post_p50_ms": 1000 * statistics.median(ok) if ok else math.nan,
        "post_max_ms": 1000 * max(ok) if ok else math.nan,
        "visible_p50_s": statistics.median(visible) if visible else math.nan,
        "visible_max_s": max(visible) if visible else math.nan,
        "idle_p99_ms": idle.p99_ms, "busy_p99_ms": busy.p99_ms, "idle_rps": idle.rps, "busy_rps": busy.rps,
        "read_errors": idle.errors + busy.errors,
    }


# --- bulk ingest -------------------------------------------------------------------------------------------------


def measure_ingest(url: str, stories: list[GenStory], args: argparse.Namespace, point: Point) -> None:
    folder = Path(tempfile.mkdtemp(prefix="ingest-", dir=args.workdir))
    try:
        for s in stories:
            write_story_dir(folder, s)
        before, rel_before = _articles(url), _count(url, "relation")
        exe = Path(sys.executable).with_name("storygraph")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from app.cli import main; main()"]
        t0 = time.perf_counter()
        try:
            out = subprocess.run([*cmd, "ingest", str(folder), "--database-url", url], cwd=REPO, capture_output=True,
                                 text=True, timeout=args.ingest_timeout, stdin=subprocess.DEVNULL,
                                 check=False)  # a failed ingest is a figure (its exit and tail), not a crash
            seconds = time.perf_counter() - t0
            added = _articles(url) - before
            relations = _count(url, "relation") - rel_before  # what was stored, as the CLI counts it
            point.ingest = {"articles": len(stories), "relations": relations, "seconds": seconds,
                            "rps": relations / seconds, "exit": out.returncode, "added": added,
                            "tail": (out.stderr or out.stdout).strip().splitlines()[-1:] }
        except subprocess.TimeoutExpired:
            relations = 50 * len(stories)  # the generator's articles hold 50 relations each
            point.ingest = {"articles": len(stories), "relations": relations, "seconds": args.ingest_timeout,
                            "rps": relations / args.ingest_timeout, "timeout": True, "added": _articles(url) - before}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _articles(url: str) -> int:
    return _count(url, "article")


def _count(url: str, table: str) -> int:
    from sqlalchemy import text

    from graph.storage.store import make_engine

    engine = make_engine(url)
    with engine.connect() as c:
        n = c.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
    engine.dispose()
    return int(n)


# --- exports -----------------------------------------------------------------------------------------------------


def measure_exports(server: Server, args: argparse.Namespace, point: Point) -> None:
    def sample(stop: threading.Event, peak: list[float]) -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], server.rss_mb())
            stop.wait(0.02)

    for fmt in EXPORTS:
        before = server.rss_mb()
        peak = [before]
        stop = threading.Event()
        sampler = threading.Thread(target=sample, args=(stop, peak), daemon=True)
        sampler.start()
        t0 = time.perf_counter()
        ttfb = total = math.nan
        size, status, streamed, complete = 0, 0, None, False
        try:
            with urllib.request.urlopen(f"{server.url}/v1/graph?format={fmt}",  # loopback only
                                        timeout=args.export_timeout) as r:
                status = r.status
                streamed = r.headers.get("Content-Length") is None
                first = r.read(1)
                ttfb = time.perf_counter() - t0
                size = len(first)
                complete = True
                while chunk := r.read(1 << 20):
                    size += len(chunk)
                    if time.perf_counter() - t0 > args.export_read:
                        complete = False  # enough to judge first byte and memory; the rest is not waited for
                        break
            total = time.perf_counter() - t0 if complete else math.inf
        except (OSError, TimeoutError) as exc:
            point.notes.append(f"export {fmt}: {type(exc).__name__} after {time.perf_counter() - t0:.0f} s")
        finally:
            stop.set()
            sampler.join()
        point.exports[fmt] = {"status": status, "ttfb_s": ttfb, "total_s": total, "mb": size / 2**20,
                              "rss_growth_mb": peak[0] - before, "streamed": streamed, "complete": complete,
                              "read_s": time.perf_counter() - t0}


# --- Kùzu --------------------------------------------------------------------------------------------------------


def _time(fn, reps: int, budget: float) -> float:
    """Median seconds of ``fn()`` over up to ``reps`` calls within ``budget`` seconds (at least one)."""
    xs, end = [], time.perf_counter() + budget
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        xs.append(time.perf_counter() - t0)
        if time.perf_counter() > end:
            break
    return statistics.median(xs)


def compare_kuzu(url: str, targets: Targets, args: argparse.Namespace, point: Point) -> None:
    from sqlmodel import Session

    from graph.algorithms import queries
    from graph.indexing.index import load_index
    from graph.storage.store import make_engine

    from .kuzu_graph import KuzuGraph

    engine = make_engine(url)
    with Session(engine) as session:
        ix = load_index(session)
    engine.dispose()
    rng = random.Random(args.seed)
    kz = KuzuGraph(ix.g, args.workdir / f"kuzu-{point.scale}")
    try:
        nodes = [rng.choice(targets.hubs) if i % 10 == 9 else rng.choice(targets.nodes) for i in range(40)]
        pairs = [(a, b) for a, b in zip(nodes, reversed(nodes)) if a != b][:20]
        per = args.kuzu_budget / 4

        def each(items, fn):
            it = iter(items * 1000)
            return lambda: fn(*next(it))

        cases = {
            "neighbours": ([(n,) for n in nodes], lambda n: queries.neighborhood(ix, n, depth=1), kz.neighbours),
            "path": (pairs, lambda a, b: queries.paths(ix, a, b, max_length=4, limit=1), kz.path),
        }
        for name, (items, sg, k) in cases.items():
            t_sg = _time(each(items, sg), len(items), per)
            t_kz = _time(each(items, k), len(items), per)
            point.kuzu[name] = {"storygraph_ms": t_sg * 1000, "kuzu_ms": t_kz * 1000, "ratio": t_sg / t_kz}
    finally:
        kz.close()


# --- one scale point ---------------------------------------------------------------------------------------------


def run_point(scale: str, args: argparse.Namespace) -> Point:
    point = Point(scale)
    store = Store(scale, args)
    point.backend = store.backend
    n = 0 if scale == "seed" else int(scale)
    t0 = time.perf_counter()
    store.prepare(point)
    _say(f"{scale}: store ready in {time.perf_counter() - t0:.0f} s")
    try:
        point.articles, point.entities, point.relations = store.counts()
        point.db_mb = store.size_mb()
        rng = random.Random(args.seed)
        targets = Targets.of_database(store.url, rng)
        paths = read_paths(targets, rng)
        # the articles that follow the stored ones: they refer to what those defined, as a next day's would
        extra = args.writes + (args.ingest_articles if n else 0)
        if n:
            new = list(islice(generate(n + extra, seed=args.seed), n, None))
        else:
            new = list(generate(extra, seed=args.seed + 1, sharing="define", prefix="bench-seed"))
        writes, ingest = new[:args.writes], new[args.writes:]
        token = secrets.token_urlsafe(24)
        env = {"STORYGRAPH_API_TOKENS": f"bench:{token}"}
        log = args.workdir / f"server-{scale}.log"
        with serve(None, target="bare", log=args.workdir / "bare.log") as bare, \
                serve(store.url, env=env, log=log, ready_timeout=args.ready_timeout) as product:
            point.cold_s = product.ready_seconds
            _say(f"{scale}: cold start {point.cold_s:.1f} s; reads ...")
            drive_reads(bare, product, paths, args, point)
            point.rss_mb = product.rss_mb()
            if args.writes:
                settle(product)
                _say(f"{scale}: writes ...")
                with serve(store.url, env=env, cpu=None, log=args.workdir / f"second-{scale}.log",
                           ready_timeout=args.ready_timeout) as second:
                    measure_writes(product, second, token, writes, paths, args, point)
            if not args.no_exports:
                settle(product)
                _say(f"{scale}: exports ...")
                measure_exports(product, args, point)
            point.peak_rss_mb = product.peak_rss_mb()
        if ingest:
            _say(f"{scale}: storygraph ingest of {len(ingest)} articles ...")
            measure_ingest(store.url, ingest, args, point)
        if not args.no_kuzu:
            _say(f"{scale}: Kùzu ...")
            try:
                compare_kuzu(store.url, targets, args, point)
            except Exception as exc:  # the table says so; the other figures stand
                point.notes.append(f"Kùzu comparison failed: {type(exc).__name__}: {exc}")
        judge(point)
        return point
    finally:
        if not args.keep:
            store.drop()


def _say(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


# --- goals -------------------------------------------------------------------------------------------------------


def _ok(cond: bool | None) -> bool | None:
    return None if cond is None else bool(cond)


def judge(p: Point) -> None:
    """Each goal of issue 9: (goal, met or not, what was measured). None: not measured at this point."""
    g, out = GOALS, p.goals
    b = p.bare
    r = p.reads

    def ratio(name: str) -> tuple[float, float]:
        e = r.get(name, {})
        if not e.get("rps") or not b.get("rps"):  # no request completed in a round: nothing to judge by, a miss
            return math.nan, math.nan
        return e["rps"] / b["rps"], e["p99_ms"] / b["p99_ms"]

    errors = {k: e["errors"] for k, e in r.items() if e.get("errors")}
    out.append(("no errors in the read mix", not errors, ", ".join(f"{k}: {v}" for k, v in errors.items()) or "0"))
    t, _ = ratio("healthz")
    out.append((f"/healthz ≥ {g['healthz_ratio']}× bare (middleware ≤ 15%)", t >= g["healthz_ratio"], f"{t:.2f}×"))
    for name in RATIO_READS:
        t, p99 = ratio(name)
        out.append((f"{name}: ≥ {g['read_ratio']}× bare r/s, p99 ≤ {g['read_p99_ratio']:.0f}× bare p99",
                    t >= g["read_ratio"] and p99 <= g["read_p99_ratio"], f"{t:.2f}×, p99 {p99:.1f}×"))
    for name, limit in (("fuzzy", g["fuzzy_p99_ms"]), ("paths", g["paths_p99_ms"]),
                        *((f"hub depth {d}", g["hub_p99_ms"]) for d in (1, 2, 3))):
        p99 = r.get(name, {}).get("p99_ms", math.nan) if r.get(name, {}).get("rps") else math.nan
        c1 = " (c1)" if r.get(name, {}).get("c1") else ""
        out.append((f"{name} p99 ≤ {limit:.0f} ms", p99 <= limit, f"{p99:.1f} ms{c1}"))
    cold = g["cold_s"][p.backend]
    out.append((f"cold start ≤ {cold:.0f} s ({p.backend})", p.cold_s <= cold, f"{p.cold_s:.1f} s"))
    out.append((f"RSS after the read mix ≤ {g['rss_mb']:.0f} MB", p.rss_mb <= g["rss_mb"], f"{p.rss_mb:.0f} MB"))
    w = p.writes
    if w:
        out.append((f"POST of a 50-relation article: 201 p50 ≤ {g['write_p50_ms']:.0f} ms",
                    w["created"] == w["sent"] and w["post_p50_ms"] <= g["write_p50_ms"],
                    f"{w['post_p50_ms']:.0f} ms ({w['created']}/{w['sent']} created)"))
        out.append((f"a second worker serves it within {g['visible_s']:.0f} s", w["visible_max_s"] <= g["visible_s"],
                    f"p50 {w['visible_p50_s']:.2f} s, max {w['visible_max_s']:.2f} s"))
        rr = w["busy_p99_ms"] / w["idle_p99_ms"] if w["idle_p99_ms"] else math.nan
        out.append((f"read p99 at one write/s ≤ {g['write_read_p99']:.0f}× idle p99", rr <= g["write_read_p99"],
                    f"{rr:.2f}× ({w['busy_p99_ms']:.1f} / {w['idle_p99_ms']:.1f} ms)"))
    i = p.ingest
    if i:
        goal = g["ingest_rps"][p.backend]
        done = not i.get("timeout") and i.get("exit") == 0 and i.get("added") == i["articles"]
        how = (f"< {i['rps']:,.0f} rel/s (unfinished after {i['seconds']:.0f} s)" if i.get("timeout")
               else f"{i['rps']:,.0f} rel/s, {i['added']} of {i['articles']} articles stored, exit {i.get('exit')}")
        out.append((f"storygraph ingest of {i['articles']:,} articles ≥ {goal:,.0f} rel/s ({p.backend})",
                    done and i["rps"] >= goal, how))
    if p.exports:
        worst_ttfb = max(e["ttfb_s"] if not math.isnan(e["ttfb_s"]) else math.inf for e in p.exports.values())
        worst_rss = max(e["rss_growth_mb"] for e in p.exports.values())
        bad = [f for f, e in p.exports.items() if e["status"] != 200]
        out.append((f"exports: first byte ≤ {g['export_ttfb_s']:.0f} s, RSS growth ≤ {g['export_rss_mb']:.0f} MB",
                    not bad and worst_ttfb <= g["export_ttfb_s"] and worst_rss <= g["export_rss_mb"],
                    f"worst {worst_ttfb:.2f} s, +{worst_rss:.0f} MB" + (f"; failed: {', '.join(bad)}" if bad else "")))
    for q in KUZU_QUERIES:
        if q in p.kuzu:
            k = p.kuzu[q]
            out.append((f"faster than Kùzu: {q}", k["ratio"] < 1,
                        f"{k['ratio']:.2f}× ({k['storygraph_ms']:.2f} vs {k['kuzu_ms']:.2f} ms)"))


# --- the table ---------------------------------------------------------------------------------------------------


def _f(x: Any, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return "–"
    return f"{x:,.{digits}f}"


def _read_cell(p: Point, name: str) -> str:
    e = p.reads.get(name, {})
    if "rps" not in e or not p.bare.get("rps"):
        return "–"
    s = (f"{e['rps'] / p.bare['rps']:.2f}× / {e['p99_ms'] / p.bare['p99_ms']:.1f}× "
         f"({e['p50_ms']:.1f}/{e['p99_ms']:.1f})")
    if e.get("c1"):
        s += " c1"
    if e.get("errors"):
        s += f" E{e['errors']}"
    return s


def rows(points: list[Point]) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = [
        ("articles / entities / relations", [f"{p.articles:,} / {p.entities:,} / {p.relations:,}" for p in points]),
        ("database MB", [_f(p.db_mb) for p in points]),
        ("cold start s (spawn → /readyz 200)", [_f(p.cold_s, 1) for p in points]),
        ("RSS MB after the read mix (peak)", [f"{_f(p.rss_mb)} ({_f(p.peak_rss_mb)})" for p in points]),
        ("bare r/s (p50/p99 ms)", [f"{_f(p.bare.get('rps'))} "
                                   f"({_f(p.bare.get('p50_ms'), 1)}/{_f(p.bare.get('p99_ms'), 1)})"
                                   for p in points]),
    ]
    out += [(f"{name}: r/s ÷ bare / p99 ÷ bare (p50/p99 ms)", [_read_cell(p, name) for p in points]) for name in READS]
    out += [
        ("POST article: 201 p50 / max ms", [f"{_f(p.writes.get('post_p50_ms'))} / {_f(p.writes.get('post_max_ms'))}"
                                           if p.writes else "–" for p in points]),
        ("second worker serves it: p50 / max s", [f"{_f(p.writes.get('visible_p50_s'), 2)} / "
                                                  f"{_f(p.writes.get('visible_max_s'), 2)}" if p.writes else "–"
                                                  for p in points]),
        ("read p99 at one write/s ÷ idle (ms)", [f"{p.writes['busy_p99_ms'] / p.writes['idle_p99_ms']:.2f}× "
                                                 f"({p.writes['busy_p99_ms']:.1f}/{p.writes['idle_p99_ms']:.1f})"
                                                 if p.writes and p.writes.get("idle_p99_ms") else "–" for p in points]),
        ("storygraph ingest rel/s (articles, s)", [
            ("< " if p.ingest.get("timeout") else "") + f"{_f(p.ingest['rps'])} ({p.ingest['articles']:,}, "
            f"{p.ingest['seconds']:.0f} s)" if p.ingest else "–" for p in points]),
    ]
    out += [(f"export {fmt}: first byte s / RSS +MB / total s (MB)", [
        f"{_f(p.exports[fmt]['ttfb_s'], 2)} / {_f(p.exports[fmt]['rss_growth_mb'])} / "
        + (_f(p.exports[fmt]['total_s'], 1) if p.exports[fmt]["complete"] else f"> {p.exports[fmt]['read_s']:.0f}")
        + f" ({p.exports[fmt]['mb']:,.0f})"
        + ("" if p.exports[fmt]["status"] == 200 else f" HTTP {p.exports[fmt]['status']}")
        if fmt in p.exports else "–" for p in points]) for fmt in EXPORTS]
    out += [(f"Kùzu {q}: storygraph ÷ Kùzu (ms)", [
        f"{p.kuzu[q]['ratio']:.2f} ({p.kuzu[q]['storygraph_ms']:.2f}/{p.kuzu[q]['kuzu_ms']:.2f})"
        if q in p.kuzu else "–"
        for p in points]) for q in KUZU_QUERIES]
    return out


def table(points: list[Point]) -> str:
    head = ["measure"] + [p.scale + (" (pg)" if p.backend == "postgresql" else "") for p in points]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join([name, *cells]) + " |" for name, cells in rows(points)]
    return "\n".join(lines)


def verdicts(p: Point) -> str:
    met = sum(1 for _, ok, _ in p.goals if ok)
    lines = [f"Goals at {p.scale} ({p.backend}): {met} of {len(p.goals)} met"]
    lines += [f"- {'MET' if ok else 'MISSED'}: {goal} — {measured}" for goal, ok, measured in p.goals]
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    from importlib.metadata import version

    def v(name: str) -> str:
        try:
            return version(name)
        except Exception:
            return "?"

    # `wrk -v` exits 1 after printing its banner: the banner is all that is wanted
    wrk_v = subprocess.run([wrk.wrk_path(), "-v"], capture_output=True, text=True,
                           check=False).stdout.split("[")[0].strip()
    return (f"{os.cpu_count()} CPU ({cpu}), {mem:.0f} GB RAM, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}; uvicorn {v('uvicorn')} (uvloop {v('uvloop')}, httptools "
            f"{v('httptools')}), fastapi {v('fastapi')}, networkx {v('networkx')}, {wrk_v}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="storygraph at scale: one table, a column per scale point, goals judged.")
    p.add_argument("--scale", action="append", help="seed, 1000, 20000 or any article count (repeatable)")
    p.add_argument("--database-url", help="a PostgreSQL server URL (a database per scale is created and dropped); "
                                          "default: SQLite files in --workdir")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "storygraph-bench")
    p.add_argument("--stores", type=Path, default=Path("/tmp/bench"), help="where built SQLite stores are kept")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--duration", type=float, default=5.0, help="seconds per endpoint per round")
    p.add_argument("--repeats", type=int, default=3, help="interleaved rounds; the median is kept")
    p.add_argument("--slow", type=float, default=2.0, help="a first answer slower than this: driven on one connection")
    p.add_argument("--slow-timeout", type=float, default=300.0, help="seconds for one first answer")
    p.add_argument("--writes", type=int, default=10, help="articles POSTed, one a second")
    p.add_argument("--ingest-articles", type=int, default=1000, help="new articles for `storygraph ingest`")
    p.add_argument("--ingest-timeout", type=float, default=900.0)
    p.add_argument("--export-timeout", type=float, default=300.0, help="seconds to the first byte of an export")
    p.add_argument("--export-read", type=float, default=30.0,
                   help="seconds an export is read for (first byte and memory are judged; the rest is not awaited)")
    p.add_argument("--ready-timeout", type=float, default=900.0, help="seconds for a server to become ready")
    p.add_argument("--kuzu-budget", type=float, default=60.0, help="seconds of queries in the Kùzu comparison")
    p.add_argument("--no-kuzu", action="store_true")
    p.add_argument("--no-exports", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep the run's databases (default: removed)")
    p.add_argument("--json", type=Path, help="also write every measurement here")
    args = p.parse_args(argv)
    try:
        wrk.wrk_path()
    except wrk.WrkMissing as exc:
        print(f"bench.run: {exc}", file=sys.stderr)
        return 2
    args.workdir.mkdir(parents=True, exist_ok=True)
    scales = args.scale or ["seed", "1000"]
    for s in scales:
        if s != "seed" and not s.isdigit():
            p.error(f"--scale {s}: seed or an article count")
    points = []
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for s in scales:
        t0 = time.perf_counter()
        points.append(run_point(s, args))
        _say(f"scale {s} done in {time.perf_counter() - t0:.0f} s")
    print(f"Measured {started}: {machine()}.")
    print(f"Servers pinned to CPU 0 (uvicorn {' '.join(UVICORN_FLAGS)}), wrk on CPU 1, {args.connections} "
          f"connections, {args.duration:g} s per endpoint, median of {args.repeats} interleaved rounds. Command: "
          "python -m bench.run " + " ".join(sys.argv[1:] if argv is None else argv))
    print()
    print(table(points))
    print()
    print("Read cells: requests/s ÷ the bare app's, p99 ÷ its p99, then p50/p99 in ms; c1 = a first answer over "
          f"{args.slow:g} s, so driven on one connection, once; E = errors (non-2xx, socket errors, timeouts).")
    for pt in points:
        print()
        print(verdicts(pt))
        for n in ([pt.store_note] if pt.store_note else []) + pt.notes:
            print(f"  note: {n}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "started": started,
                                         "args": {k: str(v) for k, v in vars(args).items()},
                                         "points": [asdict(pt) for pt in points]}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
