"""Ingestion use cases: check a story directory, or write it in one transaction."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from .errors import Fault, SheetInvalid
from .files import read_story, story_dirs
from .model import Story
from .store import WriteResult, known_types, relation_owners, write_session, write_story


def check_path(path: str | Path, *, engine: Engine | None = None) -> list[Story]:
    """Verify every story under ``path`` without writing; raise on the first bad one."""
    known: dict[str, str] = {}
    taken: dict[str, str] = {}
    if engine is not None:
        with Session(engine) as s:
            known, taken = known_types(s), relation_owners(s)
    return [read_story(d, known=known, taken=taken) for d in _dirs(path)]


def ingest_path(engine: Engine, path: str | Path) -> list[WriteResult]:
    """Verify and store every story under ``path``: all of them or none."""
    results = []
    with write_session(engine) as session:
        for d in _dirs(path):
            story = read_story(d, known=known_types(session), taken=relation_owners(session))
            results.append(write_story(session, story))
    return results


def _dirs(path: str | Path) -> list[Path]:
    dirs = story_dirs(path)
    if not dirs:
        raise SheetInvalid([Fault(str(path), None, "(directory)", "no story here: expected facts.yaml in it or in its subfolders")])
    return dirs
