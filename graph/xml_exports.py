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

    ``graphml_graph(data)`` undoes both: it reads with
    ``networkx.read_graphml(force_multigraph=True, edge_key_type=str)``,
    ``json.loads`` every value of a key whose ``<desc>`` starts with ``JSON``,
    and sets ``None`` for each declared key an element lacks. Every node of a
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
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any, Iterable

import networkx as nx

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
GRAPHML_XSD = "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"
GEXF_NS = "http://www.gexf.net/1.2draft"
GEXF_XSD = "http://www.gexf.net/1.2draft/gexf.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

JOIN = " | "  # how GEXF (and the CSV export) join the members of a list

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

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


def _xml(s: str) -> str:
    return _NOT_XML.sub("\ufffd", s)


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=False)
    return text if not _NOT_XML.search(text) else json.dumps(value, ensure_ascii=True)


def _plain_str(v: Any) -> bool:
    # "" would read back as a missing value, "\r" as "\n": such strings go as JSON.
    return isinstance(v, str) and v != "" and "\r" not in v and not _NOT_XML.search(v)


def _key_type(values: list[Any]) -> str:
    """The GraphML ``attr.type`` for these (non-None) values, or ``json``."""
    if all(_plain_str(v) for v in values):
        return "string"
    if all(isinstance(v, bool) for v in values):
        return "boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) and -2**63 <= v < 2**63 for v in values):
        return "long"
    if all(isinstance(v, float) for v in values):
        return "double"
    return "json"


def _scalar(kind: str, v: Any) -> str:
    if kind == "json":
        return _json(v)
    if kind == "boolean":
        return "true" if v else "false"
    if kind == "double":
        return repr(v)
    return str(v)


