"""The RDF view of the graph: schema.org, PROV-O and W3C Web Annotation.

One function, :func:`rdf_graph`, turns the index (or a neighbourhood
subgraph of it) into an rdflib graph; :func:`jsonld_bytes` and
:func:`turtle_bytes` serialise that graph for the export registry
(:mod:`graph.formats`), and :mod:`graph.sparql` loads it into pyoxigraph.

IRIs (stable: they are built from the ids the API already uses)::

    https://storygraph.dev/id/{entity-id}           an entity, event or claim   (prefix entity:)
    https://storygraph.dev/relation/{relation-id}   a relation's statement node (prefix relation:)
    https://storygraph.dev/article/{article-id}     an article, a schema:NewsArticle (prefix article:)
    https://storygraph.dev/article/{id}#char=S,E    a span of its text (RFC 5147 fragment)
    https://storygraph.dev/vocab#                   our predicates and terms    (prefix sg:)

The model, term by term:

* **Entities** get a schema.org class (:data:`SCHEMA_TYPES`), ``schema:name``,
  ``schema:alternateName`` (each alias other than the name),
  ``schema:description``, ``sg:type`` (our type, a plain string),
  ``sg:modality`` when set, and their free-form ``attributes`` as
  ``schema:additionalProperty [a schema:PropertyValue; schema:name; schema:value]``.
* **Dates** (events): ``schema:startDate``/``schema:endDate`` are the
  interval's known ends as ``xsd:date`` (the *earliest* and *latest* days the
  event can fall on, not its exact span: ``2023-11`` gives 2023-11-01 and
  2023-11-30), ``sg:edtf`` keeps the EDTF string with its precision
  (``sg:datePrecision``), and ``sg:dateText`` the article's words.
  ``sg:approximate``/``sg:uncertain`` appear only when true.
* **Relations** are a direct triple ``subject sg:{predicate} object`` (easy to
  query) *and* an ``rdf:Statement`` node ``relation:{id}`` with
  ``rdf:subject/predicate/object``, ``sg:modality``, ``sg:article`` and the
  qualifiers: ``sg:time`` (EDTF) with ``sg:timeText``, ``sg:timePrecision``,
  ``sg:timeEarliest``/``sg:timeLatest``; ``sg:place`` and ``sg:source``
  (entities) and ``sg:role`` (text). The direct triple says only that the
  article links the two by that predicate; how the article commits to it
  (asserted, hoped, expected ...) is on the statement, so a query that cares
  must read ``sg:modality``. We chose classic reification over one named
  graph per relation because Turtle (one of the two formats) has no named
  graphs, and a statement node needs no quad store to query; two relations
  with the same subject, predicate and object stay two statements.
* **Evidence** is a Web Annotation ``oa:SpecificResource`` per quoted span,
  ``oa:hasSource`` the article, ``oa:hasSelector`` both an
  ``oa:TextQuoteSelector`` (``oa:exact``, with up to :data:`CONTEXT_CHARS`
  characters of ``oa:prefix``/``oa:suffix`` from the article) and an
  ``oa:TextPositionSelector`` (``oa:start``, ``oa:end``: code points, end
  exclusive), plus ``sg:sentence``. A fact links to its spans by
  ``prov:wasDerivedFrom`` (the one hop to query), and for annotation tools each
  (fact, span) pair is also an ``oa:Annotation`` with ``oa:hasBody`` the fact
  (entity or statement) and ``oa:hasTarget`` the span, motivated by
  ``oa:identifying`` (an entity's mention) or ``oa:describing`` (a relation).
* **Claims** are ``schema:Claim`` with ``schema:text`` (and ``schema:name``),
  ``schema:about``, ``sg:status`` (derived as ``GET /v1/claims`` derives it:
  disputed, asserted, denied or unattributed) and, for every ``asserts`` or
  ``denies`` relation, ``prov:qualifiedAttribution`` pointing at that
  relation's statement, which is also a ``prov:Attribution`` with
  ``prov:agent`` and ``prov:hadRole sg:asserter`` or ``sg:denier`` — so the
  attribution carries its own evidence, time and source. Asserting agents are
  also ``prov:wasAttributedTo``.
* **Articles** are ``schema:NewsArticle`` with ``schema:headline``,
  ``schema:datePublished`` (the publication date, kept apart from the dates of
  the facts), ``schema:publisher``/``schema:author``/``schema:editor`` (a
  named ``schema:Organization``/``schema:Person``), ``sg:photographer``,
  ``schema:dateline``, ``schema:inLanguage``, ``schema:url``, ``sg:textSha256``
  and ``schema:articleBody``, the text the offsets count into.

>>> from graph.testing import seed_index
>>> g = rdf_graph(seed_index())
>>> from rdflib import Graph
>>> len(Graph().parse(data=turtle_bytes(seed_index(), seed_index().g), format="turtle")) == len(g)
True
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Iterable

import networkx as nx
from rdflib import BNode, Graph, Literal, Namespace, URIRef
import rdflib.namespace as ns

from .vocabulary import PREDICATES

if TYPE_CHECKING:
    from .index import GraphIndex

# Open namespaces rather than rdflib's closed ones: pytest's doctest collection
# probes every module-level object, and the closed ones warn when probed.
RDF = Namespace(str(ns.RDF))
RDFS = Namespace(str(ns.RDFS))
XSD = Namespace(str(ns.XSD))
PROV = Namespace(str(ns.PROV))
BASE = "https://storygraph.dev/"
ENTITY = Namespace(BASE + "id/")
RELATION = Namespace(BASE + "relation/")
ARTICLE = Namespace(BASE + "article/")
SG = Namespace(BASE + "vocab#")
SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")

CONTEXT_CHARS = 32  # prefix/suffix of a TextQuoteSelector, as Hypothesis uses

PREFIXES: dict[str, str] = {
    "sg": str(SG), "entity": str(ENTITY), "relation": str(RELATION), "article": str(ARTICLE),
    "schema": str(SCHEMA), "prov": str(PROV), "oa": str(OA), "rdf": str(RDF), "rdfs": str(RDFS),
    "xsd": str(XSD),
}

SCHEMA_TYPES: dict[str, URIRef] = {
    "person": SCHEMA.Person,
    "organization": SCHEMA.Organization,
    "government": SCHEMA.GovernmentOrganization,
    "country": SCHEMA.Country,
    "city": SCHEMA.City,
    "facility": SCHEMA.Place,  # a building or site: an embassy, a guesthouse
    "event": SCHEMA.Event,
    "claim": SCHEMA.Claim,
    "substance": SCHEMA.ChemicalSubstance,
    "topic": SCHEMA.Thing,  # an issue or relationship; schema.org has nothing closer
    "disease": SCHEMA.MedicalCondition,
    "document": SCHEMA.CreativeWork,  # refined by DOCUMENT_TYPES when the graph says more
}
# A document's class from the relations that reach it in the whole graph.
DOCUMENT_TYPES: dict[str, URIRef] = {"photographed": SCHEMA.Photograph, "reported": SCHEMA.NewsArticle}
ROLES: dict[str, URIRef] = {"asserts": SG.asserter, "denies": SG.denier}

# The inline JSON-LD context: prefixes, and short terms for the common properties.
JSONLD_CONTEXT: dict[str, Any] = {
    **PREFIXES,
    "name": "schema:name",
    "alternateName": "schema:alternateName",
    "description": "schema:description",
    "text": "schema:text",
    "about": {"@id": "schema:about", "@type": "@id"},
    "startDate": {"@id": "schema:startDate", "@type": "xsd:date"},
    "endDate": {"@id": "schema:endDate", "@type": "xsd:date"},
    "headline": "schema:headline",
    "datePublished": {"@id": "schema:datePublished", "@type": "xsd:date"},
    "dateline": "schema:dateline",
    "inLanguage": "schema:inLanguage",
    "articleBody": "schema:articleBody",
    "derivedFrom": {"@id": "prov:wasDerivedFrom", "@type": "@id"},
    "hasSource": {"@id": "oa:hasSource", "@type": "@id"},
    "hasSelector": {"@id": "oa:hasSelector"},
    "hasBody": {"@id": "oa:hasBody", "@type": "@id"},
    "hasTarget": {"@id": "oa:hasTarget", "@type": "@id"},
    "motivatedBy": {"@id": "oa:motivatedBy", "@type": "@id"},
    "exact": "oa:exact",
    "prefix": "oa:prefix",
    "suffix": "oa:suffix",
    "start": {"@id": "oa:start", "@type": "xsd:nonNegativeInteger"},
    "end": {"@id": "oa:end", "@type": "xsd:nonNegativeInteger"},
    "sentence": {"@id": "sg:sentence", "@type": "xsd:integer"},
    "statementSubject": {"@id": "rdf:subject", "@type": "@id"},
    "statementPredicate": {"@id": "rdf:predicate", "@type": "@id"},
    "statementObject": {"@id": "rdf:object", "@type": "@id"},
    "modality": "sg:modality",
    "kind": "sg:type",
    "status": "sg:status",
    "role": "sg:role",
    "place": {"@id": "sg:place", "@type": "@id"},
    "source": {"@id": "sg:source", "@type": "@id"},
    "time": "sg:time",
    "timeText": "sg:timeText",
    "timePrecision": "sg:timePrecision",
    "timeEarliest": {"@id": "sg:timeEarliest", "@type": "xsd:date"},
    "timeLatest": {"@id": "sg:timeLatest", "@type": "xsd:date"},
    "edtf": "sg:edtf",
    "dateText": "sg:dateText",
    "datePrecision": "sg:datePrecision",
    "agent": {"@id": "prov:agent", "@type": "@id"},
    "hadRole": {"@id": "prov:hadRole", "@type": "@id"},
    "qualifiedAttribution": {"@id": "prov:qualifiedAttribution", "@type": "@id"},
    "attributedTo": {"@id": "prov:wasAttributedTo", "@type": "@id"},
}
# Terms whose values are integers: written as JSON numbers (the context's coercion keeps their datatype).
_INTEGER_TERMS = ("start", "end", "sentence")


def entity_iri(node: str) -> URIRef:
    return ENTITY[node]


def relation_iri(rel_id: str) -> URIRef:
    return RELATION[rel_id]


def article_iri(article_id: str) -> URIRef:
    return ARTICLE[article_id]


def span_iri(article_id: str, start: int, end: int) -> URIRef:
    """An evidence span: the article's IRI with an RFC 5147 ``#char=start,end`` fragment."""
    return URIRef(f"{ARTICLE[article_id]}#char={start},{end}")


