"""GraphML and GEXF: the graph as the XML that graph tools open.

Both are written with the standard library's ElementTree (the service does
not depend on lxml) and are deterministic: the same graph gives the same bytes.

GraphML (``graphml_bytes``, decoded by ``graphml_graph``)
    Valid against the GraphML 1.0 XSD and read back by ``networkx.read_graphml``
    with the same nodes, edges (edge ``id`` = relation id = the MultiDiGraph
    key) and attributes. GraphML attributes are scalars, so:

    - an attribute whose values are all strings (non-empty, XML-safe) is a
      ``string`` key; all booleans ``boolean``; all integers ``long``; all
      floats ``double``;
    - any other attribute (lists and dicts: a node's ``aliases``,
      ``attributes``, ``date`` and ``evidence``; an edge's ``qualifiers`` and
      ``evidence``) is a ``string`` key holding **JSON** text, and the key's
      ``<desc>`` starts with ``JSON``;
    - a ``None`` value is left out (GraphML has no null): the element simply
      has no ``<data>`` for that key.

    - a node's name and an edge's predicate are also in a ``label`` key (its
      ``<desc>`` starts with ``COPY``), which Gephi shows instead of the id;
    - an edge's ``id`` attribute (the relation id, also the XML edge id) is
      the ``relation_id`` key: igraph turns the XML edge id into an ``id``
      attribute of its own and warned on every load when a key had that name
      (and igraph 1.0 fills that attribute unreliably: read ``relation_id``).

    ``graphml_graph(data)`` undoes all of it: it reads with
    ``networkx.read_graphml(force_multigraph=True, edge_key_type=str)``,
    ``json.loads`` every value of a key whose ``<desc>`` starts with ``JSON``,
    drops the ``COPY`` keys, renames ``relation_id`` back to ``id``, and sets
    ``None`` for each declared key an element lacks. Every node of a
    storygraph graph carries the same attribute names (and every edge), so the
    decoded graph equals the original, attribute for attribute.

GEXF 1.2 (``gexf_bytes``)
    Valid against the GEXF 1.2draft XSD (``networkx.write_gexf`` is not: it
    writes an empty ``name`` attribute). For Gephi: a node's ``label`` is its
    name, its ``type`` and other fields are node attributes (partition or
    filter by them); an edge's ``id`` is the relation id, its ``label`` and
    ``predicate`` attribute the predicate, beside its modality, qualifiers and
    evidence. Lists are joined with ``" | "``; absent values have no
    ``attvalue``. A ``<meta>`` names the creator (storygraph) and the article.

Characters XML 1.0 cannot carry (C0 controls, U+FFFE, lone surrogates: see
:mod:`graph.readwrite.xmlsafe`) become U+FFFD in both, wherever they stand (names,
quotes, article titles, ids), so the file always parses. GraphML keeps such a
string exactly all the same: it goes as JSON text with ``\\u`` escapes.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

# ElementTree's own escaping, byte for byte; private, so typeshed leaves it out.
from xml.etree.ElementTree import _escape_attrib, _escape_cdata  # type: ignore[attr-defined]

import networkx as nx

from graph.readwrite.xmlsafe import NOT_XML, xml_safe

if TYPE_CHECKING:
    from graph.indexing.index import GraphIndex
    from graph.readwrite.stream import DbSource, MemorySource

    Source = MemorySource | DbSource

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
GRAPHML_XSD = "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"
GEXF_NS = "http://www.gexf.net/1.2draft"
GEXF_XSD = "http://www.gexf.net/1.2draft/gexf.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

JOIN = " | "  # how GEXF (and the CSV export) join the members of a list

# What each attribute means, for the keys' <desc>.
_NODE_DOCS = {
    "name": "canonical name",
    "type": "entity type (person, organization, country, event, claim, ...)",
    "aliases": "list of every name the article uses for the entity",
    "description": "a neutral description",
    "attributes": "object of further fields (titles, duration, ...)",
    "date": "object {edtf, text, precision, earliest, latest, approximate}: when the event happened",
    "modality": "how the article commits to an event or claim (asserted, planned, ...)",
    "evidence": "list of {article_id, quote, start, end, sentence}: the article's words, offsets in code points",
}
_EDGE_DOCS = {
    "id": "relation id (also the edge id and the MultiDiGraph key)",
    "predicate": "predicate from the controlled vocabulary (GET /v1/predicates)",
    "modality": "asserted, denied, planned, expected, hoped or reported",
    "qualifiers": "object {time: {edtf, text, precision, ...}, place: entity id, role: text, source: entity id}, "
                  "present keys only",
    "article_id": "the article that states the relation",
    "evidence": "list of {article_id, quote, start, end, sentence}: the article's words, offsets in code points",
}
_DOCS = {"node": _NODE_DOCS, "edge": _EDGE_DOCS, "graph": {}}

# Attribute names GraphML readers take for something else, and the name each is written under: igraph makes
# the XML edge id an ``id`` attribute and warned on every load that a data key already had that name.
_RENAMED = {"edge": {"id": "relation_id"}}
# The ``label`` key graph viewers (Gephi) show: a copy of this attribute. Its desc starts with COPY, and
# graphml_graph leaves it out, so decoding still gives back the graph as it was.
_LABELS = {"node": "name", "edge": "predicate"}


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=False)
    return text if not NOT_XML.search(text) else json.dumps(value, ensure_ascii=True)


def _plain_str(v: Any) -> bool:
    # "" would read back as a missing value, "\r" as "\n": such strings go as JSON.
    return isinstance(v, str) and v != "" and "\r" not in v and not NOT_XML.search(v)


def _scalar(kind: str, v: Any) -> str:
    if kind == "json":
        return _json(v)
    if kind == "boolean":
        return "true" if v else "false"
    if kind == "double":
        return repr(v)
    return str(v)


def _declare(domain: str, items: Iterable[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """name -> (key id, kind) for every attribute name of this domain, in first-seen order.

    One pass that keeps, per name, which kinds every value so far allows (not the
    values: a million edges are classified in constant memory).
    """
    kinds: dict[str, set[str]] = {}
    for data in items:
        for name, v in data.items():
            possible = kinds.setdefault(str(name), {"string", "boolean", "long", "double"})
            if v is None or not possible:
                continue
            if "string" in possible and not _plain_str(v):
                possible.discard("string")
            if "boolean" in possible and not isinstance(v, bool):
                possible.discard("boolean")
            if "long" in possible and not (isinstance(v, int) and not isinstance(v, bool) and -2**63 <= v < 2**63):
                possible.discard("long")
            if "double" in possible and not isinstance(v, float):
                possible.discard("double")
    # all (non-None) values plain strings: string; all booleans: boolean; integers: long; floats: double
    order = ("string", "boolean", "long", "double")
    return {name: (f"{domain}.{name}", next((k for k in order if k in possible), "json"))
            for name, possible in kinds.items()}


# --- writing XML as ElementTree wrote it (ET.indent(root, space=" "), then ET.tostring) -----------

def _tag(tag: str, attrs: dict[str, str]) -> str:
    return "<" + tag + "".join(f' {k}="{_escape_attrib(v)}"' for k, v in attrs.items())


def _leaf(tag: str, attrs: dict[str, str], text: str | None = None) -> str:
    return _tag(tag, attrs) + (f">{_escape_cdata(text)}</{tag}>" if text else " />")


def _parent(tag: str, attrs: dict[str, str], children: list[str], level: int) -> str:
    """An element whose children (serialized for ``level + 1``) sit one per line, indented by one space per level."""
    if not children:
        return _leaf(tag, attrs)
    inner = "\n" + " " * (level + 1)
    return _tag(tag, attrs) + ">" + inner + inner.join(children) + "\n" + " " * level + f"</{tag}>"


PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _source(ix: GraphIndex, g: nx.MultiDiGraph) -> MemorySource:
    from graph.readwrite.stream import MemorySource

    return MemorySource(ix, g)


def graphml_bytes(ix: GraphIndex, g: nx.MultiDiGraph) -> bytes:
    """The ``graphml`` format of :mod:`graph.readwrite.formats` (see the module docstring for the encoding).

    >>> from graph.testing import seed_index
    >>> ix = seed_index()
    >>> h = graphml_graph(graphml_bytes(ix, ix.g))
    >>> nx.utils.graphs_equal(h, ix.g) and dict(h.nodes["jen-daskal"]) == dict(ix.g.nodes["jen-daskal"])
    True
    """
    return b"".join(graphml_chunks(_source(ix, g)))


def _graphml_keys(source: Source) -> dict[str, dict[str, tuple[str, str]]]:
    if hasattr(source, "g"):  # in memory: every attribute as it is
        g = source.g
        return {"graph": _declare("graph", [g.graph]), "node": _declare("node", (d for _, d in g.nodes(data=True))),
                "edge": _declare("edge", (d for *_, d in g.edges(keys=True, data=True)))}
    # the database: scalars as stored; lists and objects (aliases, attributes, evidence, qualifiers) are JSON
    # whatever they hold, so a stand-in of the same kind classifies them without reading them
    nodes = ({"name": r.name, "type": r.type, "aliases": [], "description": r.description, "attributes": {},
              "date": r.date, "modality": r.modality, "evidence": []}
             for rows in source.entity_scalars() for r in rows)
    edges = ({"id": r.id, "predicate": r.predicate, "modality": r.modality, "qualifiers": {},
              "article_id": r.article_id, "evidence": []}
             for rows in source.relation_scalars() for r in rows)
    return {"graph": _declare("graph", [source.graph]), "node": _declare("node", nodes),
            "edge": _declare("edge", edges)}


def graphml_chunks(source: Source) -> Iterator[bytes]:
    """GraphML, written element by element from a source of :mod:`graph.readwrite.stream`."""
    from graph.readwrite.stream import chunked

    def pieces() -> Iterator[str]:
        yield PROLOG + _tag("graphml", {
            "xmlns": GRAPHML_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{GRAPHML_NS} {GRAPHML_XSD}"}) + ">"
        yield "\n " + _leaf("desc", {}, (
            "storygraph: " + _summary(source) + " Attributes that GraphML cannot hold as scalars (lists, objects) "
            "are JSON text in string keys whose desc starts with 'JSON'; a None value has no data element."))
        keys = _graphml_keys(source)
        names = {domain: set(declared) for domain, declared in keys.items()}
        renamed = {domain: {old: new for old, new in _RENAMED.get(domain, {}).items() if new not in names[domain]}
                   for domain in keys}
        labels = {domain: of for domain, of in _LABELS.items() if of in names[domain] and "label" not in names[domain]}
        for domain, declared in keys.items():
            for name, (key_id, kind) in declared.items():
                attrs = {"id": key_id, "for": domain, "attr.name": renamed[domain].get(name, name),
                         "attr.type": "string" if kind == "json" else kind}
                doc = _DOCS[domain].get(name, "")
                if kind == "json":
                    doc = "JSON" + (f" {doc}" if doc else " text")
                yield "\n " + _parent("key", attrs, [_leaf("desc", {}, doc)] if doc else [], 1)
            if domain in labels:
                attrs = {"id": f"{domain}.label", "for": domain, "attr.name": "label", "attr.type": "string"}
                doc = f"COPY of {labels[domain]}, the label graph viewers show (graphml_graph leaves it out)"
                yield "\n " + _parent("key", attrs, [_leaf("desc", {}, doc)], 1)

        def data(domain: str, attrs: dict[str, Any]) -> list[str]:
            out = []
            for name, v in attrs.items():
                if v is None:
                    continue
                key_id, kind = keys[domain][str(name)]
                out.append(_leaf("data", {"key": key_id}, _scalar(kind, v)))
            label = attrs.get(labels[domain]) if domain in labels else None
            if isinstance(label, str):  # a display copy: an odd name (kept exactly as JSON above) shows as it can
                out.append(_leaf("data", {"key": f"{domain}.label"}, label))
            return out

        graph_attrs = {"id": "G", "edgedefault": "directed"}
        top = data("graph", source.graph)
        if not top and not source.number_of_nodes() and not source.number_of_edges():
            yield "\n " + _leaf("graph", graph_attrs)
        else:
            yield "\n " + _tag("graph", graph_attrs) + ">"
            for line in top:
                yield "\n  " + line
            for batch in source.node_batches():
                for n, d in batch:
                    yield "\n  " + _parent("node", {"id": str(n)}, data("node", d), 2)
            for edges in source.edge_batches():
                for u, v, k, d in edges:
                    yield "\n  " + _parent("edge", {"id": str(k), "source": str(u), "target": str(v)},
                                            data("edge", d), 2)
            yield "\n </graph>"
        yield "\n</graphml>\n"

    return chunked(map(xml_safe, pieces()))  # whatever the data holds, XML


def graphml_graph(data: bytes) -> nx.MultiDiGraph:
    """Decode :func:`graphml_bytes`: JSON keys parsed, missing values restored as ``None``."""
    import io

    g = nx.read_graphml(io.BytesIO(data), force_multigraph=True, edge_key_type=str)
    root = ET.fromstring(data)
    ns = {"g": GRAPHML_NS}
    declared: dict[str, dict[str, str]] = {"graph": {}, "node": {}, "edge": {}}  # name -> JSON, COPY or ""
    for key in root.findall("g:key", ns):
        desc = key.findtext("g:desc", default="", namespaces=ns)
        domain = key.get("for", "all")
        for d in (declared if domain == "all" else {domain: declared.get(domain, {})}).values():
            name = key.get("attr.name", key.get("id", ""))
            d[name] = desc.split(" ", 1)[0] if desc.startswith(("JSON", "COPY")) else ""

    def restore(attrs: dict[str, Any], domain: str) -> None:
        for name, kind in declared[domain].items():
            if kind == "COPY":
                attrs.pop(name, None)
            elif name not in attrs:
                attrs[name] = None
            elif kind == "JSON" and isinstance(attrs[name], str):
                attrs[name] = json.loads(attrs[name])
        for old, new in _RENAMED.get(domain, {}).items():
            if new in declared[domain] and old not in declared[domain]:
                attrs[old] = attrs.pop(new)

    for default in ("node_default", "edge_default"):
        if not g.graph.get(default):
            g.graph.pop(default, None)
    restore(g.graph, "graph")
    for _, d in g.nodes(data=True):
        restore(d, "node")
    for *_, d in g.edges(keys=True, data=True):
        restore(d, "edge")
    return g


# --- GEXF ------------------------------------------------------------------------------------------

def _date(d: dict[str, Any] | None, field: str) -> Any:
    return (d or {}).get(field)


def _joined(values: Iterable[Any]) -> str:
    return JOIN.join(str(v) for v in values)


# (id/title, GEXF type, how to get the value from a node's attribute dict)
_GEXF_NODE: list[tuple[str, str, Any]] = [
    ("type", "string", lambda d: d.get("type")),
    ("description", "string", lambda d: d.get("description")),
    ("aliases", "string", lambda d: _joined(d.get("aliases") or [])),
    ("modality", "string", lambda d: d.get("modality")),
    ("date", "string", lambda d: _date(d.get("date"), "edtf")),
    ("date_text", "string", lambda d: _date(d.get("date"), "text")),
    ("date_precision", "string", lambda d: _date(d.get("date"), "precision")),
    ("attributes", "string", lambda d: _json(d["attributes"]) if d.get("attributes") else None),
    ("evidence_count", "integer", lambda d: len(d.get("evidence") or [])),
    ("evidence", "string", lambda d: _joined(e["quote"] for e in d.get("evidence") or [])),
]


def _q(d: dict[str, Any]) -> dict[str, Any]:
    return d.get("qualifiers") or {}


_GEXF_EDGE: list[tuple[str, str, Any]] = [
    ("predicate", "string", lambda d: d.get("predicate")),
    ("modality", "string", lambda d: d.get("modality")),
    ("time", "string", lambda d: _date(_q(d).get("time"), "edtf")),
    ("time_text", "string", lambda d: _date(_q(d).get("time"), "text")),
    ("place", "string", lambda d: _q(d).get("place")),
    ("role", "string", lambda d: _q(d).get("role")),
    ("source", "string", lambda d: _q(d).get("source")),
    ("article_id", "string", lambda d: d.get("article_id")),
    ("evidence_count", "integer", lambda d: len(d.get("evidence") or [])),
    ("evidence", "string", lambda d: _joined(e["quote"] for e in d.get("evidence") or [])),
]


def _summary(source: Source) -> str:
    """One sentence: how big the graph is and which articles it comes from."""
    sources = []
    for a in source.fact_article_ids():
        meta = source.article_meta(a)
        title = meta.get("title")
        about = ", ".join(str(x) for x in (meta.get("publisher"), meta.get("published")) if x)
        sources.append(f"'{title}' ({about})" if title else a)
    return (f"A knowledge graph of {source.number_of_nodes()} entities and {source.number_of_edges()} relations"
            + (f" from {'; '.join(sources)}." if sources else ".")
            + " Every fact cites the article's words.")


def _attvalues(spec: list[tuple[str, str, Any]], d: dict[str, Any]) -> list[str]:
    values = []
    for ident, _, get in spec:
        v = get(d)
        if v is None or v == "":
            continue
        values.append(_leaf("attvalue", {"for": ident, "value": str(v)}))
    return [_parent("attvalues", {}, values, 4)] if values else []


def gexf_bytes(ix: GraphIndex, g: nx.MultiDiGraph) -> bytes:
    """The ``gexf`` format of :mod:`graph.readwrite.formats`: GEXF 1.2 for Gephi.

    >>> from graph.testing import seed_index
    >>> ix = seed_index()
    >>> import io
    >>> h = nx.read_gexf(io.BytesIO(gexf_bytes(ix, ix.g)))
    >>> h.nodes["jen-daskal"]["label"], h.nodes["jen-daskal"]["type"]
    ('Jen Daskal', 'person')
    """
    return b"".join(gexf_chunks(_source(ix, g)))


def gexf_chunks(source: Source) -> Iterator[bytes]:
    """GEXF, written element by element from a source of :mod:`graph.readwrite.stream`."""
    from graph.readwrite.stream import chunked

    def pieces() -> Iterator[str]:
        yield PROLOG + _tag("gexf", {"xmlns": GEXF_NS, "xmlns:xsi": XSI_NS,
                                     "xsi:schemaLocation": f"{GEXF_NS} {GEXF_XSD}", "version": "1.2"}) + ">"
        summary = _summary(source)
        yield "\n " + _parent("meta", {}, [
            _leaf("creator", {}, "storygraph"),
            _leaf("description", {},
                  summary + " Nodes: label = name, attribute type = entity type. Edges: id = relation id,"
                  " label and attribute predicate = the predicate. Lists are joined with ' | '."),
            _leaf("keywords", {}, "storygraph, knowledge graph, " + ", ".join(source.fact_article_ids())),
        ], 1)
        yield "\n " + _tag("graph", {"defaultedgetype": "directed", "mode": "static", "idtype": "string"}) + ">"
        for cls, spec in (("node", _GEXF_NODE), ("edge", _GEXF_EDGE)):
            yield "\n  " + _parent("attributes", {"class": cls, "mode": "static"},
                                    [_leaf("attribute", {"id": ident, "title": ident, "type": kind})
                                     for ident, kind, _ in spec], 2)
        # a node is (id, data), an edge (u, v, key, data): ``tag`` tells them apart
        parts: list[tuple[str, int, Callable[[], Iterator[list[Any]]]]] = [
            ("nodes", source.number_of_nodes(), source.node_batches),
            ("edges", source.number_of_edges(), source.edge_batches)]
        for tag, count, batches in parts:
            if not count:
                yield "\n  " + _leaf(tag, {"count": "0"})
                continue
            yield "\n  " + _tag(tag, {"count": str(count)}) + ">"
            for batch in batches():
                for item in batch:
                    if tag == "nodes":
                        n, d = item
                        yield "\n   " + _parent("node", {"id": str(n), "label": str(d.get("name", n))},
                                                _attvalues(_GEXF_NODE, d), 3)
                    else:
                        u, v, k, d = item
                        yield "\n   " + _parent("edge", {"id": str(d.get("id", k)), "source": str(u),
                                                         "target": str(v), "label": str(d.get("predicate", ""))},
                                                _attvalues(_GEXF_EDGE, d), 3)
            yield "\n  </" + tag + ">"
        yield "\n </graph>\n</gexf>\n"

    return chunked(map(xml_safe, pieces()))  # whatever the data holds, XML
