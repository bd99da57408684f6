"""Articles: metadata, and the full text facts are anchored in."""

from __future__ import annotations

from fastapi import APIRouter

from graph import queries
from graph.paging import LazyList

from ..deps import IndexDep, PageDep
from ..problems import responses
from ..schemas import Article, ArticleWithText, Page

router = APIRouter(prefix="/v1/articles", tags=["articles"], responses=responses(422, 500, 503))


@router.get("", response_model=Page[Article], summary="Articles")
def list_articles(ix: IndexDep, page: PageDep):
    return page.page(LazyList(ix.article_ids, ix.articles.__getitem__))


@router.get("/{article_id}", response_model=ArticleWithText, summary="One article with its text",
            responses=responses(404))
def get_article(ix: IndexDep, article_id: str):
    """`text` is the article exactly as ingested; evidence offsets index it in code points."""
    return queries.article(ix, article_id)
