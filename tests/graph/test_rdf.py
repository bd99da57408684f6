"""The RDF view: schema.org entities, reified relations, Web Annotation evidence, PROV-O claims."""

from __future__ import annotations

import json
import os

import networkx as nx
import pytest
from rdflib import BNode, Graph, Literal

from graph.semantic.rdf import (
    ARTICLE,
    CONTEXT_CHARS,
    ENTITY,
    OA,
    PROV,
    RDF,
    RELATION,
    SCHEMA,
    SG,
    XSD,
    build_rdf,
    jsonld_bytes,
    node_iri,
    rdf_graph,
    turtle_bytes,
)
from graph.testing import seed_index

ARTICLE_ID = "fentanyl-talks-2024-01-31"


@pytest.fixture(scope="module")
def ix():
    return seed_index()


@pytest.fixture(scope="module")
def rdf(ix) -> Graph:
    return build_rdf(ix)


def _subgraph(ix, node: str, depth: int) -> nx.MultiDiGraph:
    reach = nx.single_source_shortest_path_length(ix.g.to_undirected(as_view=True), node, cutoff=depth)
    return ix.g.subgraph(reach)


def _ground(g: Graph) -> set:
    return {t for t in g if not any(isinstance(x, BNode) for x in t)}


@pytest.mark.parametrize("scope", ["whole", "wang-1", "daskal-2"])
def test_jsonld_and_turtle_parse_back_to_the_same_triples(ix, scope):
    g = ix.g if scope == "whole" else _subgraph(ix, *{"wang-1": ("wang-xiaohong", 1),
                                                      "daskal-2": ("jen-daskal", 2)}[scope])
    built = build_rdf(ix, g)
    from_ttl = Graph().parse(data=turtle_bytes(ix, g), format="turtle")
    from_jsonld = Graph().parse(data=jsonld_bytes(ix, g), format="json-ld")
    assert len(built) > 0
    assert len(from_ttl) == len(from_jsonld) == len(built)
    ground = _ground(built)  # rdflib's isomorphism test takes seconds here; the blank-node-free part is exact
    assert _ground(from_ttl) == ground and _ground(from_jsonld) == ground
    statements = set(built.subjects(RDF.type, RDF.Statement))
    assert {RELATION[k] for _, _, k in g.edges(keys=True)} == statements


def test_a_neighbourhood_is_a_part_of_the_whole(ix, rdf):
    part = build_rdf(ix, _subgraph(ix, "wang-xiaohong", 1))
    assert len(part) < len(rdf)
    named = set(part.subjects(SG.type, None))
    assert named == {node_iri(ix, n) for n in _subgraph(ix, "wang-xiaohong", 1)}
    credited = {s for s in part.subjects(RDF.type, None) if str(s).startswith(str(ENTITY))} - named
    assert credited == {ENTITY[n] for n in ("reuters", "antoni-slodkowski", "andrew-cawthorne", "ng-han-guan")}


def test_jsonld_context_is_inline_and_output_is_stable(ix):
    data = jsonld_bytes(ix, ix.g)
    doc = json.loads(data)
    assert isinstance(doc["@context"], dict)
    assert doc["@context"]["schema"] == "https://schema.org/"
    assert data == jsonld_bytes(ix, ix.g)  # deterministic: sorted nodes, no random blank node labels
    assert '"_:' not in data.decode()
    daskal = next(n for n in doc["@graph"] if n["@id"] == "entity:jen-daskal")
    assert daskal["@type"] == "schema:Person" and daskal["name"] == "Jen Daskal"
    span = next(n for n in doc["@graph"] if n["@id"].endswith("#char=921,957"))
    position = next(s for s in span["hasSelector"] if s["@type"] == "oa:TextPositionSelector")
    assert position["start"] == 921 and position["end"] == 957


def test_turtle_binds_the_prefixes(ix):
    text = turtle_bytes(ix, ix.g).decode()
    for prefix in ("sg", "entity", "relation", "article", "schema", "prov", "oa"):
        assert f"@prefix {prefix}: " in text
    assert "entity:jen-daskal a schema:Person" in text


