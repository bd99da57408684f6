"""Read queries over the graph index. Pure functions: no I/O, no commits.

Entity references (``ref``) are ids, canonical names or aliases, resolved by
:meth:`graph.indexing.names.NameIndex.resolve`.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal, get_args

from graph.algorithms.paging import LazyList, View
from graph.dates import parse_edtf, parse_partial_date
from graph.errors import InvalidParameter, NotFound
from graph.indexing.index import GraphIndex
from graph.indexing.orders import SAYINGS
from graph.indexing.orders import claim_status as _status
from graph.vocabulary import PREDICATES

DIRECTIONS = ("out", "in", "both")


def entity(ix: GraphIndex, node: str) -> dict[str, Any]:
    """One entity as the API shows it.

    Examples
    --------
    >>> from graph.testing import seed_index
    >>> entity(seed_index(), "jen-daskal")["name"]
    'Jen Daskal'
    """
    d = ix.g.nodes[node]
    return {
        "id": node, "name": d["name"], "type": d["type"], "aliases": list(d["aliases"]),
        "description": d["description"], "attributes": d["attributes"], "date": d.get("date"),
        "modality": d.get("modality"), "evidence": d["evidence"], "degree": degree(ix, node),
    }


def degree(ix: GraphIndex, node: str) -> int:
    """Relations in and out, self-loops twice (as ``g.degree``), counted in C rather than through its views:
    a hub's degree view read every neighbour in Python, most of a hub's neighbourhood answer."""
    g = ix.g
    return sum(map(len, g._succ[node].values())) + sum(map(len, g._pred[node].values()))


def _qualifiers(ix: GraphIndex, q: dict[str, Any]) -> dict[str, Any]:
    out = dict(q)
    for key in ("place", "source"):
        if key in out:
            out[key] = ix.names.ref(out[key])
    return out


def relation(ix: GraphIndex, u: str, v: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": data["id"], "subject": ix.names.ref(u), "predicate": data["predicate"], "object": ix.names.ref(v),
        "qualifiers": _qualifiers(ix, data["qualifiers"]), "modality": data["modality"],
        "evidence": data["evidence"],
    }


def _check_predicate(predicate: str | None, parameter: str = "predicate") -> None:
    if predicate is not None and predicate not in PREDICATES:
        raise InvalidParameter(parameter, f"'{predicate}' is not a predicate of the vocabulary")


def _bound(value: str | None, parameter: str, *, end: bool) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_partial_date(value, end=end)
    except ValueError as exc:
        raise InvalidParameter(parameter, str(exc)) from None


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A ``from``/``to`` filter: dated items are kept when their interval overlaps it.

    ``include_undated`` says whether items without a date are kept; left as
    ``None`` it is true when the window is unbounded (no ``from``, no ``to``)
    and false when it is bounded, on every list that takes a window.

    Examples
    --------
    >>> w = TimeWindow.parse("2023-11-15", None)
    >>> w.keeps({"edtf": "2023-11"}), w.keeps({"edtf": "2023-10"}), w.keeps(None)
    (True, False, False)
    >>> TimeWindow.parse(None, None).keeps(None)
    True
    """

    start: dt.date | None = None
    end: dt.date | None = None
    include_undated: bool = True

    @classmethod
    def parse(cls, start: str | None, end: str | None, include_undated: bool | None = None) -> TimeWindow:
        """From the parameters ``from`` and ``to`` (ISO dates or partial dates); 422s name them."""
        lo, hi = _bound(start, "from", end=False), _bound(end, "to", end=True)
        if lo and hi and lo > hi:
            raise InvalidParameter("to", f"'{end}' is before from='{start}'")
        if include_undated is None:
            include_undated = lo is None and hi is None
        return cls(lo, hi, include_undated)

    @property
    def bounded(self) -> bool:
        return self.start is not None or self.end is not None

    def keeps(self, date: dict[str, Any] | None) -> bool:
        """Whether an item dated ``date`` (a stored date dict with ``edtf``, or None) passes."""
        if not date:
            return self.include_undated
        return parse_edtf(date["edtf"]).overlaps(self.start, self.end)


ALL_TIME = TimeWindow()


def relation_time(data: dict[str, Any]) -> dict[str, Any] | None:
    """A relation's date: its ``time`` qualifier (a stored date dict), or None."""
    return (data.get("qualifiers") or {}).get("time") or None


