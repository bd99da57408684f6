"""Evidence search: full text over quotes, claim texts, names and descriptions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field

from graph.storage import search as fulltext

from ..deps import PageDep, SessionDep
from ..problems import responses
from ..schemas import EntityRef, Evidence, Out, Page

router = APIRouter(prefix="/search", tags=["search"], responses=responses(422, 500, 503))

Kind = fulltext.Kind


class Matched(Out):
    field: Literal["evidence", "text", "name", "alias", "description"] = Field(
        description="What matched: an evidence quote, a claim's text, an entity's name, an alias or its description")
    text: str = Field(description="The matching document")


class RelationRefOut(Out):
    id: str
    subject: EntityRef
    predicate: str
    object: EntityRef


class SearchHit(Out):
    model_config = ConfigDict(extra="ignore")

    kind: Kind
    id: str = Field(description="Entity, relation or claim id")
    name: str | None = Field(None, description="Entities: the canonical name")
    text: str | None = Field(None, description="Claims: the claim; relations: 'subject predicate object'")
    score: float = Field(description="Relevance, higher is better: -bm25 in SQLite, ts_rank in PostgreSQL; "
                                     "comparable within one answer only")
    matched: Matched = Field(description="The best-matching document of this item")
    evidence: list[Evidence] = Field(description="Every evidence quote of this item that matches q, with its offsets "
                                                 "(empty when only a name, alias, description or claim text matched)")
    entity: EntityRef | None = Field(
        None, description="Entities and claims: link with /v1/entities/{id} or /v1/claims/{id}")
    relation: RelationRefOut | None = Field(None, description="Relations: its triple, to link with /v1/relations")


@router.get("", response_model=Page[SearchHit], summary="Full-text evidence search", operation_id="searchEvidence")
def search(
    session: SessionDep,
    page: PageDep,
    q: Annotated[str, Query(description="Words to find (all of them, stemmed: 'label' finds 'labeling'); "
                                        "never query syntax, so quotes, * or NEAR are plain text",
                            min_length=1, max_length=500)],
    kind: Annotated[Kind | None, Query(description="Only hits of this kind")] = None,
) -> dict[str, Any]:
    """Entities, relations and claims ranked by how well `q` matches their evidence quotes, claim
    texts, names, aliases and descriptions. Each hit names the best-matching document (`matched`)
    and carries the matching quotes with their offsets: `article.text[start:end] == quote`."""
    found = fulltext.search(session, q, kind=kind, limit=page.limit, offset=page.offset)
    return {"items": [h.as_dict() for h in found.hits], "total": found.total, "limit": page.limit,
            "offset": page.offset}
