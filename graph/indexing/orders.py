"""Orders kept beside the graph, so that a list pages without building or sorting the whole of it.

The API lists entities by name, relations by id, claims by status and events
by date. Sorting a million relations per request, or deriving every claim's
status to count the disputed ones, is work over the whole graph per request;
these orders are computed once per index and moved forward with it
(:meth:`Orders.refresh`), so a page is a slice and a total is a length.

The long orders are ``sortedcontainers.SortedList``: an item goes in or out
in ``O(log n)``, where a plain list shifted a million pointers per insert (18
of the 25 ms a 50-relation write held the index at 20,000 articles). A
refresh that touches many items rebuilds an order instead.

>>> from graph.testing import seed_index
>>> o = seed_index().orders
>>> o.claims["disputed"]
['china-primary-source-of-precursors']
>>> o.relation_count("led")
1
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from typing import Any

import networkx as nx
from sortedcontainers import SortedList

from graph.dates import parse_edtf

REBUILD_PAST = 2000  # touched items past which a list is rebuilt rather than edited
SAYINGS = ("asserts", "denies")


def claim_status(asserted: set[str], denied: set[str]) -> str:
    """Derived, never stored: disputed when distinct agents assert and deny.

    >>> claim_status({"us"}, {"china"}), claim_status(set(), {"china"}), claim_status(set(), set())
    ('disputed', 'denied', 'unattributed')
    """
    if asserted and denied and (asserted | denied) != (asserted & denied):
        return "disputed"
    if denied and not asserted:
        return "denied"
    return "asserted" if asserted else "unattributed"


def claim_status_of(g: nx.MultiDiGraph, node: str) -> str:
    asserted, denied = set(), set()
    for u, _, p in g.in_edges(node, data="predicate"):
        if p == "asserts":
            asserted.add(u)
        elif p == "denies":
            denied.add(u)
    return claim_status(asserted, denied)


def _discard(items: list[Any] | SortedList, item: Any) -> None:
    """Take ``item`` out of the sorted list ``items``, if it is there."""
    if isinstance(items, SortedList):
        items.discard(item)
        return
    i = bisect.bisect_left(items, item)
    if i < len(items) and items[i] == item:
        del items[i]


def _span_bucket(date: Any) -> int:
    """The power of two that bounds a closed interval's length in days."""
    days: int = (date.latest - date.earliest).days
    return max(0, days).bit_length()


class SortedKeys:
    """A sorted list of keys (tuples ending in an id), with the key of each id."""

    def __init__(self, items: Iterable[tuple[str, tuple[Any, ...]]] = ()) -> None:
        self.key_of: dict[str, tuple[Any, ...]] = dict(items)
        self.keys: SortedList = SortedList(self.key_of.values())

    def __len__(self) -> int:
        return len(self.keys)

    def set(self, item: str, key: tuple[Any, ...] | None) -> None:
        """Put ``item`` at ``key``; None takes it out."""
        old = self.key_of.pop(item, None)
        if old is not None:
            self.keys.discard(old)
        if key is not None:
            self.key_of[item] = key
            self.keys.add(key)

    def update(self, changed: dict[str, tuple[Any, ...] | None]) -> None:
        if len(changed) <= REBUILD_PAST:
            for item, key in changed.items():
                self.set(item, key)
            return
        for item, key in changed.items():
            if key is None:
                self.key_of.pop(item, None)
            else:
                self.key_of[item] = key
        self.keys = SortedList(self.key_of.values())

    def ids(self) -> list[str]:
        return [k[-1] for k in self.keys]


def _name_key(node: str, d: dict[str, Any]) -> tuple[Any, ...]:
    return (d["name"].casefold(), node)


def _event_key(node: str, d: dict[str, Any]) -> tuple[Any, ...]:
    """Dated events by (earliest, latest, id); undated ones after every dated one, by id."""
    date = d.get("date")
    if not date:
        return (1, dt.date.max, dt.date.max, node)
    first, last = parse_edtf(date["edtf"]).sort_key
    return (0, first, last, node)