def _declare(domain: str, items: Iterable[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """name -> (key id, kind) for every attribute name of this domain, in first-seen order."""
    values: dict[str, list[Any]] = {}
    for data in items:
        for name, v in data.items():
            values.setdefault(str(name), [])
            if v is not None:
                values[str(name)].append(v)
    return {name: (f"{domain}.{name}", _key_type(vs)) for name, vs in values.items()}


def graphml_bytes(ix, g: nx.MultiDiGraph) -> bytes:
    """The ``graphml`` format of :mod:`graph.formats` (see the module docstring for the encoding).

    >>> from graph.testing import seed_index
    >>> ix = seed_index()
    >>> h = graphml_graph(graphml_bytes(ix, ix.g))
    >>> nx.utils.graphs_equal(h, ix.g) and dict(h.nodes["jen-daskal"]) == dict(ix.g.nodes["jen-daskal"])
    True
    """
    keys = {
        "graph": _declare("graph", [g.graph]),
        "node": _declare("node", (d for _, d in g.nodes(data=True))),
        "edge": _declare("edge", (d for *_, d in g.edges(keys=True, data=True))),
    }
    root = ET.Element("graphml", {
        "xmlns": GRAPHML_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{GRAPHML_NS} {GRAPHML_XSD}",
    })
    ET.SubElement(root, "desc").text = (
        "storygraph: " + _summary(ix, g) + " Attributes that GraphML cannot hold as scalars (lists, objects) "
        "are JSON text in string keys whose desc starts with 'JSON'; a None value has no data element."
    )
    for domain, declared in keys.items():
        for name, (key_id, kind) in declared.items():
            key = ET.SubElement(root, "key", {"id": key_id, "for": domain, "attr.name": name,
                                              "attr.type": "string" if kind == "json" else kind})
            doc = _DOCS[domain].get(name, "")
            if kind == "json":
                doc = "JSON" + (f" {doc}" if doc else " text")
            if doc:
                ET.SubElement(key, "desc").text = doc

    def data(element: ET.Element, domain: str, attrs: dict[str, Any]) -> None:
        for name, v in attrs.items():
            if v is None:
                continue
            key_id, kind = keys[domain][str(name)]
            ET.SubElement(element, "data", {"key": key_id}).text = _scalar(kind, v)

    graph = ET.SubElement(root, "graph", {"id": "G", "edgedefault": "directed"})
    data(graph, "graph", g.graph)
    for n, d in g.nodes(data=True):
        data(ET.SubElement(graph, "node", {"id": str(n)}), "node", d)
    for u, v, k, d in g.edges(keys=True, data=True):
        data(ET.SubElement(graph, "edge", {"id": str(k), "source": str(u), "target": str(v)}), "edge", d)
    return _serialize(root)


def graphml_graph(data: bytes) -> nx.MultiDiGraph:
    """Decode :func:`graphml_bytes`: JSON keys parsed, missing values restored as ``None``."""
    import io

    g = nx.read_graphml(io.BytesIO(data), force_multigraph=True, edge_key_type=str)
    root = ET.fromstring(data)
    ns = {"g": GRAPHML_NS}
    declared: dict[str, dict[str, bool]] = {"graph": {}, "node": {}, "edge": {}}
    for key in root.findall("g:key", ns):
        desc = key.findtext("g:desc", default="", namespaces=ns)
        domain = key.get("for", "all")
        for d in (declared if domain == "all" else {domain: declared.get(domain, {})}).values():
            d[key.get("attr.name", key.get("id"))] = desc.split(" ", 1)[0] == "JSON"

    def restore(attrs: dict[str, Any], domain: str) -> None:
        for name, is_json in declared[domain].items():
            if name not in attrs:
                attrs[name] = None
            elif is_json and isinstance(attrs[name], str):
                attrs[name] = json.loads(attrs[name])

    for key in ("node_default", "edge_default"):
        if not g.graph.get(key):
            g.graph.pop(key, None)
    restore(g.graph, "graph")
    for _, d in g.nodes(data=True):
        restore(d, "node")
    for *_, d in g.edges(keys=True, data=True):
        restore(d, "edge")
    return g


def _serialize(root: ET.Element) -> bytes:
    ET.indent(root, space=" ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode() + b"\n"


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


def _article_ids(g: nx.MultiDiGraph) -> list[str]:
    ids = {e["article_id"] for _, d in g.nodes(data=True) for e in d.get("evidence") or []}
    ids |= {d["article_id"] for *_, d in g.edges(keys=True, data=True) if d.get("article_id")}
    return sorted(ids)


def _summary(ix, g: nx.MultiDiGraph) -> str:
    """One sentence: how big the graph is and which articles it comes from."""
    sources = []
    for a in _article_ids(g):
        meta = (getattr(ix, "articles", None) or {}).get(a, {})
        title = meta.get("title")
        about = ", ".join(str(x) for x in (meta.get("publisher"), meta.get("published")) if x)
        sources.append(f"'{title}' ({about})" if title else a)
    return (f"A knowledge graph of {g.number_of_nodes()} entities and {g.number_of_edges()} relations"
            + (f" from {'; '.join(sources)}." if sources else ".")
            + " Every fact cites the article's words.")


def _attvalues(element: ET.Element, spec: list[tuple[str, str, Any]], d: dict[str, Any]) -> None:
    values = ET.Element("attvalues")
    for ident, _, get in spec:
        v = get(d)
        if v is None or v == "":
            continue
        ET.SubElement(values, "attvalue", {"for": ident, "value": _xml(str(v))})
    if len(values):
        element.append(values)


def gexf_bytes(ix, g: nx.MultiDiGraph) -> bytes:
    """The ``gexf`` format of :mod:`graph.formats`: GEXF 1.2 for Gephi.

    >>> from graph.testing import seed_index
    >>> ix = seed_index()
    >>> import io
    >>> h = nx.read_gexf(io.BytesIO(gexf_bytes(ix, ix.g)))
    >>> h.nodes["jen-daskal"]["label"], h.nodes["jen-daskal"]["type"]
    ('Jen Daskal', 'person')
    """
    root = ET.Element("gexf", {
        "xmlns": GEXF_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{GEXF_NS} {GEXF_XSD}", "version": "1.2",
    })
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "storygraph"
    ET.SubElement(meta, "description").text = _xml(
        _summary(ix, g) + " Nodes: label = name, attribute type = entity type. Edges: id = relation id,"
        " label and attribute predicate = the predicate. Lists are joined with ' | '.")
    ET.SubElement(meta, "keywords").text = "storygraph, knowledge graph, " + ", ".join(_article_ids(g))
    graph = ET.SubElement(root, "graph", {"defaultedgetype": "directed", "mode": "static", "idtype": "string"})
    for cls, spec in (("node", _GEXF_NODE), ("edge", _GEXF_EDGE)):
        attributes = ET.SubElement(graph, "attributes", {"class": cls, "mode": "static"})
        for ident, kind, _ in spec:
            ET.SubElement(attributes, "attribute", {"id": ident, "title": ident, "type": kind})
    nodes = ET.SubElement(graph, "nodes", {"count": str(g.number_of_nodes())})
    for n, d in g.nodes(data=True):
        node = ET.SubElement(nodes, "node", {"id": _xml(str(n)), "label": _xml(str(d.get("name", n)))})
        _attvalues(node, _GEXF_NODE, d)
    edges = ET.SubElement(graph, "edges", {"count": str(g.number_of_edges())})
    for u, v, k, d in g.edges(keys=True, data=True):
        edge = ET.SubElement(edges, "edge", {"id": _xml(str(d.get("id", k))), "source": _xml(str(u)),
                                             "target": _xml(str(v)), "label": _xml(str(d.get("predicate", "")))})
        _attvalues(edge, _GEXF_EDGE, d)
    return _serialize(root)
