"""The orders the lists page over answer as a scan of the whole graph would."""

from __future__ import annotations

import datetime as dt
import random

import networkx as nx
import pytest

from graph.dates import parse_edtf
from graph.indexing.orders import Orders


def _edtf(rng: random.Random) -> str | None:
    y, m, d = rng.randint(2018, 2025), rng.randint(1, 12), rng.randint(1, 28)
    kind = rng.randrange(7)
    if kind == 0:
        return None
    if kind == 1:
        return f"{y}"
    if kind == 2:
        return f"{y}-{m:02d}"
    if kind == 3:
        return f"{y}-{m:02d}-{d:02d}"
    if kind == 4:
        return f"{y}-{rng.randint(21, 24)}"
    if kind == 5:
        return f"../{y}-{m:02d}" if rng.random() < 0.5 else f"{y}-{m:02d}/.."
    return f"{y}-{m:02d}/{y + rng.randint(0, 4)}-{m:02d}"


@pytest.mark.parametrize("seed", range(5))
def test_events_in_a_window_are_those_a_scan_finds(seed):
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    for i in range(400):
        edtf = _edtf(rng)
        g.add_node(f"e{i:03d}", name=f"Event {i}", type="event", date={"edtf": edtf} if edtf else None)
    orders = Orders(g)
    for i in rng.sample(range(400), 100):  # some move, some go: the buckets follow
        node = f"e{i:03d}"
        if rng.random() < 0.3:
            g.remove_node(node)
        else:
            edtf = _edtf(rng)
            g.nodes[node]["date"] = {"edtf": edtf} if edtf else None
        orders.refresh(g, nodes=[node], relations={}, claims=[])
    for _ in range(60):
        a = dt.date(rng.randint(2017, 2026), rng.randint(1, 12), rng.randint(1, 28))
        b = a + dt.timedelta(days=rng.choice([0, 1, 30, 365, 2000]))
        start, end = rng.choice([(a, b), (None, b), (a, None)])
        scan = sorted(orders.events.key_of[n] for n, d in g.nodes(data=True)
                      if d["date"] and parse_edtf(d["date"]["edtf"]).overlaps(start, end))
        assert orders.events_in(start, end) == scan, (start, end)