class Orders:
    """Entities by name (all, and per type), relations by id (all, and per predicate), claims by status,
    events by date."""

    def __init__(self, g: nx.MultiDiGraph) -> None:
        self.names = SortedKeys((n, _name_key(n, d)) for n, d in g.nodes(data=True))
        self.types: dict[str, SortedKeys] = {}
        by_type: dict[str, list[Any]] = {}
        for n, d in g.nodes(data=True):
            by_type.setdefault(d["type"], []).append((n, _name_key(n, d)))
        self.types = {t: SortedKeys(items) for t, items in by_type.items()}
        self.events = SortedKeys((n, _event_key(n, d)) for n, d in g.nodes(data=True) if d["type"] == "event")
        # Relations by id, as (id, subject, object): a page of relations finds each edge from its key.
        self.relations = SortedKeys()
        key_of = self.relations.key_of
        predicate_of = {}
        for u, v, rid, p in g.edges(keys=True, data="predicate"):
            key_of[rid], predicate_of[rid] = (rid, u, v), p
        by_pred: dict[str, list[Any]] = {}
        keys = []
        for rid in sorted(key_of):  # ids sort faster than keys, and every list below is built in order
            keys.append(key_of[rid])
            by_pred.setdefault(predicate_of[rid], []).append(key_of[rid])
        self.relations.keys = SortedList(keys)
        self.predicates: dict[str, SortedList] = {p: SortedList(ks) for p, ks in by_pred.items()}
        self.events_open: set[str] = set()  # dated events open at one end: no bound to bisect on
        self.event_dates: dict[str, Any] = {}  # event -> its parsed date
        # Closed event intervals by span, in powers of two (bucket k: at most 2**k days), each by first day:
        # a window finds the events of bucket k among those starting 2**k days before it at the most.
        self.event_spans: dict[int, SortedList] = {}
        for n, d in g.nodes(data=True):
            if d["type"] == "event":
                self._date_event(n, d)
        self.claim_status: dict[str, str] = {n: claim_status_of(g, n) for n, t in g.nodes(data="type") if t == "claim"}
        self.claims: dict[str, list[str]] = {}
        self._sort_claims()

    def _sort_claims(self) -> None:
        by: dict[str, list[str]] = {}
        for n, s in self.claim_status.items():
            by.setdefault(s, []).append(n)
        self.claims = {s: sorted(ids) for s, ids in by.items()}
        self.claim_ids = sorted(self.claim_status)

    def relation_count(self, predicate: str) -> int:
        return len(self.predicates.get(predicate, ()))

    def _date_event(self, node: str, d: dict[str, Any] | None) -> None:
        self.events_open.discard(node)
        old = self.event_dates.pop(node, None)
        if old is not None and old.earliest is not None and old.latest is not None:
            self.event_spans[_span_bucket(old)].discard((old.earliest, old.latest, node))
        date = (d or {}).get("date")
        if not date:
            return
        parsed = parse_edtf(date["edtf"])
        self.event_dates[node] = parsed
        if parsed.earliest is None or parsed.latest is None:
            self.events_open.add(node)
        else:
            self.event_spans.setdefault(_span_bucket(parsed), SortedList()).add((parsed.earliest, parsed.latest, node))

    def events_in(self, start: dt.date | None, end: dt.date | None) -> list[tuple[Any, ...]]:
        """The keys of dated events whose interval overlaps [start, end], in timeline order.

        Each span bucket is cut by bisection on the first day: from ``start``
        less the bucket's longest span to ``end``; open intervals come from
        their own short list. What is read is about what overlaps, not the
        whole timeline.
        """
        found = []
        for k, items in self.event_spans.items():
            try:
                lo = 0 if start is None else items.bisect_left((start - dt.timedelta(days=2 ** k),))
            except OverflowError:  # a window starting in year 1
                lo = 0
            hi = len(items) if end is None else items.bisect_right((end, dt.date.max))
            found += [self.events.key_of[n] for first, last, n in items.islice(lo, hi)
                      if (start is None or last >= start)]
        found += [self.events.key_of[n] for n in self.events_open if self.event_dates[n].overlaps(start, end)]
        found.sort()
        return found

    def refresh(self, g: nx.MultiDiGraph, *, nodes: Iterable[str],
                relations: dict[str, tuple[str | None, str | None, str | None]], claims: Iterable[str]) -> None:
        """Move the orders to ``g`` after these nodes and relations changed.

        ``relations`` maps each touched relation id to (its predicate before, its
        subject and object now, or Nones if it is gone); ``claims`` are the claims
        whose sayings may have changed.
        """
        nodes = set(nodes)
        old_types = {n: self._type_of(n) for n in nodes}
        self.names.update({n: _name_key(n, g.nodes[n]) if n in g else None for n in nodes})
        for t in {t for t in old_types.values() if t} | {g.nodes[n]["type"] for n in nodes if n in g}:
            self.types.setdefault(t, SortedKeys()).update(
                {n: _name_key(n, g.nodes[n]) if n in g and g.nodes[n]["type"] == t else None
                 for n in nodes if old_types[n] == t or (n in g and g.nodes[n]["type"] == t)})
        self.events.update({n: _event_key(n, g.nodes[n]) if n in g and g.nodes[n]["type"] == "event" else None
                            for n in nodes})
        for n in nodes:
            self._date_event(n, g.nodes[n] if n in g and g.nodes[n]["type"] == "event" else None)
        for rid, (old_pred, _, _) in relations.items():  # out of their predicate's list, with their old key
            key = self.relations.key_of.get(rid)
            if key is not None and old_pred is not None:
                _discard(self.predicates.get(old_pred, []), key)
        self.relations.update({rid: (rid, u, v) if u is not None else None for rid, (_, u, v) in relations.items()})
        for rid, (_, u, v) in relations.items():
            if u is not None:
                self.predicates.setdefault(g._succ[u][v][rid]["predicate"], SortedList()).add((rid, u, v))
        for n in set(claims) | nodes:
            old = self.claim_status.pop(n, None)
            if old is not None:
                _discard(self.claims[old], n)
                _discard(self.claim_ids, n)
            if n in g and g.nodes[n]["type"] == "claim":
                status = self.claim_status[n] = claim_status_of(g, n)
                bisect.insort(self.claims.setdefault(status, []), n)
                bisect.insort(self.claim_ids, n)

    def _type_of(self, node: str) -> str | None:
        for t, keys in self.types.items():
            if node in keys.key_of:
                return t
        return None