def relations_of(ix: GraphIndex, node: str, *, direction: str = "both", predicate: str | None = None,
                 window: TimeWindow = ALL_TIME) -> LazyList[dict[str, Any]]:
    """An entity's relations, outgoing, incoming or both, optionally of one predicate and in a time window.

    By (predicate, id); only the page taken is built. A relation's time is its
    ``time`` qualifier (see :class:`TimeWindow`).

    >>> from graph.testing import seed_index
    >>> ix = seed_index()
    >>> [r["object"]["id"] for r in relations_of(ix, "jen-daskal", direction="out", predicate="led")]
    ['us-delegation']
    """
    if direction not in DIRECTIONS:
        raise InvalidParameter("direction", f"'{direction}' is not one of {', '.join(DIRECTIONS)}")
    _check_predicate(predicate)
    keys: Sequence[tuple[Any, ...]] = _relation_keys(ix, node, direction)
    if predicate is not None:  # keys start with the predicate: its run is found by bisection
        keys = View(keys, bisect.bisect_left(keys, (predicate,)), bisect.bisect_left(keys, (predicate + "\0",)))
    if window != ALL_TIME:
        keys = [k for k in keys if window.keeps(relation_time(ix.g._succ[k[2]][k[3]][k[1]]))]
    return LazyList(keys, lambda k: relation(ix, k[2], k[3], ix.g._succ[k[2]][k[3]][k[1]]))


HUB_RELATIONS = 256  # relations past which an entity's sorted list is kept (GraphIndex.memo) until it changes


def _relation_keys(ix: GraphIndex, node: str, direction: str) -> list[tuple[Any, ...]]:
    """``(predicate, id, subject, object)`` of every relation of ``node`` in ``direction``, sorted.

    A hub's list (tens of thousands at 20,000 articles) is kept per index and
    dropped when a revision touches the hub (:meth:`GraphIndex.apply`).
    """
    memo_key = ("relations", node, direction)
    kept: list[tuple[Any, ...]] | None = ix.memo.get(memo_key)
    if kept is not None:
        return kept
    g = ix.g
    keys = []
    if direction in ("out", "both"):
        keys += [(d["predicate"], rid, node, v) for v, kd in g._succ[node].items() for rid, d in kd.items()]
    if direction in ("in", "both"):
        keys += [(d["predicate"], rid, u, node) for u, kd in g._pred[node].items()
                 if not (direction == "both" and u == node) for rid, d in kd.items()]
    keys.sort()
    if len(keys) >= HUB_RELATIONS:
        ix.remember(memo_key, keys)
    return keys


def _edge(ix: GraphIndex, key: tuple[Any, ...]) -> dict[str, Any]:
    """The relation of an order's key ``(id, subject, object)``."""
    rid, u, v = key
    return relation(ix, u, v, ix.g._succ[u][v][rid])


def match_relations(ix: GraphIndex, *, subject: str | None = None, predicate: str | None = None,
                    object: str | None = None, window: TimeWindow = ALL_TIME) -> LazyList[dict[str, Any]]:
    """Triple-pattern query, by relation id; any part may be None. ``window`` filters by the ``time`` qualifier.

    With neither subject nor object, the page comes straight from the index's
    order of relations (all of them, or one predicate's); a bounded window
    then looks at every relation of that order.

    >>> from graph.testing import seed_index
    >>> ix = seed_index()
    >>> [r["subject"]["id"]
    ...  for r in match_relations(ix, predicate="denies", object="china-primary-source-of-precursors")]
    ['china']
    """
    _check_predicate(predicate)
    g = ix.g
    found: Sequence[Any]
    end = subject if object is None else object if subject is None else None  # exactly one end given, or None
    if end is not None and predicate is not None:
        # One end and the predicate: the end's memoised list, whose run for a predicate is in id order.
        keys = _relation_keys(ix, end, "out" if object is None else "in")
        run = View(keys, bisect.bisect_left(keys, (predicate,)), bisect.bisect_left(keys, (predicate + "\0",)))
        found = LazyList(run, lambda k: k[1:])
    elif subject is not None or object is not None:
        if subject is not None:
            ends = [(rid, subject, v) for v, kd in g._succ[subject].items() if object is None or v == object
                    for rid, d in kd.items() if predicate is None or d["predicate"] == predicate]
        else:
            ends = [(rid, u, object) for u, kd in g._pred[object].items()
                    for rid, d in kd.items() if predicate is None or d["predicate"] == predicate]
        found = sorted(ends)
    else:
        found = ix.orders.predicates.get(predicate, []) if predicate is not None else ix.orders.relations.keys
    if window is not ALL_TIME and window != ALL_TIME:
        found = [k for k in found if window.keeps(relation_time(g._succ[k[1]][k[2]][k[0]]))]
    return LazyList(found, lambda k: _edge(ix, k))


