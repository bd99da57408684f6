"""The same graph in Kùzu (an embedded graph database), for comparison.

Loaded from the served graph (:class:`graph.indexing.index.GraphIndex` ``g``, itself built
from the database) by ``COPY FROM`` CSV, the fastest path into Kùzu: one node
table ``Entity(id, name, type)`` and one relationship table ``Rel(id,
predicate, modality, article_id)``, a multigraph like the NetworkX one.

The queries that fit Kùzu, timed in-process against the same queries on
the NetworkX index (:mod:`graph.algorithms.queries`):

- ``neighbours``: the entities one hop away, either direction, with the relations;
- ``path``: a shortest path between two entities, at most 4 hops, ignoring direction;
- ``pattern``: the relations of a predicate whose subject has a given name.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import kuzu
import networkx as nx

SCHEMA = [
    "CREATE NODE TABLE Entity(id STRING, name STRING, type STRING, PRIMARY KEY (id))",
    "CREATE REL TABLE Rel(FROM Entity TO Entity, id STRING, predicate STRING, modality STRING, article_id STRING)",
]

NEIGHBOURS = ("MATCH (a:Entity)-[r:Rel]-(b:Entity) WHERE a.id = $id "
              "RETURN b.id, b.name, b.type, r.id, r.predicate")
OUT_EDGES = "MATCH (a:Entity)-[r:Rel]->(b:Entity) WHERE a.id = $id RETURN r.id, r.predicate, b.id, b.name"
PATH = ("MATCH p = (a:Entity)-[r:Rel* SHORTEST 1..4]-(b:Entity) WHERE a.id = $s AND b.id = $t "
        "RETURN properties(nodes(p), 'id'), properties(rels(p), 'id') LIMIT 1")
PATTERN = ("MATCH (a:Entity)-[r:Rel]->(b:Entity) WHERE a.name = $name AND r.predicate = $predicate "
           "RETURN r.id, b.id, b.name")


def write_csv(g: nx.MultiDiGraph, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    nodes, edges = folder / "nodes.csv", folder / "edges.csv"
    with open(nodes, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL)
        for n, d in g.nodes(data=True):
            w.writerow([n, " ".join(d["name"].split()), d["type"]])
    with open(edges, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL)
        for u, v, d in g.edges(data=True):
            w.writerow([u, v, d["id"], d["predicate"], d["modality"], d.get("article_id") or ""])
    return nodes, edges


class KuzuGraph:
    """A Kùzu database in ``folder`` holding ``g``; :meth:`close` releases it."""

    def __init__(self, g: nx.MultiDiGraph, folder: Path) -> None:
        folder = Path(folder)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        nodes, edges = write_csv(g, folder / "csv")
        self.db = kuzu.Database(str(folder / "db"))
        self.conn = kuzu.Connection(self.db)
        for ddl in SCHEMA:
            self.conn.execute(ddl)
        opts = "(header=false, quote='\"', escape='\"', parallel=false)"
        self.conn.execute(f"COPY Entity FROM '{nodes}' {opts}")
        self.conn.execute(f"COPY Rel FROM '{edges}' {opts}")
        self.folder = folder

    def rows(self, query: str, **params: Any) -> list[list[Any]]:
        result = self.conn.execute(query, params)
        out = []
        while result.has_next():
            out.append(result.get_next())
        return out

    def count_nodes(self) -> int:
        return self.rows("MATCH (n:Entity) RETURN count(n)")[0][0]

    def count_edges(self) -> int:
        return self.rows("MATCH ()-[r:Rel]->() RETURN count(r)")[0][0]

    def neighbours(self, node: str) -> set[str]:
        return {r[0] for r in self.rows(NEIGHBOURS, id=node)}

    def path(self, source: str, target: str) -> list[str] | None:
        found = self.rows(PATH, s=source, t=target)
        return found[0][0] if found else None

    def pattern(self, name: str, predicate: str) -> list[list[Any]]:
        return self.rows(PATTERN, name=name, predicate=predicate)

    def size_bytes(self) -> int:
        p = self.folder / "db"
        return p.stat().st_size if p.is_file() else sum(f.stat().st_size for f in p.rglob("*") if f.is_file())

    def close(self) -> None:
        self.conn.close()
        self.db.close()
