"""The RDF view of the graph: schema.org, PROV-O and W3C Web Annotation.

One function, :func:`rdf_graph`, turns the index (or a neighbourhood
subgraph of it) into an rdflib graph; :func:`jsonld_bytes` and
:func:`turtle_bytes` serialise that graph for the export registry
(:mod:`graph.readwrite.formats`), and :mod:`graph.semantic.sparql` loads it into pyoxigraph.

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
  the facts), ``schema:publisher``/``schema:author``/``schema:editor``/
  ``sg:photographer``, ``schema:dateline``, ``schema:inLanguage``,
  ``schema:url``, ``sg:textSha256`` and ``schema:articleBody``, the text the
  offsets count into. A credit is the graph's own entity when exactly one
  entity of the right type (:data:`CREDITS`) has that name or alias, so
  "every schema:Person" counts each person once; otherwise a named blank
  node. The document entity whose name is the article's title *is* the
  article (:func:`article_documents`): one resource, ``article:{id}``, rather
  than two linked by ``owl:sameAs``, which a query without reasoning would
  count twice.
* **Blank nodes** (selectors, property values, unresolved credits) are
  labelled from what they describe (:func:`_bnode`), so every serialization
  of one graph is the same bytes in every process.
* schema.org's namespace is ``https://schema.org/`` (not ``http://``).

>>> from graph.testing import seed_index
>>> g = rdf_graph(seed_index())
>>> from rdflib import Graph
>>> len(Graph().parse(data=turtle_bytes(seed_index(), seed_index().g), format="turtle")) == len(g)
True
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import networkx as nx
import rdflib.namespace as ns
from rdflib import BNode, Graph, Literal, Namespace, URIRef

from graph.indexing import memo
from graph.indexing.names import normalize_name
from graph.vocabulary import PREDICATES

if TYPE_CHECKING:
    from graph.indexing.index import GraphIndex

# Open namespaces rather than rdflib's closed ones: pytest's doctest collection
# probes every module-level object, and the closed ones warn when probed.
class _Vocabulary(Namespace):
    """An open Namespace that keeps the terms it made: a whole-graph export asks for the same few
    dozen (``OA.hasSelector`` ...) tens of millions of times, and each new URIRef is validated."""

    def term(self, name: str) -> URIRef:
        made = _TERMS.setdefault(str(self), {})
        found = made.get(name)
        if found is None:
            found = made[name] = super().term(name)
        return found


_TERMS: dict[str, dict[str, URIRef]] = {}
RDF = _Vocabulary(str(ns.RDF))
RDFS = _Vocabulary(str(ns.RDFS))
XSD = _Vocabulary(str(ns.XSD))
PROV = _Vocabulary(str(ns.PROV))
BASE = "https://storygraph.dev/"
ENTITY = Namespace(BASE + "id/")
RELATION = Namespace(BASE + "relation/")
ARTICLE = Namespace(BASE + "article/")
SG = _Vocabulary(BASE + "vocab#")
SCHEMA = _Vocabulary("https://schema.org/")
OA = _Vocabulary("http://www.w3.org/ns/oa#")

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
# An article's credits: (property, class of an unknown one, metadata field, the entity types that may be it).
CREDITS: tuple[tuple[URIRef, URIRef, str, tuple[str, ...]], ...] = (
    (SCHEMA.publisher, SCHEMA.Organization, "publisher", ("organization", "government")),
    (SCHEMA.author, SCHEMA.Person, "authors", ("person",)),
    (SCHEMA.editor, SCHEMA.Person, "editors", ("person",)),
    (SG.photographer, SCHEMA.Person, "photographers", ("person",)),
)

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


def node_iri(ix: GraphIndex, node: str) -> URIRef:
    """The IRI the RDF view gives an entity: :func:`entity_iri`, or the article's for the document entity that is
    the article (:func:`article_documents`)."""
    aid = articles_of_documents(ix).get(node)
    return entity_iri(node) if aid is None else article_iri(aid)


def relation_iri(rel_id: str) -> URIRef:
    return RELATION[rel_id]


def article_iri(article_id: str) -> URIRef:
    return ARTICLE[article_id]


def span_iri(article_id: str, start: int, end: int) -> URIRef:
    """An evidence span: the article's IRI with an RFC 5147 ``#char=start,end`` fragment."""
    return URIRef(f"{ARTICLE[article_id]}#char={start},{end}")