def _date(value: str | None) -> Literal | None:
    return Literal(value, datatype=XSD.date) if value else None


def _add(out: Graph, s, p, o) -> None:
    if o is not None and o != "":
        out.add((s, p, o if isinstance(o, (URIRef, BNode, Literal)) else Literal(o)))


class _Builder:
    def __init__(self, ix: "GraphIndex", g: nx.MultiDiGraph) -> None:
        self.ix, self.g = ix, g
        self.out = Graph(bind_namespaces="none")
        for prefix, ns in PREFIXES.items():
            self.out.bind(prefix, ns)
        self.spans: set[URIRef] = set()
        self.articles: set[str] = set()

    # --- evidence -------------------------------------------------------
    def evidence(self, fact: URIRef, items: Iterable[dict], motivation: URIRef, key: str) -> None:
        out = self.out
        for n, ev in enumerate(items, start=1):
            span = self.span(ev)
            out.add((fact, PROV.wasDerivedFrom, span))
            ann = URIRef(f"{BASE}annotation/{key}/{n}")
            out.add((ann, RDF.type, OA.Annotation))
            out.add((ann, OA.motivatedBy, motivation))
            out.add((ann, OA.hasBody, fact))
            out.add((ann, OA.hasTarget, span))

    def span(self, ev: dict) -> URIRef:
        aid, start, end = ev["article_id"], int(ev["start"]), int(ev["end"])
        span = span_iri(aid, start, end)
        if span in self.spans:
            return span
        self.spans.add(span)
        self.articles.add(aid)
        out = self.out
        text = self.ix.texts.get(aid)
        out.add((span, RDF.type, OA.SpecificResource))
        out.add((span, OA.hasSource, article_iri(aid)))
        quote = BNode()
        out.add((span, OA.hasSelector, quote))
        out.add((quote, RDF.type, OA.TextQuoteSelector))
        out.add((quote, OA.exact, Literal(ev["quote"])))
        if text is not None:
            _add(out, quote, OA.prefix, text[max(0, start - CONTEXT_CHARS):start])
            _add(out, quote, OA.suffix, text[end:end + CONTEXT_CHARS])
        position = BNode()
        out.add((span, OA.hasSelector, position))
        out.add((position, RDF.type, OA.TextPositionSelector))
        out.add((position, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))
        out.add((position, OA.end, Literal(end, datatype=XSD.nonNegativeInteger)))
        if ev.get("sentence") is not None:
            out.add((span, SG.sentence, Literal(int(ev["sentence"]), datatype=XSD.integer)))
        return span

    # --- entities -------------------------------------------------------
    def entity(self, node: str, d: dict[str, Any]) -> None:
        out, s = self.out, entity_iri(node)
        out.add((s, RDF.type, self.schema_type(node, d["type"])))
        out.add((s, SG.type, Literal(d["type"])))
        out.add((s, SCHEMA.name, Literal(d["name"])))
        for alias in d.get("aliases") or []:
            if alias != d["name"]:
                out.add((s, SCHEMA.alternateName, Literal(alias)))
        _add(out, s, SCHEMA.description, d.get("description"))
        _add(out, s, SG.modality, d.get("modality"))
        for key, value in sorted((d.get("attributes") or {}).items()):
            pv = BNode()
            out.add((s, SCHEMA.additionalProperty, pv))
            out.add((pv, RDF.type, SCHEMA.PropertyValue))
            out.add((pv, SCHEMA.name, Literal(key)))
            for v in value if isinstance(value, list) else [value]:
                out.add((pv, SCHEMA.value, Literal(v if isinstance(v, (str, int, float, bool))
                                                   else json.dumps(v, ensure_ascii=False))))
        date = d.get("date")
        if date:
            _add(out, s, SCHEMA.startDate, _date(date.get("earliest")))
            _add(out, s, SCHEMA.endDate, _date(date.get("latest")))
            _add(out, s, SG.edtf, date.get("edtf"))
            _add(out, s, SG.dateText, date.get("text"))
            _add(out, s, SG.datePrecision, date.get("precision"))
            for flag in ("approximate", "uncertain"):
                if date.get(flag):
                    out.add((s, SG[flag], Literal(True)))
        if d["type"] == "claim":
            self.claim(node, d)
        self.evidence(s, d.get("evidence") or [], OA.identifying, f"entity/{node}")

    def schema_type(self, node: str, type_: str) -> URIRef:
        if type_ == "document" and node in self.ix.g:
            for _, _, p in self.ix.g.in_edges(node, data="predicate"):
                if p in DOCUMENT_TYPES:
                    return DOCUMENT_TYPES[p]
        return SCHEMA_TYPES.get(type_, SCHEMA.Thing)

    def claim(self, node: str, d: dict[str, Any]) -> None:
        from .queries import claim as claim_view  # queries imports the index; keep this module light

        out, s = self.out, entity_iri(node)
        out.add((s, SCHEMA.text, Literal(d["name"])))
        status = claim_view(self.ix, node)["status"] if node in self.ix.g else None
        _add(out, s, SG.status, status)
        for _, v, e in self.g.out_edges(node, data=True):
            if e["predicate"] == "about":
                out.add((s, SCHEMA.about, entity_iri(v)))
        for u, _, e in self.g.in_edges(node, data=True):
            role = ROLES.get(e["predicate"])
            if role is None:
                continue
            st = relation_iri(e["id"])
            out.add((s, PROV.qualifiedAttribution, st))
            out.add((st, RDF.type, PROV.Attribution))
            out.add((st, PROV.agent, entity_iri(u)))
            out.add((st, PROV.hadRole, role))
            if role == SG.asserter:
                out.add((s, PROV.wasAttributedTo, entity_iri(u)))

    # --- relations ------------------------------------------------------
    def relation(self, u: str, v: str, e: dict[str, Any]) -> None:
        out = self.out
        s, o, p = entity_iri(u), entity_iri(v), SG[e["predicate"]]
        out.add((s, p, o))
        st = relation_iri(e["id"])
        out.add((st, RDF.type, RDF.Statement))
        out.add((st, RDF.subject, s))
        out.add((st, RDF.predicate, p))
        out.add((st, RDF.object, o))
        _add(out, st, SG.modality, e.get("modality"))
        if e.get("article_id"):
            out.add((st, SG.article, article_iri(e["article_id"])))
            self.articles.add(e["article_id"])
        q = e.get("qualifiers") or {}
        time = q.get("time")
        if time:
            _add(out, st, SG.time, time.get("edtf"))
            _add(out, st, SG.timeText, time.get("text"))
            _add(out, st, SG.timePrecision, time.get("precision"))
            _add(out, st, SG.timeEarliest, _date(time.get("earliest")))
            _add(out, st, SG.timeLatest, _date(time.get("latest")))
            for flag in ("approximate", "uncertain"):
                if time.get(flag):
                    out.add((st, SG["time" + flag.capitalize()], Literal(True)))
        if q.get("place"):
            out.add((st, SG.place, entity_iri(q["place"])))
        if q.get("source"):
            out.add((st, SG.source, entity_iri(q["source"])))
        _add(out, st, SG.role, q.get("role"))
        self.evidence(st, e.get("evidence") or [], OA.describing, f"relation/{e['id']}")

    # --- articles and vocabulary ---------------------------------------
    def article(self, aid: str) -> None:
        meta = self.ix.articles.get(aid)
        if meta is None:
            return
        out, a = self.out, article_iri(aid)
        out.add((a, RDF.type, SCHEMA.NewsArticle))
        _add(out, a, SCHEMA.identifier, aid)
        _add(out, a, SCHEMA.headline, meta.get("title"))
        _add(out, a, SCHEMA.datePublished, _date(str(meta["published"])) if meta.get("published") else None)
        for prop, cls, names in ((SCHEMA.publisher, SCHEMA.Organization, [meta.get("publisher")]),
                                 (SCHEMA.author, SCHEMA.Person, meta.get("authors") or []),
                                 (SCHEMA.editor, SCHEMA.Person, meta.get("editors") or []),
                                 (SG.photographer, SCHEMA.Person, meta.get("photographers") or [])):
            for name in names:
                if name:
                    agent = BNode()
                    out.add((a, prop, agent))
                    out.add((agent, RDF.type, cls))
                    out.add((agent, SCHEMA.name, Literal(name)))
        _add(out, a, SCHEMA.dateline, meta.get("dateline"))
        _add(out, a, SCHEMA.inLanguage, meta.get("language"))
        if meta.get("url"):
            out.add((a, SCHEMA.url, URIRef(meta["url"])))
        _add(out, a, SG.textSha256, meta.get("text_sha256"))
        _add(out, a, SCHEMA.articleBody, self.ix.texts.get(aid))

    def vocabulary(self, used: set[str]) -> None:
        out = self.out
        for name in sorted(used):
            p = PREDICATES.get(name)
            prop = SG[name]
            out.add((prop, RDF.type, RDF.Property))
            out.add((prop, RDFS.label, Literal(name)))
            if p is not None:
                out.add((prop, RDFS.comment, Literal(p.meaning)))
        for role in {ROLES[n] for n in used if n in ROLES}:
            out.add((role, RDF.type, PROV.Role))

    def build(self) -> Graph:
        for node, d in sorted(self.g.nodes(data=True)):
            self.entity(node, d)
        used = set()
        for u, v, _, e in sorted(self.g.edges(keys=True, data=True), key=lambda t: t[2]):
            self.relation(u, v, e)
            used.add(e["predicate"])
        self.vocabulary(used)
        for aid in sorted(self.articles if self.g is not self.ix.g else set(self.ix.articles) | self.articles):
            self.article(aid)
        return self.out


