"""Liveness and a cheap read while 64 clients hammer the expensive endpoints (issue 10's goal).

    python -m bench.hostile                       # the 1,000-article store (bench.stores), 30 s
    python -m bench.hostile --scale 0 --duration 10   # the seed story only

The product runs in its own process on core 0 (its SPARQL children inherit the
core); wrk runs on core 1. ``--connections`` clients cycle through SPARQL
queries that only the time budget stops, path searches between random
entities and neighbourhood pictures of random entities (each a new layout);
meanwhile one wrk connection asks ``/healthz`` and another an entity, one
request after another. The same two probes run first on the idle server, so
the figures come as a ratio from one run (``../shared/notes/measuring-speed.md``).

The goal: ``/healthz`` p99 at most 50 ms under the hammer. The hammer's own
answers are counted by status: a 503 (``busy``, with ``Retry-After``) is the
gates refusing work past their queues, as designed; what matters is that the
probes are answered.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import threading
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

from . import wrk
from .server import serve
from .stores import build

GOAL_HEALTHZ_P99_MS = 50.0
# A cube of the store counted as it streams: only the time budget stops it.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def entities(url: str, n: int = 500) -> list[str]:
    with urllib.request.urlopen(f"{url}/v1/entities?limit={n}", timeout=30) as r:  # loopback
        return [e["id"] for e in json.load(r)["items"] if e["type"] != "claim"]


KINDS = ("sparql", "paths", "pictures")


def hammer_paths(ids: list[str], *, kinds: tuple[str, ...] = KINDS, count: int = 600, seed: int = 7) -> list[str]:
    """SPARQL, paths and pictures in turn; every picture and path a different one."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        a, b = rng.choice(ids), rng.choice(ids)
        kind = kinds[i % len(kinds)]
        if kind == "sparql":
            out.append("/v1/sparql?" + urlencode({"query": ENDLESS}))
        elif kind == "paths":
            out.append("/v1/paths?" + urlencode({"source": a, "target": b, "max_length": 6, "limit": 100}))
        else:
            out.append(f"/v1/entities/{quote(a, safe='')}/neighborhood.svg?depth=2")
    return out


def probe(url: str, path: str, duration: float) -> wrk.WrkResult:
    return wrk.run(url, [path], connections=1, duration=duration, cpu=1, timeout=30)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scale", type=int, default=1000, help="generated articles in the store (0: the seed story)")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--duration", type=float, default=30.0, help="seconds under the hammer")
    p.add_argument("--kinds", default=",".join(KINDS), help=f"what the hammer asks for, of {', '.join(KINDS)}")
    args = p.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="storygraph-hostile-"))
    try:
        if args.scale:
            database_url, env = f"sqlite:///{build(args.scale)}", {}
        else:
            database_url, env = f"sqlite:///{workdir / 'seed.db'}", {"STORYGRAPH_SEED_ON_EMPTY": "true"}
        with serve(database_url, env=env, cpu=0, log=workdir / "server.log") as srv:
            ids = entities(srv.url)
            cheap = f"/v1/entities/{quote(ids[0], safe='')}"
            idle = {name: probe(srv.url, path, 5) for name, path in (("healthz", "/healthz"), ("entity", cheap))}

            loaded: dict[str, wrk.WrkResult] = {}
            hammer: dict[str, wrk.WrkResult] = {}

            def run_probe(name: str, path: str) -> None:
                loaded[name] = probe(srv.url, path, args.duration - 4)

            def run_hammer() -> None:
                hammer["all"] = wrk.run(srv.url, hammer_paths(ids, kinds=tuple(args.kinds.split(","))),
                                        connections=args.connections, duration=args.duration, cpu=1, timeout=60,
                                        threads=2)

            threads = [threading.Thread(target=run_hammer)]
            threads += [threading.Thread(target=run_probe, args=(n, path))
                        for n, path in (("healthz", "/healthz"), ("entity", cheap))]
            threads[0].start()
            threading.Event().wait(2)  # the hammer is at full strength before the probes start
            for t in threads[1:]:
                t.start()
            for t in threads:
                t.join()
            rss = srv.rss_mb()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    h = hammer["all"]
    print(f"hostile: {args.connections} connections for {h.seconds:.0f} s on {args.kinds} (SPARQL: endless; paths: up "
          f"to 6 hops, 100 paths; pictures: neighbourhoods at depth 2); store: {args.scale or 'seed'} articles")
    print(f"hammer: {h.requests:,} answers, {h.error_kinds.get('status', 0):,} not 2xx (503 busy or 504 "
          f"timeout: refused by design), {h.error_kinds.get('timeout', 0)} client timeouts, "
          f"{sum(v for k, v in h.error_kinds.items() if k not in ('status', 'timeout'))} socket errors; "
          f"server RSS {rss:.0f} MiB")
    print()
    print("| probe | idle p50 ms | idle p99 ms | hammered p50 ms | hammered p99 ms | max ms | errors | p99 ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for name in ("healthz", "entity"):
        i, lo = idle[name], loaded[name]
        ratio = lo.p99_ms / i.p99_ms if i.p99_ms else float("nan")
        print(f"| {name} | {i.p50_ms:.1f} | {i.p99_ms:.1f} | {lo.p50_ms:.1f} | {lo.p99_ms:.1f} | {lo.max_ms:.0f} | "
              f"{lo.errors} | {ratio:.1f}x |")
    met = loaded["healthz"].p99_ms <= GOAL_HEALTHZ_P99_MS and loaded["healthz"].errors == 0
    print()
    print(f"goal /healthz p99 <= {GOAL_HEALTHZ_P99_MS:g} ms under the hammer: "
          f"{'MET' if met else 'MISSED'} ({loaded['healthz'].p99_ms:.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