def neighborhood(ix: GraphIndex, node: str, *, depth: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Entities within ``depth`` hops (either direction) and the relations among them, as the API shows them.

    The selection is :func:`graph.readwrite.exports.neighborhood_graph`'s (one builder for
    the JSON, the exports and the picture): nearest first, then by id, at most
    :data:`graph.algorithms.pathfind.BALL_MAX_NODES` entities (the centre included) and
    :data:`graph.algorithms.pathfind.BALL_MAX_RELATIONS` relations, so a hub's
    neighbourhood is cut there, and :func:`graph.algorithms.pathfind.neighbourhood` says
    whether it was. Relations come by id.

    >>> from graph.testing import seed_index
    >>> nodes, edges = neighborhood(seed_index(), "wang-xiaohong")
    >>> [n["id"] for n in nodes][0], len(nodes), len(edges) >= 3
    ('wang-xiaohong', 4, True)
    """
    from graph.readwrite.exports import neighborhood_graph

    h = neighborhood_graph(ix, node, depth=depth)
    nodes = [entity(ix, n) for n in h]
    edges = sorted((relation(ix, u, v, d) for u, v, d in h.edges(data=True)), key=lambda r: r["id"])
    return nodes, edges


def paths(ix: GraphIndex, source: str, target: str, *, max_length: int = 4, limit: int = 10) -> list[dict[str, Any]]:
    """Shortest connections first, ignoring direction; each hop with every relation behind it.

    Paths of equal length come in lexicographic order of their entity ids from
    the source (:func:`graph.algorithms.pathfind.simple_paths`).

    >>> from graph.testing import seed_index
    >>> ix = seed_index()
    >>> p = paths(ix, "jen-daskal", "xi-jinping")[0]
    >>> p["nodes"][0]["id"], p["nodes"][-1]["id"]
    ('jen-daskal', 'xi-jinping')
    """
    from graph.algorithms.pathfind import simple_paths

    if not 1 <= max_length <= 8:
        raise InvalidParameter("max_length", "must be between 1 and 8")
    if not 1 <= limit <= 100:
        raise InvalidParameter("limit", "must be between 1 and 100")
    out = []
    for hops in simple_paths(ix.g, source, target, max_length=max_length, limit=limit):
        rels = []
        for a, b in pairwise(hops):
            between = [relation(ix, a, b, d) for d in ix.g.get_edge_data(a, b, default={}).values()]
            between += [relation(ix, b, a, d) for d in ix.g.get_edge_data(b, a, default={}).values()]
            rels.append(sorted(between, key=lambda r: r["id"]))
        out.append({"nodes": [ix.names.ref(n) for n in hops], "relations": rels, "length": len(hops) - 1})
    return out


def claim_status(asserted_by: list[Any], denied_by: list[Any]) -> str:
    """Derived, never stored: disputed when distinct agents assert and deny (entity refs with ``id``)."""
    return _status({r["id"] for r in asserted_by}, {r["id"] for r in denied_by})


# A claim's derived status (also the `status` filter of /v1/claims).
ClaimStatus = Literal["disputed", "asserted", "denied", "unattributed"]
CLAIM_STATUSES: tuple[ClaimStatus, ...] = get_args(ClaimStatus)


def claim(ix: GraphIndex, node: str) -> dict[str, Any]:
    d = ix.g.nodes[node]
    about: list[dict[str, Any]] = []
    asserted: list[dict[str, Any]] = []
    denied: list[dict[str, Any]] = []
    attributions: list[dict[str, Any]] = []
    for _, v, e in ix.g.out_edges(node, data=True):
        if e["predicate"] == "about":
            about.append(ix.names.ref(v))
    for u, _, e in ix.g.in_edges(node, data=True):
        if e["predicate"] in ("asserts", "denies"):
            (asserted if e["predicate"] == "asserts" else denied).append(ix.names.ref(u))
            attributions.append(relation(ix, u, node, e))
    return {
        "id": node, "text": d["name"], "about": about, "asserted_by": asserted, "denied_by": denied,
        "status": claim_status(asserted, denied), "evidence": d["evidence"], "attributions": attributions,
    }


def claim_kept(c: dict[str, Any], window: TimeWindow) -> bool:
    """Whether a claim passes a time window: a claim's times are those of its sayings.

    Its ``asserts``/``denies`` relations (``attributions``) are dated by their
    ``time`` qualifier (when it was said); the claim is kept when one of them
    is. An undated saying, or a claim nobody is said to assert or deny, counts
    as undated.
    """
    sayings = c["attributions"] or [{"qualifiers": {}}]
    return any(window.keeps(a["qualifiers"].get("time")) for a in sayings)


def _claim_times(ix: GraphIndex, node: str) -> list[dict[str, Any] | None]:
    """When a claim was said: the ``time`` of each asserts/denies relation (None: undated); [None] if none."""
    times = [relation_time(d) for kd in ix.g._pred[node].values() for d in kd.values()
             if d["predicate"] in SAYINGS]
    return times or [None]


def claims(ix: GraphIndex, *, about: str | None = None, status: str | None = None,
           window: TimeWindow = ALL_TIME) -> LazyList[dict[str, Any]]:
    """Claims with who asserts and who denies them, optionally when it was said (:func:`claim_kept`).

    By id, from the index's claims by status; only the page taken is built.

    >>> from graph.testing import seed_index
    >>> c = claims(seed_index(), status="disputed")[0]
    >>> c["id"], [a["id"] for a in c["denied_by"]]
    ('china-primary-source-of-precursors', ['china'])
    """
    if status is not None and status not in CLAIM_STATUSES:
        raise InvalidParameter("status", f"'{status}' is not one of {', '.join(CLAIM_STATUSES)}")
    orders = ix.orders
    if about is not None:
        ids = sorted({u for u, kd in ix.g._pred[about].items() for d in kd.values()
                      if d["predicate"] == "about" and u in orders.claim_status})
        if status is not None:
            ids = [n for n in ids if orders.claim_status[n] == status]
    else:
        ids = orders.claims.get(status, []) if status is not None else orders.claim_ids
    if window != ALL_TIME:
        ids = [n for n in ids if any(window.keeps(t) for t in _claim_times(ix, n))]
    return LazyList(ids, lambda n: claim(ix, n))


def events(ix: GraphIndex, *, start: str | None = None, end: str | None = None,
           include_undated: bool | None = None) -> LazyList[dict[str, Any]]:
    """The timeline: events in date order, filtered by interval overlap.

    ``start``/``end`` are ISO dates or partial dates (``2023``, ``2023-11``).
    An event dated ``2023-11`` overlaps ``start=2023-11-15``. Undated events
    come last; ``include_undated`` defaults to true without a window and to
    false with one (:class:`TimeWindow`). Paged over the index's timeline.

    >>> from graph.testing import seed_index
    >>> [e["id"] for e in events(seed_index(), start="2023-11-15", end="2023-11-20")]
    ['san-francisco-summit', 'beijing-talks', 'china-concrete-steps']
    """
    window = TimeWindow.parse(start, end, include_undated)
    timeline = ix.orders.events
    undated = timeline.keys.bisect_left((1,))  # where the undated events start
    if not window.bounded:
        keys: Sequence[Any] = timeline.keys if window.include_undated else View(timeline.keys, 0, undated)
    else:
        keys = ix.orders.events_in(window.start, window.end)
        if window.include_undated:
            keys = keys + timeline.keys[undated:]
    return LazyList(keys, lambda k: _event(ix, k[-1]))


def _event(ix: GraphIndex, node: str) -> dict[str, Any]:
    d = ix.g.nodes[node]
    participants = sorted((ix.names.ref(u) for u, _, p in ix.g.in_edges(node, data="predicate")
                           if p in ("participated_in", "carried_out")), key=lambda r: r["id"])
    participants = list({r["id"]: r for r in participants}.values())
    places = [ix.names.ref(v) for _, v, p in ix.g.out_edges(node, data="predicate") if p == "took_place_in"]
    date = d.get("date")
    return {
        "id": node, "name": d["name"], "date": date["edtf"] if date else None,
        "precision": date["precision"] if date else None, "date_text": date["text"] if date else None,
        "earliest": date["earliest"] if date else None, "latest": date["latest"] if date else None,
        "modality": d.get("modality") or "asserted", "participants": participants,
        "place": places[0] if places else None, "evidence": d["evidence"],
    }


def predicates(ix: GraphIndex) -> list[dict[str, Any]]:
    return [{"name": p.name, "meaning": p.meaning, "domain": sorted(p.domain), "range": sorted(p.range),
             "count": ix.orders.relation_count(p.name)} for p in PREDICATES.values()]


def article(ix: GraphIndex, article_id: str) -> dict[str, Any]:
    if article_id not in ix.articles:
        raise NotFound("article", article_id)
    return ix.articles[article_id] | {"text": ix.texts[article_id]}