def build_rdf(ix: "GraphIndex", g: nx.MultiDiGraph | None = None) -> Graph:
    """A fresh rdflib graph of ``g`` (default: the whole index's graph)."""
    return _Builder(ix, ix.g if g is None else g).build()


_CACHE: OrderedDict[str, Graph] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 4


def rdf_graph(ix: "GraphIndex", g: nx.MultiDiGraph | None = None) -> Graph:
    """The RDF view of ``g`` (default: the whole graph, cached per revision; do not mutate it)."""
    if g is not None and g is not ix.g:
        return build_rdf(ix, g)
    with _CACHE_LOCK:
        cached = _CACHE.get(ix.revision)
        if cached is not None:
            _CACHE.move_to_end(ix.revision)
            return cached
    built = build_rdf(ix)
    with _CACHE_LOCK:
        _CACHE[ix.revision] = built
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return built


def jsonld_bytes(ix: "GraphIndex", g: nx.MultiDiGraph) -> bytes:
    """The ``jsonld`` format of :mod:`graph.formats`: JSON-LD with the inline :data:`JSONLD_CONTEXT`."""
    data = rdf_graph(ix, g).serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True)
    doc = _readable(json.loads(data))
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _readable(doc: dict[str, Any]) -> dict[str, Any]:
    """The same triples, easier to read and stable from run to run.

    Blank nodes referenced once (selectors, property values, an article's
    people) are embedded where they are used instead of listed with a random
    ``_:N...`` label; nodes are sorted by ``@id``; integers are JSON numbers.
    """
    nodes = doc.get("@graph", [])
    refs: dict[str, int] = {}

    def count(value: Any) -> None:
        if isinstance(value, dict):
            if set(value) == {"@id"} and value["@id"].startswith("_:"):
                refs[value["@id"]] = refs.get(value["@id"], 0) + 1
            for v in value.values():
                count(v)
        elif isinstance(value, list):
            for v in value:
                count(v)

    for n in nodes:
        count({k: v for k, v in n.items() if k != "@id"})
    blank = {n["@id"]: n for n in nodes if n.get("@id", "").startswith("_:") and refs.get(n["@id"]) == 1}

    def fix(value: Any, key: str | None = None) -> Any:
        if isinstance(value, list):
            return [fix(v, key) for v in value]
        if isinstance(value, dict):
            if set(value) == {"@id"} and value["@id"] in blank:
                inner = blank[value["@id"]]
                return fix({k: v for k, v in inner.items() if k != "@id"})
            return {k: fix(v, k) for k, v in value.items()}
        if key in _INTEGER_TERMS and isinstance(value, str) and value.isdigit():
            return int(value)
        return value

    kept = [fix(n) for n in nodes if n.get("@id") not in blank]
    doc["@graph"] = sorted(kept, key=lambda n: (n.get("@id", "").startswith("_:"), n.get("@id", "")))
    return doc


def turtle_bytes(ix: "GraphIndex", g: nx.MultiDiGraph) -> bytes:
    """The ``turtle`` format of :mod:`graph.formats`, with the prefixes of :data:`PREFIXES` bound."""
    return rdf_graph(ix, g).serialize(format="turtle", encoding="utf-8")