def test_entities_are_schema_org_types_with_names_and_aliases(ix, rdf):
    expected = {"jen-daskal": SCHEMA.Person, "united-states": SCHEMA.Country, "beijing": SCHEMA.City,
                "us-delegation": SCHEMA.Organization, "fentanyl": SCHEMA.ChemicalSubstance,
                "covid-19": SCHEMA.MedicalCondition, "beijing-talks": SCHEMA.Event,
                "china-primary-source-of-precursors": SCHEMA.Claim, "daskal-wang-photo": SCHEMA.Photograph,
                "us-embassy-beijing": SCHEMA.Place}
    for node, cls in expected.items():
        assert (ENTITY[node], RDF.type, cls) in rdf, node
    for node, d in ix.g.nodes(data=True):
        s = node_iri(ix, node)
        assert rdf.value(s, SCHEMA.name) == Literal(d["name"])
        assert rdf.value(s, SG.type) == Literal(d["type"])
        assert set(rdf.objects(s, SCHEMA.alternateName)) == {Literal(a) for a in d["aliases"] if a != d["name"]}
    assert Literal("the head of the White House delegation") in rdf.objects(ENTITY["jen-daskal"],
                                                                            SCHEMA.alternateName)
    titles = next(pv for pv in rdf.objects(ENTITY["jen-daskal"], SCHEMA.additionalProperty))
    assert rdf.value(titles, SCHEMA.name) == Literal("titles")
    assert Literal("Deputy Homeland Security Advisor") in set(rdf.objects(titles, SCHEMA.value))


def test_event_dates_keep_interval_edtf_and_words(rdf):
    summit = ENTITY["san-francisco-summit"]
    assert rdf.value(summit, SCHEMA.startDate) == Literal("2023-11-01", datatype=XSD.date)
    assert rdf.value(summit, SCHEMA.endDate) == Literal("2023-11-30", datatype=XSD.date)
    assert rdf.value(summit, SG.edtf) == Literal("2023-11")
    assert rdf.value(summit, SG.dateText) == Literal("in November")
    assert rdf.value(summit, SG.datePrecision) == Literal("month")
    talks = ENTITY["beijing-talks"]  # "2023-11/2024-01-30": after the November summit, over by the Tuesday
    assert rdf.value(talks, SCHEMA.startDate) == Literal("2023-11-01", datatype=XSD.date)
    assert rdf.value(talks, SCHEMA.endDate) == Literal("2024-01-30", datatype=XSD.date)
    assert rdf.value(talks, SG.edtf) == Literal("2023-11/2024-01-30")


def test_relations_are_direct_triples_and_statements_with_qualifiers(ix, rdf):
    for u, v, k, e in ix.g.edges(keys=True, data=True):
        st, p = RELATION[k], SG[e["predicate"]]
        assert (node_iri(ix, u), p, node_iri(ix, v)) in rdf
        assert rdf.value(st, RDF.subject) == node_iri(ix, u)
        assert rdf.value(st, RDF.predicate) == p
        assert rdf.value(st, RDF.object) == node_iri(ix, v)
        assert rdf.value(st, SG.modality) == Literal(e["modality"])
        assert {(str(a), b) for a, b in
                ((ev["article_id"], (ev["start"], ev["end"])) for ev in e["evidence"])} == \
            {(ARTICLE_ID, tuple(map(int, str(o).split("#char=")[1].split(","))))
             for o in rdf.objects(st, PROV.wasDerivedFrom)}
    met = RELATION["daskal-met-with-wang"]
    assert rdf.value(met, SG.time) == Literal("2024-01-30")
    assert rdf.value(met, SG.timeText) == Literal("Tuesday, Jan. 30, 2024")
    assert rdf.value(met, SG.timeEarliest) == Literal("2024-01-30", datatype=XSD.date)
    cause = RELATION["fentanyl-leading-cause-of-overdoses"]
    assert rdf.value(cause, SG.place) == ENTITY["united-states"]
    assert rdf.value(cause, SG.role) == Literal("a leading cause")
    assert rdf.value(RELATION["us-seeks-chemical-controls"], SG.source) == ENTITY["jen-daskal"]
    assert rdf.value(RELATION["us-seeks-chemical-controls"], SG.modality) == Literal("hoped")


def test_evidence_is_web_annotation_with_both_selectors(ix, rdf):
    text = ix.texts[ARTICLE_ID]
    spans = set(rdf.subjects(RDF.type, OA.SpecificResource))
    assert spans
    for span in spans:
        assert rdf.value(span, OA.hasSource) == ARTICLE[ARTICLE_ID]
        selectors = {rdf.value(s, RDF.type): s for s in rdf.objects(span, OA.hasSelector)}
        quote, position = selectors[OA.TextQuoteSelector], selectors[OA.TextPositionSelector]
        start, end = int(rdf.value(position, OA.start)), int(rdf.value(position, OA.end))
        assert rdf.value(position, OA.start).datatype == XSD.nonNegativeInteger
        assert text[start:end] == str(rdf.value(quote, OA.exact))
        assert str(rdf.value(quote, OA.prefix) or "") == text[max(0, start - CONTEXT_CHARS):start]
        assert str(rdf.value(quote, OA.suffix) or "") == text[end:end + CONTEXT_CHARS]
        assert rdf.value(span, SG.sentence) is not None
        assert str(span) == f"{ARTICLE[ARTICLE_ID]}#char={start},{end}"
    # every fact's evidence is also an oa:Annotation: body the fact, target the span
    body = RELATION["china-denies-primary-source"]
    anns = set(rdf.subjects(OA.hasBody, body))
    assert {rdf.value(a, OA.hasTarget) for a in anns} == set(rdf.objects(body, PROV.wasDerivedFrom))
    assert all((a, RDF.type, OA.Annotation) in rdf for a in anns)


