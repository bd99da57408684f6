"""Read queries over the graph index. Pure functions: no I/O, no commits.

Entity references (``ref``) are ids, canonical names or aliases, resolved by
:meth:`graph.names.NameIndex.resolve`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterable

import networkx as nx

from .dates import parse_edtf, parse_partial_date
from .errors import InvalidParameter, NotFound
from .index import GraphIndex
from .vocabulary import PREDICATES

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
        "modality": d.get("modality"), "evidence": d["evidence"], "degree": ix.g.degree(node),
    }


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
        raise InvalidParameter(parameter, f"'{predicate}' is not a predicate; see GET /v1/predicates")


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
    def parse(cls, start: str | None, end: str | None, include_undated: bool | None = None) -> "TimeWindow":
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
                 window: TimeWindow = ALL_TIME) -> list[dict]:
    """An entity's relations, outgoing, incoming or both, optionally of one predicate and in a time window.

    A relation's time is its ``time`` qualifier (see :class:`TimeWindow`).

    >>> from graph.testing import seed_index
    >>> ix = seed_index()
    >>> [r["object"]["id"] for r in relations_of(ix, "jen-daskal", direction="out", predicate="led")]
    ['us-delegation']
    """
    if direction not in DIRECTIONS:
        raise InvalidParameter("direction", f"'{direction}' is not one of {', '.join(DIRECTIONS)}")
    _check_predicate(predicate)
    edges: list[tuple] = []
    if direction in ("out", "both"):
        edges += ix.g.out_edges(node, data=True)
    if direction in ("in", "both"):
        edges += [e for e in ix.g.in_edges(node, data=True) if not (direction == "both" and e[0] == e[1])]
    found = [relation(ix, u, v, d) for u, v, d in edges
             if (predicate is None or d["predicate"] == predicate) and window.keeps(relation_time(d))]
    return sorted(found, key=lambda r: (r["predicate"], r["id"]))


def match_relations(ix: GraphIndex, *, subject: str | None = None, predicate: str | None = None,
                    object: str | None = None, window: TimeWindow = ALL_TIME) -> list[dict]:
    """Triple-pattern query; any part may be None. ``window`` filters by the ``time`` qualifier.

    >>> from graph.testing import seed_index
    >>> ix = seed_index()
    >>> [r["subject"]["id"] for r in match_relations(ix, predicate="denies", object="china-primary-source-of-precursors")]
    ['china']
    """
    _check_predicate(predicate)
    if subject is not None:
        edges: Iterable = ix.g.out_edges(subject, data=True)
    elif object is not None:
        edges = ix.g.in_edges(object, data=True)
    else:
        edges = ix.g.edges(data=True)
    out = [relation(ix, u, v, d) for u, v, d in edges
           if (object is None or v == object) and (predicate is None or d["predicate"] == predicate)
           and window.keeps(relation_time(d))]
    return sorted(out, key=lambda r: r["id"])


def neighborhood(ix: GraphIndex, node: str, *, depth: int = 1) -> tuple[list[dict], list[dict]]:
    """Entities within ``depth`` hops (either direction) and the relations among them."""
    if not 1 <= depth <= 3:
        raise InvalidParameter("depth", "must be 1, 2 or 3")
    reach = nx.single_source_shortest_path_length(ix.g.to_undirected(as_view=True), node, cutoff=depth)
    sub = ix.g.subgraph(reach)
    nodes = [entity(ix, n) for n in sorted(sub, key=lambda n: (reach[n], n))]
    edges = sorted((relation(ix, u, v, d) for u, v, d in sub.edges(data=True)), key=lambda r: r["id"])
    return nodes, edges


def paths(ix: GraphIndex, source: str, target: str, *, max_length: int = 4, limit: int = 10) -> list[dict]:
    """Shortest connections first, ignoring direction; each hop with every relation behind it.

    >>> from graph.testing import seed_index
    >>> ix = seed_index()
    >>> p = paths(ix, "jen-daskal", "xi-jinping")[0]
    >>> p["nodes"][0]["id"], p["nodes"][-1]["id"]
    ('jen-daskal', 'xi-jinping')
    """
    if not 1 <= max_length <= 8:
        raise InvalidParameter("max_length", "must be between 1 and 8")
    if not 1 <= limit <= 100:
        raise InvalidParameter("limit", "must be between 1 and 100")
    if source == target:
        return [{"nodes": [ix.names.ref(source)], "relations": [], "length": 0}]
    simple = ix.undirected
    out = []
    try:
        for hops in islice(nx.shortest_simple_paths(simple, source, target), limit):
            if len(hops) - 1 > max_length:
                break
            rels = []
            for a, b in zip(hops, hops[1:]):
                between = [relation(ix, a, b, d) for d in ix.g.get_edge_data(a, b, default={}).values()]
                between += [relation(ix, b, a, d) for d in ix.g.get_edge_data(b, a, default={}).values()]
                rels.append(sorted(between, key=lambda r: r["id"]))
            out.append({"nodes": [ix.names.ref(n) for n in hops], "relations": rels, "length": len(hops) - 1})
    except nx.NetworkXNoPath:
        pass
    return out


def claim_status(asserted_by: list, denied_by: list) -> str:
    """Derived, never stored: disputed when distinct agents assert and deny."""
    a, d = {r["id"] for r in asserted_by}, {r["id"] for r in denied_by}
    if a and d and (a | d) != (a & d):
        return "disputed"
    if d and not a:
        return "denied"
    return "asserted" if a else "unattributed"


CLAIM_STATUSES = ("disputed", "asserted", "denied", "unattributed")


def claim(ix: GraphIndex, node: str) -> dict[str, Any]:
    d = ix.g.nodes[node]
    about, asserted, denied, attributions = [], [], [], []
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


def claims(ix: GraphIndex, *, about: str | None = None, status: str | None = None,
           window: TimeWindow = ALL_TIME) -> list[dict]:
    """Claims with who asserts and who denies them, optionally when it was said (:func:`claim_kept`).

    >>> from graph.testing import seed_index
    >>> c = claims(seed_index(), status="disputed")[0]
    >>> c["id"], [a["id"] for a in c["denied_by"]]
    ('china-primary-source-of-precursors', ['china'])
    """
    if status is not None and status not in CLAIM_STATUSES:
        raise InvalidParameter("status", f"'{status}' is not one of {', '.join(CLAIM_STATUSES)}")
    nodes = [n for n, t in ix.g.nodes(data="type") if t == "claim"]
    out = [claim(ix, n) for n in sorted(nodes)]
    if about is not None:
        out = [c for c in out if any(r["id"] == about for r in c["about"])]
    if status is not None:
        out = [c for c in out if c["status"] == status]
    return [c for c in out if claim_kept(c, window)]


def events(ix: GraphIndex, *, start: str | None = None, end: str | None = None,
           include_undated: bool | None = None) -> list[dict]:
    """The timeline: events in date order, filtered by interval overlap.

    ``start``/``end`` are ISO dates or partial dates (``2023``, ``2023-11``).
    An event dated ``2023-11`` overlaps ``start=2023-11-15``. Undated events
    come last; ``include_undated`` defaults to true without a window and to
    false with one (:class:`TimeWindow`).

    >>> from graph.testing import seed_index
    >>> [e["id"] for e in events(seed_index(), start="2023-11-15", end="2023-11-20")]
    ['san-francisco-summit', 'beijing-talks']
    """
    window = TimeWindow.parse(start, end, include_undated)
    lo, hi = window.start, window.end
    dated, undated = [], []
    for node, d in ix.g.nodes(data=True):
        if d["type"] != "event":
            continue
        item = _event(ix, node)
        if d.get("date") is None:
            undated.append(item)
            continue
        parsed = parse_edtf(d["date"]["edtf"])
        if parsed.overlaps(lo, hi):
            dated.append((parsed.sort_key, node, item))
    dated.sort(key=lambda t: (t[0], t[1]))
    return [i for _, _, i in dated] + (sorted(undated, key=lambda i: i["id"]) if window.include_undated else [])


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


def predicates(ix: GraphIndex) -> list[dict]:
    counts: dict[str, int] = {}
    for _, _, p in ix.g.edges(data="predicate"):
        counts[p] = counts.get(p, 0) + 1
    return [{"name": p.name, "meaning": p.meaning, "domain": sorted(p.domain), "range": sorted(p.range),
             "count": counts.get(p.name, 0)} for p in PREDICATES.values()]


def article(ix: GraphIndex, article_id: str) -> dict[str, Any]:
    if article_id not in ix.articles:
        raise NotFound("article", article_id)
    return ix.articles[article_id] | {"text": ix.texts[article_id]}
