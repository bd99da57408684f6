"""Cold start in a fresh process: database -> graph ready (``graph.indexing.index.load_index``).

    python -m bench.probe DATABASE_URL     # prints one JSON object

Reports the seconds to build the index, the process's resident memory after
(VmRSS) and its peak (ru_maxrss), and the graph's size. A separate process,
so nothing the benchmark itself holds is counted.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def vmrss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    url = (argv or sys.argv[1:])[0]
    profile = "--profile" in (argv or sys.argv[1:])
    from sqlmodel import Session

    from graph.indexing.index import load_index
    from graph.storage.store import make_engine

    before = vmrss_mb()
    t0 = time.perf_counter()
    engine = make_engine(url)
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
    with Session(engine) as session:
        ix = load_index(session)
    seconds = time.perf_counter() - t0
    if profile:
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    print(json.dumps({"seconds": round(seconds, 3), "rss_mb": round(vmrss_mb(), 1),
                      "rss_before_mb": round(before, 1),
                      "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "nodes": ix.g.number_of_nodes(), "edges": ix.g.number_of_edges(),
                      "articles": len(ix.articles)}))
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