_CREDITED = frozenset(t for *_, types in CREDITS for t in types)  # the entity types a credit can name


def _bnode(*about: str) -> BNode:
    """A blank node labelled by what it describes (its owner's IRI and its role), not at random.

    rdflib's Turtle writer orders blank nodes by label, so random labels made the
    same graph come out in a different order on every request (and its strong
    ETag lie); these make it the same bytes in every process.

    >>> span = "https://storygraph.dev/article/a#char=0,5"
    >>> _bnode(span, "quote") == _bnode(span, "quote") != _bnode(span, "position")
    True
    """
    return BNode("b" + hashlib.blake2b("\x1f".join(about).encode(), digest_size=16).hexdigest())


def credits(meta: dict[str, Any]) -> Iterator[tuple[URIRef, URIRef, tuple[str, ...], str]]:
    """``(property, class, entity types, name)`` of every credit in an article's metadata."""
    for prop, cls, field, types in CREDITS:
        names = [meta.get(field)] if field == "publisher" else meta.get(field) or []
        for name in names:
            if name:
                yield prop, cls, types, name


def article_documents(titles: Iterable[tuple[str, str | None]], documents: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Which document entities *are* an article: entity id -> article id.

    A document entity whose name is an article's title (compared as name
    lookups compare, :func:`graph.indexing.names.normalize_name`) is that article, as
    the seed's ``the-article`` is: the RDF writes both as one resource, the
    article's IRI, so the article is not counted twice. Only when the title
    is unique on both sides: two articles or two documents with one headline
    stay apart.

    >>> article_documents([("a1", "Talks 'meaningful'"), ("a2", "Other")],
    ...                   [("the-article", "talks meaningful"), ("photo", "A photo")])
    {'the-article': 'a1'}
    """
    articles: dict[str, list[str]] = {}
    for aid, title in titles:
        if title and normalize_name(title):
            articles.setdefault(normalize_name(title), []).append(aid)
    docs: dict[str, list[str]] = {}
    for node, name in documents:
        docs.setdefault(normalize_name(name), []).append(node)
    return {nodes[0]: articles[key][0] for key, nodes in sorted(docs.items())
            if len(nodes) == 1 and len(articles.get(key, ())) == 1}


def articles_of_documents(ix: GraphIndex) -> dict[str, str]:
    """:func:`article_documents` of the whole index (kept in its memo: a neighbourhood needs it too)."""
    documents: dict[str, str] = memo.get(ix, "rdf-documents", None, lambda: article_documents(
        ((a, m.get("title")) for a, m in ix.articles.items()),
        ((n, d["name"]) for n, d in ix.g.nodes(data=True) if d["type"] == "document")), size=1)
    return documents


def _date(value: str | None) -> Literal | None:
    return Literal(value, datatype=XSD.date) if value else None


def _add(out: Graph, s: URIRef | BNode, p: URIRef, o: Any) -> None:
    if o is not None and o != "":
        out.add((s, p, o if isinstance(o, (URIRef, BNode, Literal)) else Literal(o)))


class _Builder:
    def __init__(self, ix: GraphIndex, g: nx.MultiDiGraph) -> None:
        self.ix, self.g = ix, g
        self.out = Graph(bind_namespaces="none")
        for prefix, base in PREFIXES.items():
            self.out.bind(prefix, base)
        self.spans: set[URIRef] = set()
        self.articles: set[str] = set()
        self.same = articles_of_documents(ix)

    def iri(self, node: str) -> URIRef:
        """An entity's IRI; the article's, for the document entity that is the article (:func:`article_documents`)."""
        aid = self.same.get(node)
        if aid is None:
            return entity_iri(node)
        self.articles.add(aid)
        return article_iri(aid)

    def agent(self, name: str, types: tuple[str, ...]) -> str | None:
        """The one entity of one of ``types`` with that name or alias, if exactly one."""
        found = [n for n in self.ix.names.named(name) if self.ix.g.nodes[n]["type"] in types]
        return found[0] if len(found) == 1 else None

    def credited(self, node: str) -> None:
        """A credited entity outside a neighbourhood keeps its class and name there."""
        if node not in self.g:
            d = self.ix.g.nodes[node]
            self.out.add((self.iri(node), RDF.type, self.schema_type(node, d["type"])))
            self.out.add((self.iri(node), SCHEMA.name, Literal(d["name"])))

    # --- evidence -------------------------------------------------------
    def evidence(self, fact: URIRef, items: Iterable[dict[str, Any]], motivation: URIRef, key: str) -> None:
        out = self.out
        for n, ev in enumerate(items, start=1):
            span = self.span(ev)
            out.add((fact, PROV.wasDerivedFrom, span))
            ann = URIRef(f"{BASE}annotation/{key}/{n}")
            out.add((ann, RDF.type, OA.Annotation))
            out.add((ann, OA.motivatedBy, motivation))
            out.add((ann, OA.hasBody, fact))
            out.add((ann, OA.hasTarget, span))

    def span(self, ev: dict[str, Any]) -> URIRef:
        aid, start, end = ev["article_id"], int(ev["start"]), int(ev["end"])
        span = span_iri(aid, start, end)
        if span in self.spans:
            return span
        self.spans.add(span)
        self.articles.add(aid)
        self.span_triples(span, ev, self.ix.texts.get(aid))
        return span

    def span_triples(self, span: URIRef, ev: dict[str, Any], text: str | None) -> None:
        out, start, end = self.out, int(ev["start"]), int(ev["end"])
        out.add((span, RDF.type, OA.SpecificResource))
        out.add((span, OA.hasSource, article_iri(ev["article_id"])))
        quote = _bnode(str(span), "quote")
        out.add((span, OA.hasSelector, quote))
        out.add((quote, RDF.type, OA.TextQuoteSelector))
        out.add((quote, OA.exact, Literal(ev["quote"])))
        if text is not None:
            _add(out, quote, OA.prefix, text[max(0, start - CONTEXT_CHARS):start])
            _add(out, quote, OA.suffix, text[end:end + CONTEXT_CHARS])
        position = _bnode(str(span), "position")
        out.add((span, OA.hasSelector, position))
        out.add((position, RDF.type, OA.TextPositionSelector))
        out.add((position, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))
        out.add((position, OA.end, Literal(end, datatype=XSD.nonNegativeInteger)))
        if ev.get("sentence") is not None:
            out.add((span, SG.sentence, Literal(int(ev["sentence"]), datatype=XSD.integer)))

    # --- entities -------------------------------------------------------
    def entity(self, node: str, d: dict[str, Any]) -> None:
        out, s = self.out, self.iri(node)
        out.add((s, RDF.type, self.schema_type(node, d["type"])))
        out.add((s, SG.type, Literal(d["type"])))
        out.add((s, SCHEMA.name, Literal(d["name"])))
        for alias in d.get("aliases") or []:
            if alias != d["name"]:
                out.add((s, SCHEMA.alternateName, Literal(alias)))
        _add(out, s, SCHEMA.description, d.get("description"))
        _add(out, s, SG.modality, d.get("modality"))
        for key, value in sorted((d.get("attributes") or {}).items()):
            pv = _bnode(str(s), "additionalProperty", key)
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
        from graph.algorithms.queries import claim as claim_view  # queries imports the index; keep this module light

        status = claim_view(self.ix, node)["status"] if node in self.ix.g else None
        about = [v for _, v, e in self.g.out_edges(node, data=True) if e["predicate"] == "about"]
        sayings = [(u, e["id"], e["predicate"]) for u, _, e in self.g.in_edges(node, data=True)]
        self.claim_triples(node, d, status, about, sayings)

    def claim_triples(self, node: str, d: dict[str, Any], status: str | None, about: list[str],
                      sayings: list[tuple[str, str, str]]) -> None:
        """A claim's text, status, what it is about and, per (agent, relation id, predicate), who says it."""
        out, s = self.out, self.iri(node)
        out.add((s, SCHEMA.text, Literal(d["name"])))
        _add(out, s, SG.status, status)
        for v in about:
            out.add((s, SCHEMA.about, self.iri(v)))
        for u, rel_id, predicate in sayings:
            role = ROLES.get(predicate)
            if role is None:
                continue
            st = relation_iri(rel_id)
            out.add((s, PROV.qualifiedAttribution, st))
            out.add((st, RDF.type, PROV.Attribution))
            out.add((st, PROV.agent, self.iri(u)))
            out.add((st, PROV.hadRole, role))
            if role == SG.asserter:
                out.add((s, PROV.wasAttributedTo, self.iri(u)))

    # --- relations ------------------------------------------------------
    def relation(self, u: str, v: str, e: dict[str, Any]) -> None:
        out = self.out
        s, o, p = self.iri(u), self.iri(v), SG[e["predicate"]]
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
            out.add((st, SG.place, self.iri(q["place"])))
        if q.get("source"):
            out.add((st, SG.source, self.iri(q["source"])))
        _add(out, st, SG.role, q.get("role"))
        self.evidence(st, e.get("evidence") or [], OA.describing, f"relation/{e['id']}")

    # --- articles and vocabulary ---------------------------------------
    def article(self, aid: str, meta: dict[str, Any] | None = None, text: str | None = None) -> None:
        meta = self.ix.articles.get(aid) if meta is None else meta
        if meta is None:
            return
        text = self.ix.texts.get(aid) if text is None else text
        out, a = self.out, article_iri(aid)
        out.add((a, RDF.type, SCHEMA.NewsArticle))
        _add(out, a, SCHEMA.identifier, aid)
        _add(out, a, SCHEMA.headline, meta.get("title"))
        _add(out, a, SCHEMA.datePublished, _date(str(meta["published"])) if meta.get("published") else None)
        for prop, cls, types, name in credits(meta):
            node = self.agent(name, types)
            if node is None:  # no entity (or more than one) has that name: a named blank node, as before
                agent: URIRef | BNode = _bnode(str(a), str(prop), name)
                out.add((agent, RDF.type, cls))
                out.add((agent, SCHEMA.name, Literal(name)))
            else:
                agent = self.iri(node)
                self.credited(node)
            out.add((a, prop, agent))
        _add(out, a, SCHEMA.dateline, meta.get("dateline"))
        _add(out, a, SCHEMA.inLanguage, meta.get("language"))
        if meta.get("url"):
            out.add((a, SCHEMA.url, URIRef(meta["url"])))
        _add(out, a, SG.textSha256, meta.get("text_sha256"))
        _add(out, a, SCHEMA.articleBody, text)

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


