"""Tiny stories that share nothing (ids, names, text), for concurrent writers."""

from __future__ import annotations

from pathlib import Path

from tests.graph.conftest import write_story

WORDS = ["Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Ginkgo", "Hazel", "Ivy", "Juniper", "Kauri", "Larch"]


def tiny(word: str, version: int = 0) -> tuple[dict, dict, str]:
    """(meta, sheet, text) of a story about Ann and Ben ``word``; ``version`` changes one description."""
    w = word.lower()
    text = f"{word} talks end\nBy Ann {word}\nAnn {word} met Ben {word} in {word}ville on Monday.\n"
    meta = {"id": f"{w}-talks", "title": f"{word} talks end", "publisher": "Wire", "published": "2024-02-01",
            "authors": [f"Ann {word}"]}
    sheet = {
        "entities": [
            {"id": f"ann-{w}", "name": f"Ann {word}", "type": "person", "aliases": [f"Ann {word}"],
             "evidence": [f"By Ann {word}"]},
            {"id": f"ben-{w}", "name": f"Ben {word}", "type": "person", "aliases": [f"Ben {word}"],
             "description": f"Version {version} of Ben.", "evidence": [f"met Ben {word}"]},
            {"id": f"{w}ville", "name": f"{word}ville", "type": "city", "aliases": [f"{word}ville"],
             "evidence": [f"in {word}ville"]},
            {"id": f"{w}-story", "name": f"{word} talks end", "type": "document", "evidence": [f"{word} talks end"]},
        ],
        "relations": [
            {"id": f"ann-{w}-met-ben-{w}", "subject": f"ann-{w}", "predicate": "met_with", "object": f"ben-{w}",
             "evidence": [f"Ann {word} met Ben {word}"]},
            {"id": f"ann-{w}-reported-{w}-story", "subject": f"ann-{w}", "predicate": "reported",
             "object": f"{w}-story", "evidence": [f"By Ann {word}"]},
        ],
    }
    return meta, sheet, text


def body(word: str, version: int = 0) -> dict:
    """The ``POST /v1/articles`` body of :func:`tiny`."""
    meta, sheet, text = tiny(word, version)
    return {"article": {**meta, "text": text}, "sheet": sheet}


def folder(root: Path, word: str, version: int = 0) -> Path:
    """:func:`tiny` written as a story folder under ``root``."""
    meta, sheet, text = tiny(word, version)
    return write_story(root / meta["id"], sheet, meta, text)