def test_claims_carry_prov_attribution_and_derived_status(rdf):
    claim = ENTITY["china-primary-source-of-precursors"]
    assert (claim, RDF.type, SCHEMA.Claim) in rdf
    assert str(rdf.value(claim, SCHEMA.text)).startswith("China is the primary source")
    assert rdf.value(claim, SG.status) == Literal("disputed")
    assert ENTITY["china"] in set(rdf.objects(claim, SCHEMA.about))
    roles = {(rdf.value(a, PROV.agent), rdf.value(a, PROV.hadRole))
             for a in rdf.objects(claim, PROV.qualifiedAttribution)}
    assert roles == {(ENTITY["china"], SG.denier), (ENTITY["united-states"], SG.asserter)}
    for a in rdf.objects(claim, PROV.qualifiedAttribution):
        assert (a, RDF.type, PROV.Attribution) in rdf and (a, RDF.type, RDF.Statement) in rdf
    assert set(rdf.objects(claim, PROV.wasAttributedTo)) == {ENTITY["united-states"]}


def test_article_is_a_news_article_and_its_date_stays_apart(ix, rdf):
    a = ARTICLE[ARTICLE_ID]
    assert (a, RDF.type, SCHEMA.NewsArticle) in rdf
    assert rdf.value(a, SCHEMA.datePublished) == Literal("2024-01-31", datatype=XSD.date)
    assert str(rdf.value(a, SCHEMA.headline)).startswith("US says fentanyl talks")
    assert rdf.value(rdf.value(a, SCHEMA.publisher), SCHEMA.name) == Literal("Reuters")
    assert rdf.value(rdf.value(a, SCHEMA.author), SCHEMA.name) == Literal("Antoni Slodkowski")
    assert rdf.value(rdf.value(a, SCHEMA.editor), SCHEMA.name) == Literal("Andrew Cawthorne")
    assert rdf.value(a, SCHEMA.dateline) == Literal("Beijing")
    assert str(rdf.value(a, SCHEMA.articleBody)) == ix.texts[ARTICLE_ID]
    assert list(rdf.subjects(SCHEMA.datePublished, None)) == [a]


def test_the_whole_view_is_cached_per_revision(ix):
    assert rdf_graph(ix) is rdf_graph(ix)
    assert rdf_graph(ix, _subgraph(ix, "china", 1)) is not rdf_graph(ix)


# --- issue 12: the article's people are the graph's entities; one article; stable bytes -----------------------

PEOPLE = {"jen-daskal", "joe-biden", "xi-jinping", "wang-xiaohong", "antoni-slodkowski", "andrew-cawthorne",
          "ng-han-guan"}


def test_every_person_is_one_of_the_graphs_people(ix, rdf):
    """A schema:Person query returns the seed's seven people, not three more blank nodes for the credits."""
    from graph.semantic.sparql_examples import EVERY_PERSON

    assert {n for n, d in ix.g.nodes(data=True) if d["type"] == "person"} == PEOPLE
    rows = list(rdf.query(EVERY_PERSON))
    assert sorted(str(r.person) for r in rows) == sorted(str(ENTITY[n]) for n in PEOPLE)
    assert sorted(str(r.name) for r in rows) == sorted(ix.g.nodes[n]["name"] for n in PEOPLE)
    # the namespace is https://schema.org/: the http:// form many users write names nothing
    assert not list(rdf.query(EVERY_PERSON.replace("https://schema.org/", "http://schema.org/")))


def test_the_articles_people_are_its_entities(rdf):
    a = ARTICLE[ARTICLE_ID]
    assert list(rdf.objects(a, SCHEMA.author)) == [ENTITY["antoni-slodkowski"]]
    assert list(rdf.objects(a, SCHEMA.editor)) == [ENTITY["andrew-cawthorne"]]
    assert list(rdf.objects(a, SG.photographer)) == [ENTITY["ng-han-guan"]]
    assert list(rdf.objects(a, SCHEMA.publisher)) == [ENTITY["reuters"]]
    assert not any(isinstance(o, BNode) for p in (SCHEMA.author, SCHEMA.editor, SCHEMA.publisher, SG.photographer)
                   for o in rdf.objects(None, p))


