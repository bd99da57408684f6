"""Articles: metadata, the full text facts are anchored in, and which of its clauses they cite."""

from __future__ import annotations

from fastapi import APIRouter

from graph import queries
from graph.coverage import as_dict, stored_coverage
from graph.errors import NotFound
from graph.paging import LazyList
from graph.stream import snapshot

from ..deps import EngineDep, IndexDep, PageDep
from ..problems import responses
from ..schemas import Article, ArticleCoverage, ArticleWithText, Page

router = APIRouter(prefix="/articles", tags=["articles"], responses=responses(422, 500, 503))


@router.get("", response_model=Page[Article], summary="Articles")
def list_articles(ix: IndexDep, page: PageDep):
    return page.page(LazyList(ix.article_ids, ix.articles.__getitem__))


@router.get("/{article_id}", response_model=ArticleWithText, summary="One article with its text",
            responses=responses(404))
def get_article(ix: IndexDep, article_id: str):
    """`text` is the article exactly as ingested; evidence offsets index it in code points."""
    return queries.article(ix, article_id)


@router.get("/{article_id}/coverage", response_model=ArticleCoverage, summary="Which clauses its statements cite",
            operation_id="getArticleCoverage",
            responses=responses(404))
def get_coverage(engine: EngineDep, article_id: str):
    """Each sentence of the article (furniture excluded), cut into clauses by the article's punctuation and
    conjunctions, with the statements (relations, claims, events; not entity mentions, nor `about` edges)
    whose evidence overlaps it. A clause with no statement is a gap; the reasons a sheet gives for its gaps
    (`# uncovered:` comments) are read by `storygraph coverage`, not stored. Read from the database in one
    snapshot (evidence is indexed by article there, not in the graph)."""
    if "\x00" in article_id:  # no database stores NUL; no article has it
        raise NotFound("article", article_id)
    with snapshot(engine) as conn:
        return as_dict(stored_coverage(conn, article_id))
