"""The scale runner: one table, a row per scale point.

    python -m bench.run --scale seed --scale 1000            # SQLite files in --workdir
    python -m bench.run --scale 20000 --time-limit 5400 --json out.json
    python -m bench.run --scale 1000 --database-url postgresql+psycopg://user@127.0.0.1:5432/postgres

For each scale point (``seed``: the stories of ``seeds/``; ``N``: N synthetic
articles of :mod:`bench.generate`, or any integer for a tiny run):

1. **ingest** — the real write path: ``graph.validate.verify`` then
   ``graph.store.write_session`` + ``write_story``, ``--batch`` articles per
   transaction (the seed: ``graph.ingest.ingest_path``). Relations per second
   over verify + write, and the rate of the last batch (it falls as the store
   grows). Then ``ingest_path`` itself, the CLI's path, on ``--tail`` more
   articles written as folders: its marginal rate at that size.
2. **cold** — a fresh process builds the index from the database
   (``graph.index.load_index``; :mod:`bench.probe`).
3. **RSS** — the API server's resident memory once ready (VmRSS).
4. **DB** — the database's size on disk.
5. **endpoints** — a real uvicorn serving :mod:`bench.app` on 127.0.0.1
   (pinned to CPU 0; the client runs on the other), each endpoint driven for
   ``--duration`` seconds at ``--concurrency`` keep-alive connections. A cell
   is ``r/s ratio / p50 ratio / p99 ratio`` against ``GET /bench/bare`` of the
   same server in the same run (``bare``: absolute). An endpoint whose first
   answer takes over a second is driven on one connection for at most
   ``--slow-requests`` requests, marked ``c1``.
6. **vs Kùzu** — the graph loaded into Kùzu (COPY FROM CSV); the queries that fit
   Kùzu (1-hop neighbours, a shortest path of at most 4 hops, a triple pattern
   by subject name) timed in-process on both: storygraph's median time over
   Kùzu's (below 1: storygraph is faster).
7. **missed** — the goals of issue 6 this row misses.

Bounded: every phase has a duration or a count, ``--time-limit`` caps the whole
run (ingestion stops early and the row says so), and every server started is
stopped. All traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from sqlmodel import Session

from graph.ingest import ingest_path
from graph.store import create_schema, make_engine

from . import http
from .generate import DEFAULT_SEED, generate, write_story_dir
from .ingest import BulkWriter, bulk_load
from .server import REPO, serve

SEEDS = REPO / "seeds"
ENDPOINTS = ["search", "fuzzy", "entity", "relations", "neighbourhood", "paths", "claims", "events", "export"]
KUZU_QUERIES = ["neighbours", "path", "pattern"]
EXPORT_MAX_EDGES = 100_000  # the whole-graph export is driven up to this size ("at small scale")

GOALS = {  # issue 6, at 1,000,000 relations on one core
    "ingest_rps": 30_000, "cold_s": 10.0, "rss_mb": 1536, "ratio": 0.6, "p99_ms": 10.0, "fuzzy_p99_ms": 25.0,
    "paths_p99_ms": 50.0,
}


@dataclass
class Row:
    scale: str
    articles: int = 0
    entities: int = 0
    relations: int = 0
    backend: str = "sqlite"
    ingest_rps: float = float("nan")  # relations/s, verify + write
    ingest_last_rps: float = float("nan")  # the last batch's rate
    ingest_seconds: float = 0.0
    verify_seconds: float = 0.0
    ingest_partial: bool = False
    loader: str = "ingest_path"
    write_tail_rps: float = float("nan")  # write_story on --tail more articles, at this size
    write_tail_ms: float = float("nan")  # per article
    path_tail_rps: float = float("nan")  # graph.ingest.ingest_path on --tail-path more articles
    path_tail_ms: float = float("nan")
    cold_s: float = float("nan")
    probe_rss_mb: float = float("nan")
    rss_mb: float = float("nan")  # the server, once ready
    server_ready_s: float = float("nan")
    db_mb: float = float("nan")
    bare: dict[str, float] = field(default_factory=dict)
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    kuzu: dict[str, dict[str, float]] = field(default_factory=dict)
    kuzu_load_s: float = float("nan")
    missed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- databases ---------------------------------------------------------------------------------------------------


class Database:
    """One fresh database per scale point: a SQLite file, or a PostgreSQL database created on the server."""

    def __init__(self, base_url: str | None, workdir: Path, scale: str, keep: bool) -> None:
        self.keep, self.scale = keep, scale
        if base_url is None or base_url.startswith("sqlite"):
            self.path = workdir / f"bench-{scale}.db"
            self.url = f"sqlite:///{self.path}"
            self.pg = None
            self.existing = self.path.exists()
        else:
            parts = urlsplit(base_url)
            http.loopback_only(f"http://{parts.hostname}:{parts.port or 5432}")  # 127.0.0.1 only
            self.name = f"storygraph_bench_{scale}"
            self.pg = base_url
            self.url = urlunsplit(parts._replace(path="/" + self.name))
            self.path = None
            self.existing = self._pg_exists()

    def _admin(self):
        import psycopg

        return psycopg.connect(self.pg.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True)

    def _pg_exists(self) -> bool:
        with self._admin() as c:
            return c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.name,)).fetchone() is not None

    def create(self) -> None:
        if self.pg:
            with self._admin() as c:
                c.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
                c.execute(f'CREATE DATABASE "{self.name}"')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def size_mb(self) -> float:
        if self.pg:
            with self._admin() as c:
                return c.execute("SELECT pg_database_size(%s)", (self.name,)).fetchone()[0] / 2**20
        return sum(Path(f"{self.path}{s}").stat().st_size for s in ("", "-wal")
                   if Path(f"{self.path}{s}").exists()) / 2**20

    def drop(self) -> None:
        if self.keep:
            return
        if self.pg:
            with self._admin() as c:
                c.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)


# --- 1. ingestion ------------------------------------------------------------------------------------------------


def ingest_generated(url: str, n: int, args: argparse.Namespace, deadline: float, row: Row) -> None:
    """Store ``n`` generated articles, then time the product's paths on a few more at that size.

    ``real``: :class:`bench.ingest.BulkWriter` (verify + write_session/write_story, ``--batch`` per
    transaction); ``bulk``: :func:`bench.ingest.bulk_load` (verify + Core inserts, bench only). Then
    ``--tail`` more articles through write_story (one transaction) and ``--tail-path`` more through
    ``graph.ingest.ingest_path`` (the CLI's path: ``ingest_story``, which reads the stored catalog).
    """
    engine = make_engine(url)
    create_schema(engine)
    writer = BulkWriter(engine)
    stories = generate(n + args.tail + args.tail_path, seed=args.seed)
    loader = args.loader if args.loader != "auto" else ("real" if n <= 2000 else "bulk")
    row.loader = loader
    done = relations = 0
    spent = verify_spent = 0.0
    if loader == "bulk":
        t = bulk_load(engine, (s for _, s in zip(range(n), stories)), writer=writer)
        done, relations, spent, verify_spent = t.stories, t.relations, t.verify_s + t.write_s, t.verify_s
    while done < n and loader == "real":
        chunk = [s for _, s in zip(range(min(args.batch, n - done)), stories)]
        t = writer.write(chunk)
        relations += t.relations
        done += t.stories
        spent += t.verify_s + t.write_s
        verify_spent += t.verify_s
        row.ingest_last_rps = t.relations / (t.verify_s + t.write_s)
        if time.perf_counter() > deadline and done < n:
            row.ingest_partial = True
            row.notes.append(f"ingestion stopped by --time-limit after {done} of {n} articles")
            break
    row.articles, row.ingest_seconds, row.verify_seconds = done, spent, verify_spent
    row.ingest_rps = relations / spent if spent else float("nan")
    if row.ingest_partial:
        engine.dispose()
        return
    if args.tail:
        t = writer.write([s for _, s in zip(range(args.tail), stories)])
        row.write_tail_rps = t.relations / (t.verify_s + t.write_s)
        row.write_tail_ms = 1000 * (t.verify_s + t.write_s) / t.stories
    engine.dispose()
    if args.tail_path:
        folder = Path(tempfile.mkdtemp(prefix="tail-", dir=args.workdir))
        try:
            for _, s in zip(range(args.tail_path), stories):
                write_story_dir(folder, s)
            engine = make_engine(url)
            t0 = time.perf_counter()
            results = ingest_path(engine, folder)
            seconds = time.perf_counter() - t0
            engine.dispose()
            row.path_tail_rps = sum(r.relations for r in results) / seconds
            row.path_tail_ms = 1000 * seconds / len(results)
        except Exception as exc:  # noqa: BLE001 - the row reports it; the other measurements go on
            row.notes.append(f"ingest_path on {args.tail_path} more articles failed: {str(exc)[:300]}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def ingest_seed(url: str, row: Row) -> None:
    engine = make_engine(url)
    create_schema(engine)
    t0 = time.perf_counter()
    results = ingest_path(engine, SEEDS)
    row.ingest_seconds = time.perf_counter() - t0
    engine.dispose()
    row.articles = len(results)
    row.ingest_rps = row.ingest_last_rps = sum(r.relations for r in results) / row.ingest_seconds


# --- 2. cold start -----------------------------------------------------------------------------------------------


def probe(url: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bench.probe", url], cwd=REPO, capture_output=True, text=True,
                         timeout=1800, env=dict(os.environ, PYTHONPATH=str(REPO)))
    if out.returncode:
        raise RuntimeError(f"bench.probe failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- 5. endpoints ------------------------------------------------------------------------------------------------


@dataclass
class Targets:
    """What the requests ask about, read from the database with plain SQL (no index in this process)."""

    nodes: list[str]  # every entity id, sorted
    names: dict[str, str]
    top: list[str]  # the 100 entities with the most relations
    claim_about: list[str]  # entities some claims are about
    edges: int

    @classmethod
    def of_graph(cls, g) -> "Targets":
        top = [n for n, _ in sorted(g.degree, key=lambda t: (-t[1], t[0]))[:100]]
        about = [v for _, v, p in g.edges(data="predicate") if p == "about"][:4000]
        return cls(sorted(g), {n: d for n, d in g.nodes(data="name")}, top, about, g.number_of_edges())

    @classmethod
    def of_database(cls, url: str) -> "Targets":
        from sqlalchemy import text

        engine = make_engine(url)
        with engine.connect() as c:
            names = dict(c.execute(text("SELECT id, name FROM entity")).all())
            degree = c.execute(text(
                "SELECT id, COUNT(*) AS n FROM (SELECT subject_id AS id FROM relation UNION ALL "
                "SELECT object_id FROM relation) AS ends GROUP BY id ORDER BY n DESC, id LIMIT 100")).all()
            about = [r[0] for r in c.execute(text(
                "SELECT object_id FROM relation WHERE predicate = 'about' ORDER BY id LIMIT 4000")).all()]
            edges = c.execute(text("SELECT COUNT(*) FROM relation")).scalar()
        engine.dispose()
        return cls(sorted(names), names, [r[0] for r in degree], about, edges)


def _sample_nodes(t: Targets, rng: random.Random, k: int) -> list[str]:
    """90% uniformly over entities, 10% among the 100 with the most relations (the famous ones)."""
    return [rng.choice(t.top) if i % 10 == 9 else rng.choice(t.nodes) for i in range(k)]


def _typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, max(2, len(name) - 1))
    return name[:i] + name[i + 1:] if len(name) > 4 else name + "x"


def endpoint_paths(t: Targets, rng: random.Random, k: int = 200) -> dict[str, list[str]]:
    q = lambda s: quote(s, safe="")  # noqa: E731
    nodes = _sample_nodes(t, rng, k)
    names = [t.names[n] for n in nodes]
    claim_about = t.claim_about
    out = {
        "search": [f"/v1/entities?q={q(nm if i % 2 else nm[: max(3, len(nm) // 2)])}&limit=10"
                   for i, nm in enumerate(names)],
        "fuzzy": [f"/v1/entities?q={q(_typo(nm, rng))}&limit=10" for nm in names],
        "entity": [f"/v1/entities/{q(n)}" for n in nodes],
        "relations": [f"/v1/entities/{q(n)}/relations?limit=50" for n in nodes],
        "neighbourhood": [f"/v1/entities/{q(n)}/neighborhood?depth=1" for n in nodes],
        "paths": [f"/v1/paths?source={q(a)}&target={q(b)}&max_length=4&limit=3"
                  for a, b in zip(nodes, reversed(nodes)) if a != b],
        "claims": [(f"/v1/claims?about={q(rng.choice(claim_about))}&limit=20" if claim_about and i % 2
                    else f"/v1/claims?status={('disputed', 'asserted', 'denied')[i % 3]}&limit=20")
                   for i in range(k)],
        "events": [f"/v1/events?from={y}-{m:02d}&to={y}-{m + 1:02d}&limit=20"
                   for y, m in ((rng.randint(2017, 2024), rng.randint(1, 11)) for _ in range(k))],
        "export": ["/v1/graph?format=node-link"],
    }
    return out


def _summary(res: http.Result) -> dict[str, Any]:
    return {"rps": res.rps, "p50_ms": res.pct(50), "p99_ms": res.pct(99), "count": res.count,
            "errors": res.bad(), "statuses": {str(k): v for k, v in res.statuses.items()},
            "error_kinds": res.errors, "mb": res.bytes / 2**20}


def drive_endpoints(server_url: str, paths: dict[str, list[str]], *, concurrency: int, duration: float,
                    slow_requests: int, edges: int, row: Row, budget_end: float) -> None:
    http.run(server_url, ["/bench/bare"] + paths["entity"][:20], concurrency=concurrency, duration=min(2.0, duration))
    bare = http.run(server_url, ["/bench/bare"], concurrency=concurrency, duration=duration)  # after a warm-up
    row.bare = _summary(bare)
    for name in ENDPOINTS:
        urls = paths[name]
        if name == "export" and edges > EXPORT_MAX_EDGES:
            row.endpoints[name] = {"skipped": f"> {EXPORT_MAX_EDGES:,} edges"}
            continue
        if time.perf_counter() > budget_end:
            row.endpoints[name] = {"skipped": "time limit"}
            continue
        first = http.run(server_url, urls[:1], concurrency=1, duration=600, max_requests=1, timeout=600)
        slow = not first.latencies or first.latencies[0] > 1.0
        if slow:
            res = http.run(server_url, urls[1:] or urls, concurrency=1, duration=duration * 4,
                           max_requests=slow_requests, timeout=600)
        else:
            res = http.run(server_url, urls, concurrency=concurrency, duration=duration)
        s = _summary(res) | {"c1": slow, "first_ms": first.pct(50)}
        if name == "export":
            s["streamed"] = _streams(server_url + urls[0])
        row.endpoints[name] = s


def _streams(url: str) -> bool:
    """Whether the export is sent in chunks rather than as one document with a Content-Length."""
    import urllib.request

    with urllib.request.urlopen(url, timeout=600) as r:  # noqa: S310 - loopback
        streamed = r.headers.get("Content-Length") is None
        r.read()
    return streamed


# --- 6. Kùzu -----------------------------------------------------------------------------------------------------


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


def compare_kuzu(ix, workdir: Path, rng: random.Random, row: Row, budget: float) -> None:
    from graph import queries

    from .kuzu_graph import KuzuGraph

    t0 = time.perf_counter()
    kz = KuzuGraph(ix.g, workdir / f"kuzu-{row.scale}")
    row.kuzu_load_s = time.perf_counter() - t0
    try:
        nodes = _sample_nodes(Targets.of_graph(ix.g), rng, 40)
        pairs = [(a, b) for a, b in zip(nodes, reversed(nodes)) if a != b][:20]
        pats = []
        for n in nodes:
            out = list(ix.g.out_edges(n, data="predicate"))
            if out:
                pats.append((ix.g.nodes[n]["name"], out[0][2]))
        per = budget / 6

        def each(items, fn):
            it = iter(items * 1000)
            return lambda: fn(*next(it))

        cases = {
            "neighbours": ([(n,) for n in nodes], lambda n: queries.neighborhood(ix, n, depth=1), kz.neighbours),
            "path": (pairs, lambda a, b: queries.paths(ix, a, b, max_length=4, limit=1), kz.path),
            "pattern": (pats, lambda nm, p: queries.match_relations(ix, subject=ix.names.resolve(nm), predicate=p)
                        if _unique_name(ix, nm) else None, kz.pattern),
        }
        for name, (items, sg, k) in cases.items():
            if not items:
                continue
            t_sg = _time(each(items, sg), len(items), per)
            t_kz = _time(each(items, k), len(items), per)
            row.kuzu[name] = {"storygraph_ms": t_sg * 1000, "kuzu_ms": t_kz * 1000, "ratio": t_sg / t_kz}
    finally:
        kz.close()


def _unique_name(ix, name: str) -> bool:
    try:
        ix.names.resolve(name)
        return True
    except Exception:  # noqa: BLE001 - an ambiguous name: skip, as the API would answer 409
        return False


# --- goals -------------------------------------------------------------------------------------------------------


def judge(row: Row) -> None:
    g, m = GOALS, row.missed
    rate = row.write_tail_rps if not math.isnan(row.write_tail_rps) else row.ingest_rps
    if rate < g["ingest_rps"]:
        m.append(f"ingest<{g['ingest_rps'] // 1000}k/s")
    if row.cold_s > g["cold_s"]:
        m.append(f"cold>{g['cold_s']:.0f}s")
    if row.rss_mb > g["rss_mb"]:
        m.append("RSS>1.5GB")
    for name in ("entity", "relations", "search"):
        e = row.endpoints.get(name, {})
        if "rps" in e and row.bare.get("rps") and e["rps"] / row.bare["rps"] < g["ratio"]:
            m.append(f"{name}<0.6×")
        if e.get("p99_ms", 0) > g["p99_ms"]:
            m.append(f"{name} p99>10ms")
    if row.endpoints.get("fuzzy", {}).get("p99_ms", 0) > g["fuzzy_p99_ms"]:
        m.append("fuzzy p99>25ms")
    if row.endpoints.get("paths", {}).get("p99_ms", 0) > g["paths_p99_ms"]:
        m.append("paths p99>50ms")
    if row.endpoints.get("export", {}).get("streamed") is False:
        m.append("export not streamed")
    slower = [k for k, v in row.kuzu.items() if v["ratio"] > 1]
    if slower:
        m.append("slower than Kùzu: " + ",".join(slower))
    errors = sum(e.get("errors", 0) for e in row.endpoints.values()) + row.bare.get("errors", 0)
    if errors:
        m.append(f"{errors} errors")


# --- the table ---------------------------------------------------------------------------------------------------


def _n(x: float, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if digits == 0:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def _ratio(x: float) -> str:
    if math.isnan(x):
        return "–"
    return f"{x:.2f}" if x < 10 else f"{x:.0f}" if x < 10_000 else f"{x:.1e}"


def cell(row: Row, name: str) -> str:
    e = row.endpoints.get(name, {})
    if "skipped" in e:
        return "n/a"
    if "rps" not in e or not row.bare.get("rps"):
        return "–"
    b = row.bare
    s = (f"{_ratio(e['rps'] / b['rps'])} / {_ratio(e['p50_ms'] / b['p50_ms'])} / "
         f"{_ratio(e['p99_ms'] / b['p99_ms'])}")
    if e.get("c1"):
        s += " c1"
    if e.get("errors"):
        s += f" E{e['errors']}"
    return s


COLUMNS = (["scale", "articles", "entities", "relations", "load rel/s (how)", "write_story rel/s at size",
            "ingest_path rel/s at size",
            "cold s", "RSS MB", "DB MB", "bare r/s, p50/p99 ms"] + ENDPOINTS
           + [f"Kùzu {q}" for q in KUZU_QUERIES] + ["missed goals"])


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for r in rows:
        ingest = f"{_n(r.ingest_rps)} ({r.loader})" + (" partial" if r.ingest_partial else "")
        bare = (f"{_n(r.bare['rps'])}, {r.bare['p50_ms']:.1f}/{r.bare['p99_ms']:.1f}" if r.bare else "–")
        cells = [f"{r.scale}" + (" (pg)" if r.backend == "postgresql" else ""), _n(r.articles), _n(r.entities),
                 _n(r.relations), ingest, _n(r.write_tail_rps), _n(r.path_tail_rps), _n(r.cold_s, 2), _n(r.rss_mb), _n(r.db_mb), bare]
        cells += [cell(r, e) for e in ENDPOINTS]
        cells += [_ratio(r.kuzu[q]["ratio"]) if q in r.kuzu else "–" for q in KUZU_QUERIES]
        cells.append(", ".join(r.missed) or "none")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


LEGEND = """\
load: relations/s storing the scale's articles (real: verify + write_story, --batch per transaction; bulk: verify +
Core inserts, a bench-only path to a large store). write_story / ingest_path at size: relations/s of the product's
paths for a few more articles once the scale is stored (ingest_path: the CLI's path, which reads the stored catalog).
Endpoint cells: requests/s ÷ bare, p50 ÷ bare p50, p99 ÷ bare p99 (bare = GET /bench/bare, same server, same run);
c1 = first answer over 1 s, so driven on one connection for a few requests; E = errors; n/a = not run at this size.
Kùzu cells: storygraph's in-process median time ÷ Kùzu's on the same graph (< 1: storygraph faster)."""


# --- main --------------------------------------------------------------------------------------------------------


def run_scale(scale: str, args: argparse.Namespace, deadline: float) -> Row:
    from graph.index import load_index

    row = Row(scale)
    db = Database(args.database_url, args.workdir, scale, keep=args.keep or args.reuse)
    row.backend = "postgresql" if db.pg else "sqlite"
    try:
        if args.reuse and db.existing:
            row.notes.append("database reused: ingestion not measured")
        else:
            db.create()
            if scale == "seed":
                ingest_seed(db.url, row)
            else:
                share = max(60.0, (deadline - time.perf_counter()) * 0.5)
                ingest_generated(db.url, int(scale), args, time.perf_counter() + share, row)
        p = probe(db.url)
        row.cold_s, row.probe_rss_mb = p["seconds"], p["rss_mb"]
        row.articles, row.entities, row.relations = p["articles"], p["nodes"], p["edges"]
        row.db_mb = db.size_mb()

        targets = Targets.of_database(db.url)
        paths = endpoint_paths(targets, random.Random(args.seed))
        remaining = max(30.0, deadline - time.perf_counter())
        with serve(db.url, log=args.workdir / f"server-{scale}.log") as srv:
            row.server_ready_s = srv.ready_seconds
            row.rss_mb = srv.rss_mb()
            drive_endpoints(srv.url, paths, concurrency=args.concurrency, duration=args.duration,
                            slow_requests=args.slow_requests, edges=targets.edges, row=row,
                            budget_end=time.perf_counter() + remaining * 0.7)
            row.notes.append(f"server peak RSS {srv.peak_rss_mb():.0f} MB; ready {srv.ready_seconds:.1f} s after spawn")
        if not args.no_kuzu:  # the index in this process only now, once the server is gone
            engine = make_engine(db.url)
            with Session(engine) as session:
                ix = load_index(session)
            engine.dispose()
            compare_kuzu(ix, args.workdir, random.Random(args.seed), row,
                         budget=min(args.kuzu_budget, max(10.0, deadline - time.perf_counter())))
            del ix
        judge(row)
        return row
    finally:
        db.drop()


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
    return (f"{os.cpu_count()} CPU ({cpu}), {mem:.0f} GB RAM, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="storygraph at scale: one table, a row per scale point.")
    p.add_argument("--scale", action="append", help="seed, 1000, 20000 or any article count (repeatable)")
    p.add_argument("--database-url", help="PostgreSQL server URL (a database per scale is created and dropped); "
                                          "default: SQLite files in --workdir")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "storygraph-bench")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    p.add_argument("--batch", type=int, default=100, help="articles per write transaction")
    p.add_argument("--loader", choices=("auto", "real", "bulk"), default="auto",
                   help="how the scale's articles are stored: real = verify + write_story in batches; bulk = verify + "
                        "Core inserts (bench only); auto = real up to 2,000 articles")
    p.add_argument("--tail", type=int, default=20, help="more articles through write_story once the scale is stored")
    p.add_argument("--tail-path", type=int, default=5,
                   help="more articles through graph.ingest.ingest_path (the CLI's path) after that")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--duration", type=float, default=5.0, help="seconds per endpoint")
    p.add_argument("--slow-requests", type=int, default=5, help="requests to a slow (c1) endpoint")
    p.add_argument("--kuzu-budget", type=float, default=120.0, help="seconds for the Kùzu comparison")
    p.add_argument("--no-kuzu", action="store_true")
    p.add_argument("--time-limit", type=float, default=3600.0, help="seconds for the whole run")
    p.add_argument("--keep", action="store_true", help="keep the databases")
    p.add_argument("--reuse", action="store_true", help="reuse a kept database (skips ingestion)")
    p.add_argument("--json", type=Path, help="also write every measurement here")
    args = p.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    scales = args.scale or ["seed", "1000"]
    for s in scales:
        if s != "seed" and not s.isdigit():
            p.error(f"--scale {s}: seed or an article count")
    start = time.perf_counter()
    rows = []
    for i, s in enumerate(scales):
        left = args.time_limit - (time.perf_counter() - start)
        deadline = time.perf_counter() + left / (len(scales) - i)
        print(f"[bench] scale {s} ...", file=sys.stderr, flush=True)
        rows.append(run_scale(s, args, deadline))
        print(f"[bench] scale {s} done in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    print(f"Machine: {machine()}; server pinned to CPU 0; {args.concurrency} connections, "
          f"{args.duration:g} s per endpoint; command: python -m bench.run "
          + " ".join(sys.argv[1:] if argv is None else argv))
    print()
    print(table(rows))
    print()
    print(LEGEND)
    for r in rows:
        for n in r.notes:
            print(f"- {r.scale}: {n}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()},
                                         "rows": [asdict(r) for r in rows]}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
