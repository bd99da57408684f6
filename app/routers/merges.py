"""Merging duplicate entities (bearer token), the record of merges, and undo.

While a merge stands, ``GET /v1/entities/{old id}`` (and its sub-resources)
answers ``308 Permanent Redirect`` to the entity it was merged into
(:func:`app.deps.redirect_merged`, a dependency of the entities router).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from graph.errors import MergeNotFound
from graph.storage.merge import list_merges, merge_dict, merge_entities, undo_merge
from graph.storage.store import write_session
from graph.storage.tables import MergeRow

from ..auth import Writer
from ..deps import REF_DOC, V1, CurrentIndexDep, EngineDep, PageDep, RuntimeDep, resolve
from ..jsonbody import WriteRoute
from ..problems import responses
from ..schemas import Out, Page

router = APIRouter(tags=["merges"], responses=responses(422, 500, 503), route_class=WriteRoute)

# Merge ids are database integers: a larger one would overflow the column (a 500 before this bound).
MergeId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The merge's id (`id` in its record)")]


class MergeBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"into": "jen-daskal"}]})
    into: str = Field(min_length=1, max_length=300, description="The entity to keep: " + REF_DOC)


class Moved(Out):
    aliases: int
    evidence: int
    relations: int


class Merge(Out):
    id: int
    from_: str = Field(alias="from", description="The id merged away; it now answers 308 to `into`")
    into: str
    from_name: str | None
    by: str = Field(description="Who merged: the token's name, or `token-` and a keyed hash of an unnamed "
                    "token (app/auth.py), never the token")
    at: str
    undone: bool
    undone_at: str | None
    undone_by: str | None
    moved: Moved

    model_config = ConfigDict(populate_by_name=True)


_MERGE_LINKS = {
    "GetMerge": {"operationId": "getMerge", "parameters": {"merge_id": "$response.body#/id"},
                 "description": "The record of this merge"},
    "UndoMerge": {"operationId": "undoMerge", "parameters": {"merge_id": "$response.body#/id"},
                  "description": "Undo this merge"},
}


@router.post("/entities/{ref}/merge", response_model=Merge, status_code=201, summary="Merge a duplicate entity",
             operation_id="mergeEntity",
             responses={201: {"description": "Merged; `Location` is the merge's record", "links": _MERGE_LINKS},
                        **responses(400, 401, 403, 404, 409, 413)})
def merge(runtime: RuntimeDep, response: Response, engine: EngineDep, ix: CurrentIndexDep, writer: Writer,
          ref: Annotated[str, Path(description="The duplicate: " + REF_DOC)], body: MergeBody) -> dict[str, Any]:
    """Merge the entity `{ref}` into `into`: its relations (both directions, and the `place`/`source`
    qualifiers naming it), aliases and evidence move to `into`, its name becomes an alias of `into`, and
    its id answers **308** to `into` from then on. **201** with the record (`Location`: `/v1/merges/{id}`).

    **422** for a merge into itself or across types; **404** (with `candidates`) or **409** for a
    reference that names no entity or several; **409** if a relation links the two."""
    with ix.lock.reading():  # released before writing: catching up after the write takes the lock
        source = resolve(ix, ref, "ref")
        target = resolve(ix, body.into, "into")
    with write_session(engine) as session:
        row = merge_entities(session, source, target, writer)
        out = merge_dict(row)
    runtime.catch_up()
    response.headers["Location"] = f"{V1}/merges/{out['id']}"
    return out


@router.get("/merges", response_model=Page[Merge], summary="Merges, oldest first", operation_id="listMerges")
def merges(engine: EngineDep, page: PageDep) -> Page[dict[str, Any]]:
    with Session(engine) as session:
        return page.page([merge_dict(m) for m in list_merges(session)])


@router.get("/merges/{merge_id}", response_model=Merge, summary="One merge", operation_id="getMerge",
            responses=responses(404))
def one_merge(engine: EngineDep, merge_id: MergeId) -> dict[str, Any]:
    with Session(engine) as session:
        row = session.get(MergeRow, merge_id)
        if row is None:
            raise MergeNotFound(str(merge_id))
        return merge_dict(row)


@router.post("/merges/{merge_id}/undo", response_model=Merge, summary="Undo a merge", operation_id="undoMerge",
             responses={**responses(401, 403, 404, 409)})
def undo(runtime: RuntimeDep, engine: EngineDep, writer: Writer, merge_id: MergeId) -> dict[str, Any]:
    """Restore exactly what the merge changed: the entity, its aliases, evidence and relations.
    **404** for an unknown merge; **409** if it was undone already, or the graph changed so that it
    cannot be (its id is an entity again, or its target was merged on: undo that merge first)."""
    with write_session(engine) as session:
        out = merge_dict(undo_merge(session, merge_id, writer))
    runtime.catch_up()
    return out
