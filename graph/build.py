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
    for a in session.exec(select(AliasRow).order_by(AliasRow.article_id, AliasRow.position)).all():
        if a.text not in aliases[a.entity_id]:
            aliases[a.entity_id].append(a.text)
    ent_ev: dict[str, list[dict]] = defaultdict(list)
    rel_ev: dict[str, list[dict]] = defaultdict(list)
    order = (EvidenceRow.article_id, EvidenceRow.position, EvidenceRow.start)
    for ev in session.exec(select(EvidenceRow).order_by(*order)).all():
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
    """The same graph without a database: for checks and tests of the domain."""
    g = nx.MultiDiGraph()
    for s in stories:
        for e in s.entities:
            g.add_node(e.id, name=e.name, type=e.type, aliases=list(e.aliases), description=e.description,
                       attributes=dict(e.attributes), date=e.date, modality=e.modality,
                       evidence=[ev.as_dict() for ev in e.evidence])
        for r in s.relations:
            g.add_edge(r.subject, r.object, key=r.id, id=r.id, predicate=r.predicate, modality=r.modality,
                       qualifiers=dict(r.qualifiers), article_id=s.meta.id,
                       evidence=[ev.as_dict() for ev in r.evidence])
    return g



