"""Articles: metadata, the full text facts are anchored in, which of its clauses they cite; and writing
them: POST, PUT and DELETE (bearer token), and the sheet as POST takes it.

The write body is ``{"article": {id, title, published, publisher, ..., text}, "sheet": {...}}``
where ``sheet`` is a fact sheet exactly as ``facts.yaml`` parses. Both go
through :func:`graph.ingest.ingest_story`, the code path ``storygraph ingest``
uses: the same verification, every fault in one 422, all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session

from graph.algorithms import queries
from graph.algorithms.paging import LazyList
from graph.errors import ArticleExists, Fault, NotFound, SheetInvalid
from graph.ingest import ingest_story
from graph.readwrite.stream import snapshot
from graph.storage.store import WriteResult, delete_article, write_session
from graph.storage.tables import ArticleRow
from graph.stories.coverage import as_dict, stored_coverage
from graph.stories.sheet import ArticleMeta

from ..auth import Writer
from ..deps import V1, EngineDep, IndexDep, PageDep, RuntimeDep, current_index, reads_index
from ..jsonbody import WriteRoute
from ..problems import responses
from ..runtime import Runtime
from ..schemas import Article, ArticleCoverage, ArticleWithText, Out, Page

F = TypeVar("F", bound=Callable[..., Any])

router = APIRouter(prefix="/articles", tags=["articles"], responses=responses(422, 500, 503))


def _writes(method: str, path: str, **options: Any) -> Callable[[F], F]:
    """``@router.<method>`` for the writes (and the sheet, which mirrors their body): a :class:`WriteRoute`
    authenticates before it reads a body, and reads it as strict JSON (app/jsonbody.py)."""
    def register(endpoint: F) -> F:
        router.add_api_route(path, endpoint, methods=[method], route_class_override=WriteRoute, **options)
        return endpoint
    return register


@router.get("", response_model=Page[Article], summary="Articles")
@reads_index
def list_articles(ix: IndexDep, page: PageDep) -> Page[dict[str, Any]]:
    return page.page(LazyList(ix.article_ids, ix.articles.__getitem__))


@router.get("/{article_id}", response_model=ArticleWithText, summary="One article with its text",
            responses=responses(404))
@reads_index
def get_article(ix: IndexDep, article_id: str) -> dict[str, Any]:
    """`text` is the article exactly as ingested; evidence offsets index it in code points."""
    return queries.article(ix, article_id)


@router.get("/{article_id}/coverage", response_model=ArticleCoverage, summary="Which clauses its statements cite",
            operation_id="getArticleCoverage",
            responses=responses(404))
def get_coverage(engine: EngineDep, article_id: str) -> dict[str, Any]:
    """Each sentence of the article (furniture excluded), cut into clauses by the article's punctuation and
    conjunctions, with the statements (relations, claims, events; not entity mentions, nor `about` edges)
    whose evidence overlaps it. A clause with no statement is a gap; the reasons a sheet gives for its gaps
    (`# uncovered:` comments) are read by `storygraph coverage`, not stored. Read from the database in one
    snapshot (evidence is indexed by article there, not in the graph)."""
    if "\x00" in article_id:  # no database stores NUL; no article has it
        raise NotFound("article", article_id)
    with snapshot(engine) as conn:
        return as_dict(stored_coverage(conn, article_id))


WRITE_ERRORS = responses(400, 401, 403, 413, 422, 507)

# A complete story that verifies against the seed graph: POSTing it stores it (201), again changes nothing.
EXAMPLE: dict[str, Any] = {
    "article": {"id": "small-talks", "title": "Small talks end well", "publisher": "Wire", "published": "2024-02-01",
                "authors": ["Ann Lee"],
                "text": "Small talks end well\nBy Ann Lee\n\nAnn Lee met Deputy Homeland Security Advisor Daskal "
                        "in Oslo.\n"},
    "sheet": {"entities": [{"id": "ann-lee", "name": "Ann Lee", "type": "person", "aliases": ["Ann Lee"],
                            "evidence": ["By Ann Lee"]},
                           {"ref": "Daskal", "aliases": ["Deputy Homeland Security Advisor Daskal"],
                            "evidence": ["Deputy Homeland Security Advisor Daskal"]}],
              "relations": [{"id": "ann-lee-met-daskal", "subject": "ann-lee", "predicate": "met_with",
                             "object": "Daskal", "evidence": ["Ann Lee met Deputy Homeland Security Advisor Daskal"]}]},
}

# Stateful fuzzing (and readers of the schema) follow these from a stored article to what it can do next.
_ARTICLE_LINKS = {
    name: {"operationId": op, "parameters": {"article_id": "$response.body#/article_id"}, "description": text}
    for name, op, text in (("GetArticle", "getArticle", "The stored article"),
                           ("GetSheet", "getArticleSheet", "Its sheet, as POST takes it"),
                           ("DeleteArticle", "deleteArticle", "Delete it"))
}


class ArticleBody(BaseModel):
    """An article with its text, and its fact sheet (the structure of ``facts.yaml``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    article: dict[str, Any] = Field(description="id, title, publisher, published, authors, editors, photographers, "
                                                "dateline, language, url, and `text`: the article byte for byte")
    sheet: dict[str, Any] = Field(description="The fact sheet: entities, events, claims, relations")


class Written(Out):
    article_id: str
    status: Literal["created", "replaced", "unchanged"]
    entities: int
    relations: int
    evidence: int
    revision: str = Field(description="The revision of the graph this process now serves")


def _ingest(runtime: Runtime, engine: Engine, body: ArticleBody, *, if_exists: Literal["replace", "conflict"],
            path_id: str | None = None) -> WriteResult:
    meta = dict(body.article)
    text = meta.pop("text", None)
    faults: list[Fault] = []
    if not isinstance(text, str):
        faults.append(Fault("article", meta.get("id"), "text",
                            "Field required" if text is None else "Input should be a valid string"))
    if path_id is not None and meta.get("id") != path_id:
        faults.append(Fault("article", meta.get("id"), "id",
                            f"{meta.get('id')!r} does not match the article id in the URL, {path_id!r}"))
    if faults:
        raise SheetInvalid(faults)
    try:
        with write_session(engine) as session:
            result = ingest_story(session, meta, body.sheet, text, meta_file="article", sheet_file="sheet",
                                  text_file="article", if_exists=if_exists)
    except ArticleExists as exc:  # the domain does not know the API: the answer says which request replaces it
        exc.detail += f"; PUT {V1}/articles/{exc.article_id} replaces it"
        raise
    if result.status != "unchanged":
        runtime.catch_up()
    return result


def _answer(runtime: Runtime, response: Response, result: WriteResult) -> dict[str, Any]:
    if result.status == "created":
        response.status_code = 201
        response.headers["Location"] = f"{V1}/articles/{result.article_id}"
    return {"article_id": result.article_id, "status": result.status, "entities": result.entities,
            "relations": result.relations, "evidence": result.evidence,
            "revision": current_index(runtime).revision}


@_writes("POST", "", response_model=Written, status_code=200, summary="Add an article and its fact sheet",
         operation_id="createArticle",
         responses={201: {"description": "Stored; `Location` is the article's URL", "model": Written,
                          "links": _ARTICLE_LINKS},
                    **WRITE_ERRORS, **responses(409)})
def post_article(runtime: RuntimeDep, response: Response, engine: EngineDep, writer: Writer, body: ArticleBody
                 ) -> dict[str, Any]:
    """Verify the sheet against the text and store both in one transaction: **201** with `Location`.

    The same content again is **200** (`status: unchanged`) and writes nothing; other content under an
    id already stored is **409** (`PUT` replaces). A sheet with faults is **422**: `errors` has one entry
    per fault (`file` is `article` or `sheet`, `fact_id`, `field`, `reason`) and nothing is written."""
    return _answer(runtime, response, _ingest(runtime, engine, body, if_exists="conflict"))


@_writes("PUT", "/{article_id}", response_model=Written, status_code=200, summary="Add or replace an article",
         operation_id="putArticle",
         responses={201: {"description": "Stored; it did not exist", "model": Written, "links": _ARTICLE_LINKS},
                    **WRITE_ERRORS})
def put_article(runtime: RuntimeDep, response: Response, engine: EngineDep, writer: Writer, article_id: str,
                body: ArticleBody) -> dict[str, Any]:
    """Replace the article's facts atomically (**200**, `status: replaced` or `unchanged`), or store it
    (**201**). `article.id` must be the id in the URL (else 422). Entities and relations that only this
    article supported and that its new sheet drops go with the old facts."""
    return _answer(runtime, response, _ingest(runtime, engine, body, if_exists="replace", path_id=article_id))


@_writes("DELETE", "/{article_id}", status_code=204, summary="Delete an article", operation_id="deleteArticle",
         responses={**responses(401, 403, 404)})
def delete_one(runtime: RuntimeDep, engine: EngineDep, writer: Writer, article_id: str) -> Response:
    """Remove the article, its evidence and aliases, and every entity, relation, claim or event that no
    remaining article supports: **204**; **404** if there is no such article."""
    if "\x00" in article_id:  # no id holds NUL, and PostgreSQL cannot even compare with one
        raise NotFound("article", article_id)
    with write_session(engine) as session:
        if not delete_article(session, article_id):
            raise NotFound("article", article_id)
    runtime.catch_up()
    return Response(status_code=204)


@_writes("GET", "/{article_id}/sheet", response_model=ArticleBody,
      summary="An article and its fact sheet, as POST takes them", operation_id="getArticleSheet",
      responses=responses(404))
def get_sheet(engine: EngineDep, article_id: str) -> dict[str, Any]:
    """Exactly the body `POST /v1/articles` accepts: posting it back changes nothing; posting it under a
    new `article.id` adds that article's evidence to the same entities and relations."""
    if "\x00" in article_id:  # as in DELETE
        raise NotFound("article", article_id)
    with Session(engine) as session:
        row = session.get(ArticleRow, article_id)
        if row is None:
            raise NotFound("article", article_id)
        meta = ArticleMeta.model_validate({k: getattr(row, k) for k in ArticleMeta.model_fields})
        return {"article": meta.model_dump(mode="json") | {"text": row.text}, "sheet": row.sheet}
