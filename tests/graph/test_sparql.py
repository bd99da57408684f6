"""Read-only SPARQL over the RDF view: the docs' questions (docs/rdf-sparql.md), refusals, the time budget, the caps."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
import threading
import time
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from rdflib import Graph

from graph.algorithms import queries
from graph.errors import QueryAborted, QueryInvalid, QueryRefused, QueryTimeout
from graph.semantic import rdf, sparql
from graph.semantic.sparql_examples import EVENTS_IN_DATE_ORDER, EXAMPLES, WHO_DENIES_WHAT, WITHIN_TWO_HOPS_OF_DASKAL
from graph.testing import seed_index

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "rdf-sparql.md").read_text(encoding="utf-8")
AGENTS = ("person", "organization", "government", "country")
# Every triple with every triple with every triple, sorted: ~10^11 rows, never finishes.
EXPLOSIVE = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"  # time and memory
# A cube of the store counted as it streams: seconds of CPU and almost no memory, so only the clock stops it
# (EXPLOSIVE may hit the memory budget first on a fast machine).
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def ix():
    return seed_index()


def _values(result: sparql.QueryResult) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in row.items()} for row in result.rows]


# --- the docs' three research questions (docs/rdf-sparql.md) ---------------------------------

def test_who_denies_what_claim(ix):
    rows = _values(sparql.run_query(ix, WHO_DENIES_WHAT))
    expected = []
    for c in queries.claims(ix):
        for a in c["attributions"]:
            if a["predicate"] == "denies":
                for ev in a["evidence"]:
                    expected.append({"denier": a["subject"]["name"], "claim": c["text"], "status": c["status"],
                                     "quote": ev["quote"]})
    assert rows == sorted(expected, key=lambda r: (r["denier"], r["claim"]))
    assert rows == [{"denier": "China",
                     "claim": "China is the primary source of the precursor chemicals synthesized into fentanyl "
                              "by drug cartels in Mexico.",
                     "status": "disputed", "quote": "China\ndenies this."}]


def test_everyone_within_two_hops_of_daskal(ix):
    rows = _values(sparql.run_query(ix, WITHIN_TWO_HOPS_OF_DASKAL))
    reach = nx.single_source_shortest_path_length(ix.g.to_undirected(as_view=True), "jen-daskal", cutoff=2)
    expected = sorted(({"name": ix.g.nodes[n]["name"], "type": ix.g.nodes[n]["type"], "hops": str(d)}
                       for n, d in reach.items() if d > 0 and ix.g.nodes[n]["type"] in AGENTS),
                      key=lambda r: (r["hops"], r["name"]))
    assert rows == expected
    assert {"name": "Wang Xiaohong", "type": "person", "hops": "1"} in rows
    assert {"name": "Xi Jinping", "type": "person", "hops": "2"} in rows


def test_events_in_date_order(ix):
    rows = _values(sparql.run_query(ix, EVENTS_IN_DATE_ORDER))
    dated = [e for e in queries.events(ix) if e["date"] is not None]
    assert [r["event"] for r in rows] == [e["name"] for e in dated]
    assert [(r["edtf"], r["words"], r.get("earliest"), r.get("latest")) for r in rows] == \
        [(e["date"], e["date_text"], e["earliest"], e["latest"]) for e in dated]
    assert [r["edtf"] for r in rows] == ["2023-11", "2023-11/2024-01-30", "2023-11/2024-01-31", "2024-01-30",
                                         "2024-02", "2024-22"]


def _has_sparql_section() -> bool:
    return re.search(r"^#+ .*SPARQL", DOCS, re.M) is not None


@pytest.mark.skipif(not _has_sparql_section(), reason="docs/rdf-sparql.md has no SPARQL section yet")
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_the_docs_show_each_example_verbatim(name):
    assert EXAMPLES[name] in DOCS


# --- what is refused --------------------------------------------------------

UPDATES = [
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "PREFIX ex: <http://e/>\n# a comment with SELECT\ndelete where { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR ALL",
    "DROP GRAPH <http://e/g>",
    "WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "BASE <http://e/> PREFIX : <x#> CREATE GRAPH <g>",
]
FEDERATED = [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o .service silent ?x { ?a ?b ?c } }",
    'SELECT * WHERE { BIND("\\u0022" AS ?x) SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } BIND("""y""" AS ?y) }',
]


@pytest.mark.parametrize(("query", "refusal"), [*((q, "updates are not allowed") for q in UPDATES),
                                                *((q, "SERVICE") for q in FEDERATED)])
def test_updates_and_federated_service_are_refused_before_anything_runs(ix, query, refusal):
    with pytest.raises(QueryRefused, match=refusal):
        sparql.run_query(ix, query)


def test_an_escape_outside_strings_is_no_keyword_but_a_syntax_error(ix):
    """pyoxigraph reads \\u escapes only inside strings and IRIs, so this is not SERVICE: it is not SPARQL."""
    with pytest.raises(QueryInvalid) as info:
        sparql.run_query(ix, "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert type(info.value) is QueryInvalid and info.value.parser_message


def test_the_word_service_in_strings_iris_and_names_is_fine(ix):
    q = ('PREFIX ex: <http://e/SERVICE#>\nSELECT ?x WHERE { BIND("SERVICE" AS ?x) FILTER(?x != ex:SERVICE) } '
         '# SERVICE')
    assert _values(sparql.run_query(ix, q)) == [{"x": "SERVICE"}]




@pytest.mark.parametrize("query", ["SELEC * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p }", "", "ASK"])
def test_malformed_queries_carry_the_parsers_message(ix, query):
    with pytest.raises(QueryInvalid) as info:
        sparql.run_query(ix, query)
    err = info.value
    assert err.status == 400 and err.parser_message and err.parser_message in err.detail
    assert err.extra()["line"] >= 1


# --- the time budget and the caps ----------------------------------------------

def test_an_explosive_query_is_stopped_at_the_deadline(ix):
    sparql.store_for(ix)
    with pytest.raises(QueryTimeout) as info:  # stopped, not run to its end (it has none)
        sparql.run_query(ix, ENDLESS, timeout=1.0)
    # The budget it was stopped at, as the 504 names it; how promptly is bench/'s business, not a test's.
    assert info.value.status == 504 and info.value.extra() == {"timeout_seconds": 1.0}
    assert multiprocessing.active_children() == []  # killed and reaped, not left running


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="the memory budget needs /proc")
def test_a_query_over_the_memory_budget_is_aborted(ix):
    with pytest.raises(QueryAborted):
        sparql.run_query(ix, EXPLOSIVE, timeout=10, memory_mb=64)
    assert multiprocessing.active_children() == []


def test_rows_are_capped_and_flagged(ix):
    q = 'SELECT ?s WHERE { ?s <https://storygraph.dev/vocab#type> "person" } ORDER BY ?s'
    everything = sparql.run_query(ix, q)
    assert not everything.truncated and everything.count == 7
    capped = sparql.run_query(ix, q, max_rows=3)
    assert capped.truncated and capped.count == 3 and capped.rows == everything.rows[:3]
    exact = sparql.run_query(ix, q, max_rows=7)
    assert not exact.truncated and exact.count == 7


def test_ask_and_construct(ix):
    assert sparql.run_query(ix, "ASK { <https://storygraph.dev/id/china> ?p ?o }").boolean is True
    assert sparql.run_query(ix, "ASK { <https://storygraph.dev/id/atlantis> ?p ?o }").boolean is False
    q = ("PREFIX schema: <https://schema.org/>\nPREFIX sg: <https://storygraph.dev/vocab#>\n"
         'CONSTRUCT { ?p schema:name ?n } WHERE { ?p sg:type "person" ; schema:name ?n }')
    r = sparql.run_query(ix, q)
    assert r.form == "graph" and r.count == 7 and not r.truncated
    assert len(Graph().parse(data=sparql.graph_turtle(r), format="turtle")) == 7
    assert len(Graph().parse(data=sparql.graph_ntriples(r), format="nt")) == 7
    capped = sparql.run_query(ix, q, max_rows=2)
    assert capped.truncated and len(Graph().parse(data=sparql.graph_ntriples(capped), format="nt")) == 2
    described = sparql.run_query(ix, "DESCRIBE <https://storygraph.dev/id/china>")
    assert described.form == "graph" and described.count > 0


def test_the_store_is_built_once_per_revision(ix):
    assert sparql.store_for(ix) is sparql.store_for(ix)
    assert len(sparql.store_for(ix)) == len(rdf.rdf_graph(ix))


# --- the results formats -----------------------------------------------------

TERMS = ('SELECT ?iri ?text ?lang ?n ?b ?unbound WHERE { BIND(<https://storygraph.dev/id/china> AS ?iri) '
         'BIND("tab\\there, \\"quoted\\"\\nnewline" AS ?text) BIND("hello"@en AS ?lang) BIND(42 AS ?n) '
         'BIND(BNODE() AS ?b) }')


def test_json_results_are_sparql_json(ix):
    r = sparql.run_query(ix, TERMS)
    doc = json.loads(sparql.results_json(r))
    assert doc["head"]["vars"] == ["iri", "text", "lang", "n", "b", "unbound"] and doc["truncated"] is False
    row = doc["results"]["bindings"][0]
    assert row["iri"] == {"type": "uri", "value": "https://storygraph.dev/id/china"}
    assert row["lang"] == {"type": "literal", "value": "hello", "xml:lang": "en"}
    assert row["n"] == {"type": "literal", "value": "42", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert row["b"]["type"] == "bnode" and "unbound" not in row
    parsed = list(ox.parse_query_results(sparql.results_json(r), format=ox.QueryResultsFormat.JSON))
    assert parsed[0]["text"].value == 'tab\there, "quoted"\nnewline'
    ask = json.loads(sparql.results_json(sparql.run_query(ix, "ASK {}")))
    assert ask == {"head": {}, "boolean": True, "truncated": False}
    assert bool(ox.parse_query_results(sparql.results_json(sparql.run_query(ix, "ASK {}")),
                                       format=ox.QueryResultsFormat.JSON))


def test_csv_and_tsv_results(ix):
    r = sparql.run_query(ix, TERMS)
    data = sparql.results_csv(r).decode()
    assert data.startswith("iri,text,lang,n,b,unbound\r\n")
    rows = list(csv.reader(io.StringIO(data, newline="")))
    assert rows[1][:4] == ["https://storygraph.dev/id/china", 'tab\there, "quoted"\nnewline', "hello", "42"]
    assert rows[1][4].startswith("_:") and rows[1][5] == ""
    tsv = sparql.results_tsv(r)
    assert tsv.decode().splitlines()[0] == "?iri\t?text\t?lang\t?n\t?b\t?unbound"
    parsed = list(ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV))
    assert parsed[0]["text"].value == 'tab\there, "quoted"\nnewline'
    assert parsed[0]["lang"].language == "en" and parsed[0]["n"].value == "42"
    assert parsed[0]["unbound"] is None


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
def test_a_query_child_holds_no_descriptor_but_its_own(ix, tmp_path):
    """The server's files and sockets, and other queries' pipes, are closed in the child."""
    import socket

    def endless() -> None:
        with pytest.raises(QueryTimeout):
            sparql.run_query(ix, ENDLESS, timeout=3.0)

    sparql.store_for(ix)
    with open(tmp_path / "a-file", "w"), socket.socket():  # what a server process has open
        runner = threading.Thread(target=endless)
        runner.start()
        fds = None
        for _ in range(200):
            children = multiprocessing.active_children()
            if children:
                try:
                    fds = sorted(int(fd) for fd in os.listdir(f"/proc/{children[0].pid}/fd"))
                except FileNotFoundError:
                    fds = None
                if fds is not None and len(fds) <= 4:
                    break
            time.sleep(0.01)
        runner.join()
    assert fds is not None and fds[:3] == [0, 1, 2] and len(fds) == 4, fds  # stdio (stderr a pipe) and the answer