def test_the_article_is_one_resource(ix, rdf):
    """The document entity that is the article (its name is the headline) is written as the article itself."""
    a = ARTICLE[ARTICLE_ID]
    assert set(rdf.subjects(RDF.type, SCHEMA.NewsArticle)) == {a}
    assert not set(rdf.triples((ENTITY["the-article"], None, None)))
    assert not set(rdf.triples((None, None, ENTITY["the-article"])))
    assert (ENTITY["antoni-slodkowski"], SG.reported, a) in rdf
    assert rdf.value(RELATION["slodkowski-reported-article"], RDF.object) == a
    assert rdf.value(a, SG.type) == Literal("document")
    assert rdf.value(a, SCHEMA.name) == Literal(ix.g.nodes["the-article"]["name"])
    assert set(rdf.objects(a, PROV.wasDerivedFrom))  # the entity's evidence came along
    # a photograph stays its own entity
    assert (ENTITY["daskal-wang-photo"], RDF.type, SCHEMA.Photograph) in rdf


def test_a_credit_that_names_no_entity_stays_a_named_blank_node():
    from graph.indexing.index import GraphIndex

    seed = seed_index()  # shared (cached): its articles are copied, not changed
    meta = dict(seed.articles[ARTICLE_ID], authors=["Antoni Slodkowski", "Somebody Else"],
                publisher="Antoni Slodkowski")  # a person's name: not an organization, so not that entity
    ix = GraphIndex(seed.g, {ARTICLE_ID: meta}, seed.texts)
    g = build_rdf(ix)
    a = ARTICLE[ARTICLE_ID]
    authors = set(g.objects(a, SCHEMA.author))
    assert ENTITY["antoni-slodkowski"] in authors and len(authors) == 2
    other = next(x for x in authors if isinstance(x, BNode))
    assert g.value(other, SCHEMA.name) == Literal("Somebody Else") and (other, RDF.type, SCHEMA.Person) in g
    publisher = g.value(a, SCHEMA.publisher)
    assert isinstance(publisher, BNode) and (publisher, RDF.type, SCHEMA.Organization) in g
    assert build_rdf(ix).serialize(format="nt") == g.serialize(format="nt")  # its label is stable too


def test_a_neighbourhood_still_names_the_articles_people(ix):
    part = build_rdf(ix, _subgraph(ix, "wang-xiaohong", 1))
    a = ARTICLE[ARTICLE_ID]
    author = part.value(a, SCHEMA.author)
    assert author == ENTITY["antoni-slodkowski"]
    assert part.value(author, SCHEMA.name) == Literal("Antoni Slodkowski")
    assert (author, RDF.type, SCHEMA.Person) in part


@pytest.mark.parametrize("scope", ["whole", "daskal-1", "daskal-2"])
def test_rdf_bytes_are_the_same_on_every_run(ix, scope):
    """Blank nodes (selectors, property values) have labels made from what they describe, so rdflib orders them
    the same way every time: the neighbourhood Turtle's strong ETag holds."""
    from graph.readwrite.exports import neighborhood_graph

    def g():
        return ix.g if scope == "whole" else neighborhood_graph(ix, "jen-daskal", depth=int(scope[-1]))

    for render in (turtle_bytes, jsonld_bytes):
        assert render(ix, g()) == render(ix, g())
    assert build_rdf(ix, g()).serialize(format="nt") == build_rdf(ix, g()).serialize(format="nt")


def test_rdf_bytes_are_the_same_in_another_process(ix):
    import subprocess
    import sys
    from pathlib import Path

    program = ("import sys; from graph.testing import seed_index; from tests.graph.test_rdf import outputs_of;"
               "sys.stdout.buffer.write(outputs_of(seed_index()))")
    there = subprocess.run([sys.executable, "-c", program], capture_output=True, check=True,
                           cwd=Path(__file__).resolve().parents[2],
                           env={**os.environ, "PYTHONHASHSEED": "random"}).stdout
    assert there == outputs_of(ix)


def outputs_of(ix) -> bytes:
    """Every RDF rendering of the seed, for another process to make (see above)."""
    from graph.readwrite.exports import neighborhood_graph

    part = neighborhood_graph(ix, "jen-daskal", depth=2)
    triples = sorted(build_rdf(ix).serialize(format="nt", encoding="utf-8").splitlines())  # N-Triples: any order
    return b"\0".join([turtle_bytes(ix, part), jsonld_bytes(ix, part), turtle_bytes(ix, ix.g), *triples])
