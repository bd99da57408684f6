"""Ingestion use cases: check a story, or write it in one transaction.

:func:`ingest_story` is the one code path that verifies and stores a story,
whether it comes from a directory (``storygraph ingest``, seeding) or from
the write API (``POST``/``PUT /v1/articles``).

A sheet is verified against what it names, not against the whole store:
:class:`graph.stories.resolution.StoredLookup` reads the ids a sheet mentions inside
the write transaction (and the stored name table only if a sheet refers to a
node by a name it does not define). :func:`ingest_path` keeps one lookup for
the whole folder and lets each write tell it what changed, so the stories of
one transaction see each other without re-reading the store per story, and
logs the whole folder as one revision.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from graph.errors import ArticleExists, Fault, SheetInvalid
from graph.model import Story
from graph.storage import store
from graph.storage.store import WriteResult, has_pending_changes, write_session, write_story
from graph.storage.tables import ArticleRow
from graph.stories.files import RawStory, read_raw, story_dirs
from graph.stories.resolution import Catalog, StoredLookup, load_catalog, sheet_ids, with_story
from graph.stories.validate import character_faults, verify

Progress = Callable[[str, int, int], None]  # (phase, done, total): "read" then "write"


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


def _catalog_for(lookup: StoredLookup, sheet_raw: Any) -> Catalog:
    nodes, relations = sheet_ids(sheet_raw)
    lookup.prefetch(nodes, relations)
    return lookup.catalog()


def ingest_story(session: Session, meta_raw: Any, sheet_raw: Any, text: str, *, meta_file: str = "meta.yaml",
                 sheet_file: str = "facts.yaml", text_file: str = "article.txt",
                 if_exists: Literal["replace", "conflict"] = "replace", lookup: StoredLookup | None = None,
                 record: bool = True) -> WriteResult:
    """Verify one story against what is stored, then store it. Does not commit.

    Raises :class:`SheetInvalid` with every fault (nothing written). An
    article already stored with the same content is ``unchanged``; with other
    content it is replaced, or, with ``if_exists="conflict"``, refused with
    :class:`ArticleExists`. ``lookup`` (of this session) is reused across
    stories; ``record=False`` leaves the revision bump to the caller.
    """
    faults = character_faults(meta_raw, sheet_raw, text, meta_file=meta_file, sheet_file=sheet_file,
                              text_file=text_file)
    if faults:  # before the lookup reads the ids it names: PostgreSQL cannot even compare a NUL
        raise SheetInvalid(faults)
    lookup = lookup or StoredLookup(session)
    story = verify(meta_raw, sheet_raw, text, meta_file=meta_file, sheet_file=sheet_file, text_file=text_file,
                   catalog=_catalog_for(lookup, sheet_raw))
    if if_exists == "conflict":
        stored = session.execute(select(col(ArticleRow.content_sha256))
                                 .where(col(ArticleRow.id) == story.meta.id)).first()
        if stored is not None and stored[0] != story.content_sha256:
            raise ArticleExists(story.meta.id)
    return write_story(session, story, record=record, lookup=lookup)


def ingest_path(engine: Engine, path: str | Path, *, progress: Progress | None = None) -> list[WriteResult]:
    """Verify and store every story under ``path``: all of them or none, oldest first, one revision.

    ``progress(phase, done, total)`` is told how far reading (``"read"``) and
    verifying and writing (``"write"``) have come.
    """
    results = []
    raws = _raws(path, progress=progress)
    with write_session(engine) as session:
        lookup = StoredLookup(session)
        for i, raw in enumerate(raws):
            results.append(ingest_story(session, raw.meta, raw.sheet, raw.text, meta_file=raw.meta_file,
                                        sheet_file=raw.sheet_file, text_file=raw.text_file, lookup=lookup,
                                        record=False))
            if progress is not None:
                progress("write", i + 1, len(raws))
        if has_pending_changes(session):
            store.bump_revision(session)  # looked up on the module: one place that every write bumps through
    return results


def _verify(raw: RawStory, catalog: Catalog) -> Story:
    return verify(raw.meta, raw.sheet, raw.text, meta_file=raw.meta_file, sheet_file=raw.sheet_file,
                  text_file=raw.text_file, catalog=catalog)


PARALLEL_READ_FROM = 64  # stories: below this, a pool of readers costs more than it saves


def _raws(path: str | Path, *, progress: Progress | None = None) -> list[RawStory]:
    """The stories under ``path``, in publication order: a later story may refer to an earlier one's nodes.

    Parsing YAML is most of the cost of reading, and independent per story:
    a large folder is read by a pool of processes (one per core), before any
    transaction begins. A story that cannot be read raises the same fault
    either way (the first, in folder order).
    """
    dirs = _dirs(path)
    raws: list[RawStory | SheetInvalid] = []
    workers = min(os.cpu_count() or 1, 4)
    # Forking is safe only in a process with one thread (the CLI), not under a server's threads.
    if len(dirs) >= PARALLEL_READ_FROM and workers > 1 and threading.active_count() == 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for i, raw in enumerate(pool.map(_read_or_fault, dirs, chunksize=16)):
                raws.append(raw)
                if progress is not None:
                    progress("read", i + 1, len(dirs))
    else:
        for i, d in enumerate(dirs):
            raws.append(_read_or_fault(d))
            if progress is not None:
                progress("read", i + 1, len(dirs))
    stories: list[RawStory] = []
    for raw in raws:
        if isinstance(raw, SheetInvalid):
            raise raw
        stories.append(raw)
    return sorted(stories, key=lambda r: str(r.meta.get("published")) if isinstance(r.meta, dict) else "")


def _read_or_fault(directory: Path) -> RawStory | SheetInvalid:
    try:
        return read_raw(directory)
    except SheetInvalid as exc:
        return exc


def _dirs(path: str | Path) -> list[Path]:
    dirs = story_dirs(path)
    if not dirs:
        raise SheetInvalid([Fault(str(path), None, "(directory)",
                                  "no story here: expected facts.yaml in it or in its subfolders")])
    return dirs
