"""Build the NetworkX index from the database (or straight from stories)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

import networkx as nx
from sqlmodel import Session, select

from .model import Story
from .tables import AliasRow, ArticleRow, EntityRow, EvidenceRow, RelationRow


def article_meta(row: ArticleRow) -> dict[str, Any]:
    return {
        "id": row.id, "title": row.title, "publisher": row.publisher, "published": row.published.isoformat(),
        "authors": list(row.authors), "editors": list(row.editors), "photographers": list(row.photographers),
        "dateline": row.dateline, "language": row.language, "url": row.url,
        "text_sha256": row.text_sha256, "length": len(row.text),
    }


def graph_from_db(session: Session) -> tuple[nx.MultiDiGraph, dict[str, ArticleRow]]:
    """The whole stored graph as a MultiDiGraph, and the articles by id."""
    articles = {a.id: a for a in session.exec(select(ArticleRow)).all()}
    aliases: dict[str, list[str]] = defaultdict(list)
    # Several articles: the earliest published first, so a node reads as its first article wrote it.
    first = {aid: (row.published, aid) for aid, row in articles.items()}
    alias_rows = session.exec(select(AliasRow)).all()
    for a in sorted(alias_rows, key=lambda a: (first.get(a.article_id, (a.article_id,)), a.position)):
        if a.text not in aliases[a.entity_id]:
            aliases[a.entity_id].append(a.text)
    ent_ev: dict[str, list[dict]] = defaultdict(list)
    rel_ev: dict[str, list[dict]] = defaultdict(list)
    evidence_rows = session.exec(select(EvidenceRow)).all()
    for ev in sorted(evidence_rows, key=lambda e: (first.get(e.article_id, (e.article_id,)), e.position, e.start)):
        d = {"article_id": ev.article_id, "quote": ev.quote, "start": ev.start, "end": ev.end, "sentence": ev.sentence}
        (ent_ev[ev.entity_id] if ev.entity_id else rel_ev[ev.relation_id]).append(d)
    g = nx.MultiDiGraph()
    for e in session.exec(select(EntityRow).order_by(EntityRow.id)).all():
        g.add_node(e.id, name=e.name, type=e.type, aliases=aliases[e.id], description=e.description,
                   attributes=dict(e.attributes), date=e.date, modality=e.modality, evidence=ent_ev[e.id])
    for r in session.exec(select(RelationRow).order_by(RelationRow.id)).all():
        g.add_edge(r.subject_id, r.object_id, key=r.id, id=r.id, predicate=r.predicate, modality=r.modality,
                   qualifiers=dict(r.qualifiers), article_id=r.article_id, evidence=rel_ev[r.id])
    return g, articles


def graph_from_stories(stories: Iterable[Story]) -> nx.MultiDiGraph:
    """The same graph without a database: for checks and tests of the domain.

    Stories may share nodes and relations: later ones add aliases and evidence.
    """
    g = nx.MultiDiGraph()
    for s in stories:
        for e in s.entities:
            evidence = [ev.as_dict() for ev in e.evidence]
            if e.id in g:
                node = g.nodes[e.id]
                node["aliases"] += [a for a in e.aliases if a not in node["aliases"]]
                node["evidence"] += evidence
                if not e.defines:
                    continue
            g.add_node(e.id, **{**g.nodes.get(e.id, {}), "name": e.name, "type": e.type,
                                "aliases": g.nodes[e.id]["aliases"] if e.id in g else list(e.aliases),
                                "description": e.description, "attributes": dict(e.attributes), "date": e.date,
                                "modality": e.modality,
                                "evidence": g.nodes[e.id]["evidence"] if e.id in g else evidence})
        for r in s.relations:
            evidence = [ev.as_dict() for ev in r.evidence]
            if g.has_edge(r.subject, r.object, key=r.id):
                g.edges[r.subject, r.object, r.id]["evidence"] += evidence
                continue
            g.add_edge(r.subject, r.object, key=r.id, id=r.id, predicate=r.predicate, modality=r.modality,
                       qualifiers=dict(r.qualifiers), article_id=s.meta.id, evidence=evidence)
    return g