def build_rdf(ix: GraphIndex, g: nx.MultiDiGraph | None = None) -> Graph:
    """A fresh rdflib graph of ``g`` (default: the whole index's graph)."""
    return _Builder(ix, ix.g if g is None else g).build()


_CACHE_SIZE = 1  # the whole graph's view, at the index's revision


def rdf_graph(ix: GraphIndex, g: nx.MultiDiGraph | None = None) -> Graph:
    """The RDF view of ``g`` (default: the whole graph, kept in the index's memo; do not mutate it)."""
    if g is not None and g is not ix.g:
        return build_rdf(ix, g)
    whole: Graph = memo.get(ix, "rdf", None, lambda: build_rdf(ix), size=_CACHE_SIZE)
    return whole


def jsonld_bytes(ix: GraphIndex, g: nx.MultiDiGraph) -> bytes:
    """The ``jsonld`` format of :mod:`graph.readwrite.formats`: JSON-LD with the inline :data:`JSONLD_CONTEXT`."""
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


def turtle_bytes(ix: GraphIndex, g: nx.MultiDiGraph) -> bytes:
    """The ``turtle`` format of :mod:`graph.readwrite.formats`, with the prefixes of :data:`PREFIXES` bound."""
    return rdf_graph(ix, g).serialize(format="turtle", encoding="utf-8")


