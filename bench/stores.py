"""Bench stores built once and reused: the scale's articles in a SQLite file outside the repo.

Building the 20,000-article store takes tens of minutes (every article goes through the real
verifier), so it is built once under a work directory (default ``/tmp/bench``) and reused by
every later run; the next articles of the same generator stream (``generate(n + extra)``) are
the "new" articles the ingest and write measurements add, so they refer to stored entities as
a newsroom's next day would.

    python -m bench.stores 1000 20000          # build what is missing, print what exists
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .generate import DEFAULT_SEED, generate

WORKDIR = Path("/tmp/bench")


def store_path(scale: int, workdir: Path = WORKDIR, seed: int = DEFAULT_SEED) -> Path:
    return workdir / f"store-{scale}-seed{seed}.db"


def _upgrade(path: Path) -> None:
    from graph.storage.schema import current, head, upgrade
    from graph.storage.store import make_engine

    engine = make_engine(f"sqlite:///{path}")
    try:
        if current(engine) != head():
            upgrade(engine)
    finally:
        engine.dispose()


def build(scale: int, workdir: Path = WORKDIR, seed: int = DEFAULT_SEED, *, log=sys.stderr) -> Path:
    """The store of ``scale`` generated articles, built with :func:`bench.ingest.bulk_load` if missing.

    Built under a temporary name and renamed when complete, so a half-built file is never reused.
    """
    from graph.storage.store import create_schema, make_engine

    from .ingest import bulk_load

    path = store_path(scale, workdir, seed)
    if path.exists():
        _upgrade(path)  # a store kept from an older schema: migrate it, as `storygraph db upgrade` would
        return path
    workdir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{tmp}")
    create_schema(engine)
    t0 = time.perf_counter()
    t = bulk_load(engine, generate(scale, seed=seed), batch=500)
    with engine.connect() as conn:  # fold the WAL into the file before it is renamed
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    tmp.rename(path)
    print(f"[stores] {scale} articles, {t.relations:,} relations in {time.perf_counter() - t0:.0f} s "
          f"(verify {t.verify_s:.0f} s) -> {path}", file=log, flush=True)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Build the bench's SQLite stores once (outside the repo).")
    p.add_argument("scales", nargs="+", type=int)
    p.add_argument("--workdir", type=Path, default=WORKDIR)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = p.parse_args(argv)
    for n in args.scales:
        print(build(n, args.workdir, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
