"""Ingestion use cases: check a story, or write it in one transaction.

:func:`ingest_story` is the one code path that verifies and stores a story,
whether it comes from a directory (``storygraph ingest``, seeding) or from
the write API (``POST``/``PUT /v1/articles``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session

from .errors import ArticleExists, Fault, SheetInvalid
from .files import RawStory, read_raw, story_dirs
from .model import Story
from .resolution import Catalog, load_catalog, with_story
from .store import WriteResult, write_session, write_story
from .tables import ArticleRow
from .validate import verify


def check_path(path: str | Path, *, engine: Engine | None = None) -> list[Story]:
    """Verify every story under ``path`` without writing; raise on the first bad one.

    Each story may refer to what is stored (with ``engine``) and to the stories checked before it.
    """
    catalog = Catalog()
    if engine is not None:
        with Session(engine) as s:
            catalog = load_catalog(s)
    stories = []
    for raw in _raws(path):
        stories.append(_verify(raw, catalog))
        catalog = with_story(catalog, stories[-1])
    return stories


def ingest_story(session: Session, meta_raw: Any, sheet_raw: Any, text: str, *, meta_file: str = "meta.yaml",
                 sheet_file: str = "facts.yaml", text_file: str = "article.txt",
                 if_exists: Literal["replace", "conflict"] = "replace") -> WriteResult:
    """Verify one story against what is stored, then store it. Does not commit.

    Raises :class:`SheetInvalid` with every fault (nothing written). An
    article already stored with the same content is ``unchanged``; with other
    content it is replaced, or, with ``if_exists="conflict"``, refused with
    :class:`ArticleExists`.
    """
    story = verify(meta_raw, sheet_raw, text, meta_file=meta_file, sheet_file=sheet_file, text_file=text_file,
                   catalog=load_catalog(session))
    stored = session.get(ArticleRow, story.meta.id)
    if if_exists == "conflict" and stored is not None and stored.content_sha256 != story.content_sha256:
        raise ArticleExists(story.meta.id)
    return write_story(session, story)


def ingest_path(engine: Engine, path: str | Path) -> list[WriteResult]:
    """Verify and store every story under ``path``: all of them or none, oldest first."""
    results = []
    raws = _raws(path)
    with write_session(engine) as session:
        for raw in raws:
            results.append(ingest_story(session, raw.meta, raw.sheet, raw.text, meta_file=raw.meta_file,
                                        sheet_file=raw.sheet_file, text_file=raw.text_file))
    return results


def _verify(raw: RawStory, catalog: Catalog) -> Story:
    return verify(raw.meta, raw.sheet, raw.text, meta_file=raw.meta_file, sheet_file=raw.sheet_file,
                  text_file=raw.text_file, catalog=catalog)


def _raws(path: str | Path) -> list[RawStory]:
    """The stories under ``path``, in publication order: a later story may refer to an earlier one's nodes."""
    raws = [read_raw(d) for d in _dirs(path)]
    return sorted(raws, key=lambda r: str(r.meta.get("published")) if isinstance(r.meta, dict) else "")


def _dirs(path: str | Path) -> list[Path]:
    dirs = story_dirs(path)
    if not dirs:
        raise SheetInvalid([Fault(str(path), None, "(directory)", "no story here: expected facts.yaml in it or in its subfolders")])
    return dirs