# --- streaming: the whole stored graph, triple by triple ------------------------------------------

class _StreamBuilder(_Builder):
    """The same triples as :func:`build_rdf` of the whole graph, read from a :class:`graph.readwrite.stream.DbSource`.

    Written to a sink as they are made (no rdflib Graph): entities a batch at a
    time (with the relations that give documents their class and claims their
    attributions, read per batch), then relations, the vocabulary, and last each
    article with the evidence spans in its text (each span once, as the
    in-memory builder dedupes them), so only one article's text is held.
    """

    def __init__(self, source: Any, sink: Any) -> None:
        self.source, self.out = source, sink  # ``out`` takes triples as the in-memory builder's Graph does
        self.sink: _Sink = sink
        self.spans, self.articles = set(), set()
        self._into: dict[str, list[Any]] = {}
        self._out_of: dict[str, list[Any]] = {}
        # read before the entities: which document is an article, and the credits' names to watch for
        articles = source.articles
        self.same = article_documents(((a, m.get("title")) for a, m in articles.items()), source.documents())
        self._wanted = {normalize_name(name) for meta in articles.values() for *_, name in credits(meta)}
        self._named: dict[str, dict[str, str]] = {}  # credited name's key -> {entity id: type}, met on the way

    def entity(self, node: str, d: dict[str, Any]) -> None:
        if self._wanted and d["type"] in _CREDITED:
            for form in {normalize_name(f) for f in [d["name"], *(d.get("aliases") or [])]} & self._wanted:
                self._named.setdefault(form, {})[node] = d["type"]
        super().entity(node, d)

    def agent(self, name: str, types: tuple[str, ...]) -> str | None:
        found = [n for n, t in self._named.get(normalize_name(name), {}).items() if t in types]
        return found[0] if len(found) == 1 else None

    def credited(self, node: str) -> None:  # the whole graph: every entity is in it
        pass

    def span(self, ev: dict[str, Any]) -> URIRef:  # its triples come with its article (build)
        return span_iri(ev["article_id"], int(ev["start"]), int(ev["end"]))

    def _prefetch(self, batch: list[Any]) -> None:
        docs = [n for n, d in batch if d["type"] == "document"]
        claims = [n for n, d in batch if d["type"] == "claim"]
        self._into, self._out_of = {}, {}
        for r in self.source.relations_touching(docs + claims, claims):
            self._into.setdefault(r.object_id, []).append(r)
            self._out_of.setdefault(r.subject_id, []).append(r)

    def schema_type(self, node: str, type_: str) -> URIRef:
        if type_ == "document":
            # the in-memory graph's in_edges order: predecessors by their first relation id, then by id
            by_subject: dict[str, list[Any]] = {}
            for r in self._into.get(node, []):
                by_subject.setdefault(r.subject_id, []).append(r)
            for rs in by_subject.values():
                for r in rs:
                    if r.predicate in DOCUMENT_TYPES:
                        return DOCUMENT_TYPES[r.predicate]
        return SCHEMA_TYPES.get(type_, SCHEMA.Thing)

    def claim(self, node: str, d: dict[str, Any]) -> None:
        from graph.algorithms.queries import claim_status

        into = [r for r in self._into.get(node, []) if r.predicate in ROLES]
        status = claim_status([{"id": r.subject_id} for r in into if r.predicate == "asserts"],
                              [{"id": r.subject_id} for r in into if r.predicate == "denies"])
        about = [r.object_id for r in self._out_of.get(node, []) if r.predicate == "about"]
        self.claim_triples(node, d, status, about, [(r.subject_id, r.id, r.predicate) for r in into])

    def stream(self) -> Iterator[str]:
        """Build, yielding the text written so far after each batch."""
        source = self.source
        for batch in source.node_batches():
            self._prefetch(batch)
            for node, d in batch:
                self.entity(node, d)
            yield self.sink.take()
        used: set[str] = set()
        for batch in source.edge_batches():
            for u, v, _, e in batch:
                self.relation(u, v, e)
                used.add(e["predicate"])
            yield self.sink.take()
        self.vocabulary(used)
        for aid in sorted(source.articles):
            meta, text = source.article(aid)
            self.article(aid, meta, text)
            for start, end, quote, sentence in source.article_spans(aid):
                ev = {"article_id": aid, "start": start, "end": end, "quote": quote, "sentence": sentence}
                self.span_triples(span_iri(aid, start, end), ev, text)
            yield self.sink.take()


