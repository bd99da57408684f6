"""The SPARQL answer formats that are XML or JSON-LD: results XML, RDF/XML and JSON-LD.

Why a module of its own: these are what SPARQLWrapper and rdflib's
``SPARQLStore`` ask for by default (``application/sparql-results+xml`` for
``SELECT``/``ASK``, ``application/rdf+xml`` for ``CONSTRUCT``/``DESCRIBE``), and
XML needs care that the JSON, CSV, TSV, Turtle and N-Triples writers in
:mod:`graph.semantic.sparql` do not:

* **Every document is well-formed XML 1.0.** A literal may hold a character
  XML 1.0 cannot carry at all (``"a\\x01b"``, from the data or from a ``BIND``
  in the query); it is written as U+FFFD (:func:`graph.readwrite.xmlsafe.xml_safe`), as
  in every other XML the service writes. JSON-LD keeps it exactly.
* **RDF/XML cannot write every graph.** A predicate IRI must end in an XML
  name (``<http://e/p>`` can be written, ``<http://e/1>`` cannot). pyoxigraph
  writes such a graph anyway, as a document no XML parser reads; so the
  document is parsed once before it is sent, and an answer RDF/XML cannot carry
  is a :class:`~graph.errors.AnswerNotWritable` (406) naming the formats that can.

>>> from graph.semantic.sparql import QueryResult
>>> print(results_xml(QueryResult("ask", boolean=True)).decode())
<?xml version="1.0" encoding="utf-8"?>
<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/><boolean>true</boolean></sparql>
<BLANKLINE>
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # only to check that RDF/XML parses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from graph.errors import AnswerNotWritable
from graph.readwrite.xmlsafe import not_xml, xml_safe
from graph.semantic.rdf import PREFIXES

if TYPE_CHECKING:
    from graph.semantic.sparql import QueryResult

RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
RDF_XML = "application/rdf+xml"
# What a graph answer RDF/XML cannot carry can still be sent as (see app/routers/sparql.py).
GRAPH_ALTERNATIVES = ["text/turtle", "application/n-triples", "application/ld+json"]


# Text and attribute values, escaped; a carriage return as a reference, or an XML parser would read it as a
# line feed. Every value also goes through xml_safe first.
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;",
                            "\t": "&#9;"})


def serialize(triples: Iterable[ox.Triple] | Iterable[ox.Quad], fmt: ox.RdfFormat,
              prefixes: dict[str, str] | None = None) -> bytes:
    """pyoxigraph's serialisation in memory (``ox.serialize`` returns None only when it writes to a file)."""
    data = ox.serialize(triples, format=fmt, prefixes=prefixes)
    if data is None:
        raise TypeError("pyoxigraph wrote no bytes")
    return data


def _text(value: str) -> str:
    return xml_safe(value).translate(_TEXT)


def _attribute(value: str) -> str:
    return xml_safe(value).translate(_ATTRIBUTE)


def _term(term: dict[str, Any]) -> str:
    """The results-XML element of one SPARQL JSON term (``uri``, ``bnode``, ``literal``, ``triple``)."""
    kind = term["type"]
    if kind == "uri":
        return f"<uri>{_text(term['value'])}</uri>"
    if kind == "bnode":
        return f"<bnode>{_text(term['value'])}</bnode>"
    if kind == "triple":
        parts = term["value"]
        return ("<triple>" + "".join(f"<{p}>{_term(parts[p])}</{p}>" for p in ("subject", "predicate", "object"))
                + "</triple>")
    if "xml:lang" in term:
        return f'<literal xml:lang="{_attribute(term["xml:lang"])}">{_text(term["value"])}</literal>'
    if "datatype" in term:
        return f'<literal datatype="{_attribute(term["datatype"])}">{_text(term["value"])}</literal>'
    return f"<literal>{_text(term['value'])}</literal>"


