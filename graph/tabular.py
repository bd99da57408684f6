"""The graph as two CSV tables in a zip, for pandas, R and spreadsheets.

``nodes.csv`` has one row per entity, ``edges.csv`` one row per relation.
Both are UTF-8 (no byte-order mark), comma-separated, RFC 4180 quoting (a
quote that spans a line break of the article keeps it, inside double
quotes), with a header row; an empty cell is a missing value. Lists are
joined with ``" | "`` in the same order across columns, so the i-th
``evidence_quotes`` item has the i-th ``evidence_offsets`` (``start-end``,
Unicode code points, end exclusive) and the i-th ``evidence_sentences``.

    pandas.read_csv(zipfile.ZipFile("g.zip").open("edges.csv"))
    read.csv(unz("g.zip", "edges.csv"), encoding = "UTF-8")
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any, Iterable

import networkx as nx

JOIN = " | "

NODE_COLUMNS = [
    "id", "name", "type", "aliases", "description", "modality",
    "date", "date_text", "date_precision", "date_earliest", "date_latest",
    "attributes", "degree", "evidence_count", "evidence_quotes", "evidence_offsets", "evidence_sentences",
    "article_ids",
]
EDGE_COLUMNS = [
    "id", "subject", "subject_name", "predicate", "object", "object_name", "modality",
    "time", "time_text", "time_precision", "place", "place_name", "role", "source", "source_name",
    "article_id", "evidence_count", "evidence_quotes", "evidence_offsets", "evidence_sentences",
]

# A fixed timestamp keeps the zip byte-for-byte the same for the same graph.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def _joined(values: Iterable[Any]) -> str:
    return JOIN.join(str(v) for v in values)


def _evidence(evidence: list[dict[str, Any]] | None) -> dict[str, Any]:
    ev = evidence or []
    return {
        "evidence_count": len(ev),
        "evidence_quotes": _joined(e["quote"] for e in ev),
        "evidence_offsets": _joined(f"{e['start']}-{e['end']}" for e in ev),
        "evidence_sentences": _joined(e.get("sentence", "") for e in ev),
    }


def _name(ix, g: nx.MultiDiGraph, node: str | None) -> str | None:
    if node is None:
        return None
    for graph in (g, getattr(ix, "g", None)):
        if graph is not None and node in graph:
            return graph.nodes[node].get("name")
    return None


def node_rows(ix, g: nx.MultiDiGraph) -> list[dict[str, Any]]:
    rows = []
    for n, d in g.nodes(data=True):
        date = d.get("date") or {}
        rows.append({
            "id": n, "name": d.get("name"), "type": d.get("type"), "aliases": _joined(d.get("aliases") or []),
            "description": d.get("description"), "modality": d.get("modality"),
            "date": date.get("edtf"), "date_text": date.get("text"), "date_precision": date.get("precision"),
            "date_earliest": date.get("earliest"), "date_latest": date.get("latest"),
            "attributes": json.dumps(d["attributes"], ensure_ascii=False) if d.get("attributes") else None,
            "degree": g.degree(n),
            **_evidence(d.get("evidence")),
            "article_ids": _joined(sorted({e["article_id"] for e in d.get("evidence") or []})),
        })
    return rows


def edge_rows(ix, g: nx.MultiDiGraph) -> list[dict[str, Any]]:
    rows = []
    for u, v, k, d in g.edges(keys=True, data=True):
        q = d.get("qualifiers") or {}
        time = q.get("time") or {}
        rows.append({
            "id": d.get("id", k), "subject": u, "subject_name": _name(ix, g, u), "predicate": d.get("predicate"),
            "object": v, "object_name": _name(ix, g, v), "modality": d.get("modality"),
            "time": time.get("edtf"), "time_text": time.get("text"), "time_precision": time.get("precision"),
            "place": q.get("place"), "place_name": _name(ix, g, q.get("place")), "role": q.get("role"),
            "source": q.get("source"), "source_name": _name(ix, g, q.get("source")),
            "article_id": d.get("article_id"),
            **_evidence(d.get("evidence")),
        })
    return rows


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" if row.get(c) is None else row[c] for c in columns})
    return out.getvalue().encode("utf-8")


def csv_zip_bytes(ix, g: nx.MultiDiGraph) -> bytes:
    """The ``csv`` format of :mod:`graph.formats`: a zip of ``nodes.csv`` and ``edges.csv``.

    >>> from graph.testing import seed_index
    >>> ix = seed_index()
    >>> names = zipfile.ZipFile(io.BytesIO(csv_zip_bytes(ix, ix.g))).namelist()
    >>> names
    ['nodes.csv', 'edges.csv']
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, body in (("nodes.csv", _csv(NODE_COLUMNS, node_rows(ix, g))),
                           ("edges.csv", _csv(EDGE_COLUMNS, edge_rows(ix, g)))):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, body)
    return buffer.getvalue()