class _Sink:
    """Takes triples as :class:`_Builder` adds them, as text, until :meth:`take`."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def take(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text


_PREFIXED = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
_TTL_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_TTL_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


@lru_cache(maxsize=1 << 16)  # entities and predicates recur; evidence spans do not
def _ttl_iri(iri: str) -> str:
    for prefix, base in _PREFIXED:
        if iri.startswith(base) and _TTL_LOCAL.fullmatch(iri[len(base):]):
            return f"{prefix}:{iri[len(base):]}"
    return "<" + _IRI_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04X}", iri) + ">"


def _ttl_term(t: Any) -> str:
    if isinstance(t, URIRef):
        return _ttl_iri(str(t))
    if isinstance(t, BNode):
        return f"_:{t}"
    text = '"' + str(t).translate(_TTL_ESCAPES) + '"'
    if t.language:
        return f"{text}@{t.language}"
    return f"{text}^^{_ttl_iri(str(t.datatype))}" if t.datatype else text


class _TurtleSink(_Sink):
    """Turtle, one triple a line (prefixed names where they are safe, IRIs in full otherwise)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts = [f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()] + ["\n"]

    def add(self, triple: tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]) -> None:
        s, p, o = triple
        self.parts.append(f"{_ttl_term(s)} {'a' if p == RDF.type else _ttl_term(p)} {_ttl_term(o)} .\n")