def results_xml(result: QueryResult) -> bytes:
    """SPARQL 1.1 Query Results XML (https://www.w3.org/TR/rdf-sparql-XMLres/) of a SELECT or ASK answer.

    Unbound variables have no ``binding`` element, as the format says; text
    XML cannot carry becomes U+FFFD. Written as text, not through a DOM: a
    10 000-row answer takes a fifth of the time (0.3 s against 1.3-2.5 s).

    >>> from graph.semantic.sparql import QueryResult
    >>> r = QueryResult("select", variables=["x", "n"], rows=[
    ...     {"x": {"type": "literal", "value": "a\\x01<b>\\r\\n", "xml:lang": "en"}},
    ...     {"n": {"type": "literal", "value": "3", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}])
    >>> xml = results_xml(r).decode()
    >>> '<head><variable name="x"/><variable name="n"/></head>' in xml
    True
    >>> xml.split("<results>")[1].split("</result>")[0]
    '<result><binding name="x"><literal xml:lang="en">a\ufffd&lt;b&gt;&#13;\\n</literal></binding>'
    """
    out = ['<?xml version="1.0" encoding="utf-8"?>\n', f'<sparql xmlns="{RESULTS_NS}">']
    if result.form == "ask":
        out.append(f"<head/><boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        names = [(name, f'<binding name="{_attribute(name)}">') for name in result.variables]
        out.append("<head>" + "".join(f'<variable name="{_attribute(n)}"/>' for n in result.variables)
                   + "</head><results>")
        for row in result.rows:
            out.append("<result>")
            out.extend(f"{opening}{_term(row[name])}</binding>" for name, opening in names if name in row)
            out.append("</result>\n")
        out.append("</results>")
    out.append("</sparql>\n")
    return "".join(out).encode("utf-8")


def _xml_safe_triples(data: bytes) -> list[ox.Triple]:
    """The triples of an N-Triples answer, each literal XML 1.0 cannot carry made safe."""
    out = []
    for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
        o = t.object
        if isinstance(o, ox.Literal) and not_xml(o.value):
            o = (ox.Literal(xml_safe(o.value), language=o.language) if o.language
                 else ox.Literal(xml_safe(o.value), datatype=o.datatype))
            t = ox.Triple(t.subject, t.predicate, o)
        out.append(t)
    return out


def graph_rdfxml(result: QueryResult) -> bytes:
    """A CONSTRUCT/DESCRIBE answer as RDF/XML with the export's prefixes, or 406 if RDF/XML cannot carry it.

    >>> from graph.semantic.sparql import QueryResult
    >>> ok = QueryResult("graph", triples=b'<http://e/a> <http://e/p> "a\\x01b" .\\n')
    >>> b"a\\xef\\xbf\\xbdb" in graph_rdfxml(ok)
    True
    >>> b">a&#13;\\nb<" in graph_rdfxml(QueryResult("graph", triples=b'<http://e/a> <http://e/p> "a\\\\r\\\\nb" .\\n'))
    True
    >>> graph_rdfxml(QueryResult("graph", triples=b'<http://e/a> <http://e/1> "x" .\\n'))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    graph.errors.AnswerNotWritable: This answer cannot be written as RDF/XML (... such as <http://e/1>?); ask for ...
    """
    triples = _xml_safe_triples(result.triples) if result.triples else []
    # pyoxigraph writes a literal's carriage return raw, which a parser reads as a line feed; only a
    # literal can hold one (the writer indents with tabs and line feeds), so a reference keeps it.
    data = serialize(triples, ox.RdfFormat.RDF_XML, prefixes=PREFIXES).replace(b"\r", b"&#13;")
    try:
        ET.fromstring(data)
    except ET.ParseError:
        example = next((t.predicate.value for t in triples if not _ends_in_name(t.predicate.value)), None)
        hint = f" (a predicate IRI that does not end in an XML name, such as <{example}>?)" if example else ""
        raise AnswerNotWritable(f"This answer cannot be written as RDF/XML{hint}; ask for "
                            f"{', '.join(GRAPH_ALTERNATIVES[:-1])} or {GRAPH_ALTERNATIVES[-1]}",
                            GRAPH_ALTERNATIVES) from None
    return data


def _ends_in_name(iri: str) -> bool:
    """Whether ``iri`` ends in something that could be an XML element's local name (a rough check, for the hint)."""
    local = iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return bool(local) and (local[0].isalpha() or local[0] == "_")


def graph_jsonld(result: QueryResult) -> bytes:
    """A CONSTRUCT/DESCRIBE answer as JSON-LD (expanded form, every IRI in full).

    >>> from graph.semantic.sparql import QueryResult
    >>> graph_jsonld(QueryResult("graph", triples=b'<http://e/a> <http://e/p> "x" .\\n')).decode()
    '[{"@id":"http://e/a","http://e/p":[{"@value":"x"}]}]'
    >>> graph_jsonld(QueryResult("graph"))
    b'[]'
    """
    if not result.triples:
        return b"[]"
    return serialize(ox.parse(result.triples, format=ox.RdfFormat.N_TRIPLES), ox.RdfFormat.JSON_LD)
