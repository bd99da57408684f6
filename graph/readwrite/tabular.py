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

**Safe to open in a spreadsheet.** A text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return would be read by Excel, LibreOffice
or Google Sheets as a formula (``=HYPERLINK(...)`` in an entity's name runs
when the file is opened). Such a cell gets a leading ``'``, as OWASP advises
(:func:`spreadsheet_safe`); the rest of the text is unchanged, so a reader that
wants the exact value strips one leading ``'`` from a cell whose second
character is one of those. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, cast

import networkx as nx

if TYPE_CHECKING:
    from graph.indexing.index import GraphIndex
    from graph.readwrite.stream import DbSource, MemorySource

    Source = MemorySource | DbSource

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


# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula.

    >>> print(spreadsheet_safe('=HYPERLINK("http://evil.example","x")'))
    '=HYPERLINK("http://evil.example","x")
    >>> spreadsheet_safe("China"), spreadsheet_safe(-3), spreadsheet_safe("")
    ('China', -3, '')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


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


def node_rows(source: Source, batch: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The ``nodes.csv`` rows of a batch of nodes from a source of :mod:`graph.readwrite.stream`."""
    degrees = source.degrees(n for n, _ in batch)
    rows = []
    for n, d in batch:
        date = d.get("date") or {}
        rows.append({
            "id": n, "name": d.get("name"), "type": d.get("type"), "aliases": _joined(d.get("aliases") or []),
            "description": d.get("description"), "modality": d.get("modality"),
            "date": date.get("edtf"), "date_text": date.get("text"), "date_precision": date.get("precision"),
            "date_earliest": date.get("earliest"), "date_latest": date.get("latest"),
            "attributes": json.dumps(d["attributes"], ensure_ascii=False) if d.get("attributes") else None,
            "degree": degrees[n],
            **_evidence(d.get("evidence")),
            "article_ids": _joined(sorted({e["article_id"] for e in d.get("evidence") or []})),
        })
    return rows


def edge_rows(source: Source, batch: list[tuple[str, str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The ``edges.csv`` rows of a batch of edges; names of qualifiers outside a neighbourhood come from the
    whole graph."""
    wanted = []
    for u, v, _, d in batch:
        q = d.get("qualifiers") or {}
        wanted += [u, v, q.get("place"), q.get("source")]
    names: dict[Any, str | None] = source.names(wanted)  # a missing qualifier (None) is looked up too
    rows = []
    for u, v, k, d in batch:
        q = d.get("qualifiers") or {}
        time = q.get("time") or {}
        rows.append({
            "id": d.get("id", k), "subject": u, "subject_name": names.get(u), "predicate": d.get("predicate"),
            "object": v, "object_name": names.get(v), "modality": d.get("modality"),
            "time": time.get("edtf"), "time_text": time.get("text"), "time_precision": time.get("precision"),
            "place": q.get("place"), "place_name": names.get(q.get("place")), "role": q.get("role"),
            "source": q.get("source"), "source_name": names.get(q.get("source")),
            "article_id": d.get("article_id"),
            **_evidence(d.get("evidence")),
        })
    return rows


class _Sink:
    """A write-only file: what zipfile writes piles up until the stream takes it."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def csv_zip_chunks(source: Source) -> Iterator[bytes]:
    """The zip, written a batch of rows at a time (a streamed zip: sizes follow each file's data).

    zipfile sees a file it cannot seek back in, so each member's sizes and CRC
    come in a data descriptor after its data: nothing is held but one batch.
    """
    sink = _Sink()
    # zipfile asks a stream it cannot seek only to write and flush: a _Sink is file enough.
    members: list[tuple[str, list[str], Callable[[], Iterator[Any]], Callable[[Source, Any], list[dict[str, Any]]]]] = [
        ("nodes.csv", NODE_COLUMNS, source.node_batches, node_rows),
        ("edges.csv", EDGE_COLUMNS, source.edge_batches, edge_rows)]
    with zipfile.ZipFile(cast(IO[bytes], sink), "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, columns, batches, rows in members:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with z.open(info, "w") as member:
                yield sink.take()  # the member's header: the first bytes go before the first batch is read
                text = io.TextIOWrapper(member, encoding="utf-8", newline="", write_through=True)
                writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\r\n")
                writer.writeheader()
                for batch in batches():
                    writer.writerows({c: "" if row.get(c) is None else spreadsheet_safe(row[c]) for c in columns}
                                     for row in rows(source, batch))
                    text.flush()
                    if chunk := sink.take():
                        yield chunk
                text.flush()
                text.detach()
    yield sink.take()


def csv_zip_bytes(ix: GraphIndex, g: nx.MultiDiGraph) -> bytes:
    """The ``csv`` format of :mod:`graph.readwrite.formats`: a zip of ``nodes.csv`` and ``edges.csv``.

    >>> from graph.testing import seed_index
    >>> ix = seed_index()
    >>> names = zipfile.ZipFile(io.BytesIO(csv_zip_bytes(ix, ix.g))).namelist()
    >>> names
    ['nodes.csv', 'edges.csv']
    """
    from graph.readwrite.stream import MemorySource

    return b"".join(csv_zip_chunks(MemorySource(ix, g)))