def _jsonld_id(t: Any) -> str:
    if isinstance(t, BNode):
        return f"_:{t}"
    iri = str(t)
    for prefix, base in _PREFIXED:
        if iri.startswith(base) and not iri[len(base):].startswith("//"):
            return f"{prefix}:{iri[len(base):]}"
    return iri


class _JsonLdSink(_Sink):
    """JSON-LD with :data:`JSONLD_CONTEXT`: one node object per run of triples about one subject.

    A subject met again later (a claim's attribution on its statement, say) gets
    another node object with the same ``@id``; JSON-LD merges them.
    """

    def __init__(self) -> None:
        super().__init__()
        self.parts = ['{"@context":' + json.dumps(JSONLD_CONTEXT, ensure_ascii=False) + ',\n"@graph":[\n']
        self.node: dict[str, Any] | None = None
        self.sep = ""

    def add(self, triple: tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]) -> None:
        s, p, o = triple
        sid = _jsonld_id(s)
        if self.node is None or self.node["@id"] != sid:
            self.flush()
            self.node = {"@id": sid}
        if p == RDF.type:
            self.node.setdefault("@type", []).append(_jsonld_id(o))
            return
        if isinstance(o, (URIRef, BNode)):
            value: Any = {"@id": _jsonld_id(o)}
        elif o.language:
            value = {"@value": str(o), "@language": o.language}
        elif o.datatype:
            value = {"@value": str(o), "@type": _jsonld_id(o.datatype)}
        else:
            value = str(o)
        self.node.setdefault(_jsonld_id(p), []).append(value)

    def flush(self) -> None:
        if self.node is not None:
            self.parts.append(self.sep + json.dumps(self.node, ensure_ascii=False))
            self.sep, self.node = ",\n", None

    def close(self) -> None:
        self.flush()
        self.parts.append("\n]}\n")


def _rdf_chunks(source: Any, sink: _Sink) -> Iterator[bytes]:
    builder = _StreamBuilder(source, sink)
    yield sink.take().encode()  # the prefixes or the context: at once
    for text in builder.stream():
        if text:
            yield text.encode()
    if isinstance(sink, _JsonLdSink):
        sink.close()
    yield sink.take().encode()


def turtle_chunks(source: Any) -> Iterator[bytes]:
    """The whole stored graph as Turtle, streamed: the triples of :func:`turtle_bytes`, one a line."""
    return _rdf_chunks(source, _TurtleSink())


def jsonld_chunks(source: Any) -> Iterator[bytes]:
    """The whole stored graph as JSON-LD, streamed: the triples of :func:`jsonld_bytes`, a node object per
    subject run."""
    return _rdf_chunks(source, _JsonLdSink())
