"""The CSV export: a zip of nodes.csv and edges.csv, one row per entity and per relation."""

from __future__ import annotations

import csv
import io
import zipfile

from graph.readwrite.exports import neighborhood_graph
from graph.readwrite.tabular import EDGE_COLUMNS, NODE_COLUMNS, csv_zip_bytes
from graph.testing import seed_index


def tables(data: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.namelist() == ["nodes.csv", "edges.csv"]
        assert z.testzip() is None
        out = {}
        for name in z.namelist():
            raw = z.read(name)
            assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM: R's read.csv would keep it in the first name
            text = raw.decode("utf-8")
            out[name] = list(csv.DictReader(io.StringIO(text, newline="")))
            columns = NODE_COLUMNS if name == "nodes.csv" else EDGE_COLUMNS
            assert next(csv.reader(io.StringIO(text, newline=""))) == columns
        return out


def test_one_row_per_entity_and_per_relation():
    ix = seed_index()
    t = tables(csv_zip_bytes(ix, ix.g))
    assert [r["id"] for r in t["nodes.csv"]] == list(ix.g)
    assert sorted(r["id"] for r in t["edges.csv"]) == sorted(k for *_, k in ix.g.edges(keys=True))
    assert len(t["edges.csv"]) == ix.g.number_of_edges() == 126


def test_node_rows():
    ix = seed_index()
    rows = {r["id"]: r for r in tables(csv_zip_bytes(ix, ix.g))["nodes.csv"]}
    daskal = rows["jen-daskal"]
    assert (daskal["name"], daskal["type"]) == ("Jen Daskal", "person")
    assert daskal["aliases"] == ("Jen Daskal | Daskal | the head of the White House delegation"
                                 " | Deputy Assistant to the President and Deputy Homeland Security Advisor Jen Daskal"
                                 " | U.S. Deputy Assistant to the President and Deputy Homeland Security Advisor"
                                 " Jen Daskal")
    assert daskal["date"] == daskal["modality"] == ""
    assert daskal["degree"] == str(ix.g.degree("jen-daskal"))
    assert daskal["evidence_count"] == "2" and daskal["evidence_offsets"] == "610-691 | 2085-2166"
    assert daskal["evidence_sentences"] == "4 | 13" and daskal["article_ids"] == "fentanyl-talks-2024-01-31"
    summit = rows["san-francisco-summit"]
    assert (summit["date"], summit["date_text"], summit["date_precision"]) == ("2023-11", "in November", "month")
    assert (summit["date_earliest"], summit["date_latest"]) == ("2023-11-01", "2023-11-30")
    talks = rows["beijing-talks"]
    assert (talks["date"], talks["date_earliest"], talks["date_latest"]) == (
        "2023-11/2024-01-30", "2023-11-01", "2024-01-30")


def test_edge_rows_cite_the_article_exactly():
    ix = seed_index()
    text = ix.texts["fentanyl-talks-2024-01-31"]
    rows = {r["id"]: r for r in tables(csv_zip_bytes(ix, ix.g))["edges.csv"]}
    led = rows["daskal-led-us-delegation"]
    assert (led["subject"], led["subject_name"], led["predicate"], led["object"]) == (
        "jen-daskal", "Jen Daskal", "led", "us-delegation")
    assert led["object_name"] == ix.g.nodes["us-delegation"]["name"] and led["modality"] == "asserted"
    for _, _, k, d in ix.g.edges(keys=True, data=True):
        row = rows[k]
        quotes, offsets = row["evidence_quotes"].split(" | "), row["evidence_offsets"].split(" | ")
        assert quotes == [e["quote"] for e in d["evidence"]]  # line breaks inside quotes survive
        for quote, span in zip(quotes, offsets):
            start, end = map(int, span.split("-"))
            assert text[start:end] == quote
        q = d["qualifiers"]
        assert row["role"] == (q.get("role") or "") and row["source"] == (q.get("source") or "")
        assert row["time"] == ((q.get("time") or {}).get("edtf") or "")
        if q.get("source"):
            assert row["source_name"] == ix.g.nodes[q["source"]]["name"]
        if q.get("place"):
            assert row["place_name"] == ix.g.nodes[q["place"]]["name"]


def test_a_neighbourhood_keeps_names_of_qualifiers_outside_it():
    ix = seed_index()
    h = neighborhood_graph(ix, "wang-xiaohong", depth=1)
    t = tables(csv_zip_bytes(ix, h))
    assert len(t["nodes.csv"]) == h.number_of_nodes() and len(t["edges.csv"]) == h.number_of_edges()
    assert all(r["subject"] in h and r["object"] in h for r in t["edges.csv"])


def test_the_zip_is_deterministic():
    ix = seed_index()
    assert csv_zip_bytes(ix, ix.g) == csv_zip_bytes(ix, ix.g.copy())
