"""Reading a story directory: ``article.txt``, ``meta.yaml``, ``facts.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Fault, SheetInvalid
from .model import Story
from .validate import verify

ARTICLE, META, FACTS = "article.txt", "meta.yaml", "facts.yaml"


def _yaml(path: Path, faults: list[Fault]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        faults.append(Fault(str(path), None, "(file)", "file not found"))
    except UnicodeDecodeError as exc:
        faults.append(Fault(str(path), None, "(file)", f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        faults.append(Fault(str(path), None, where, f"not valid YAML: {getattr(exc, 'problem', None) or exc}"))
    return None


def _read_exact(path: Path) -> str:
    # newline="" keeps line endings as they are, so offsets match the file byte for byte.
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def read_story(directory: str | Path, *, known: dict[str, str] | None = None,
               taken: dict[str, str] | None = None) -> Story:
    """Read and verify one story directory; raise :class:`SheetInvalid` naming the file."""
    d = Path(directory)
    faults: list[Fault] = []
    if not d.is_dir():
        raise SheetInvalid([Fault(str(d), None, "(directory)", "not a directory with article.txt, meta.yaml and facts.yaml")])
    try:
        text = _read_exact(d / ARTICLE) if (d / ARTICLE).exists() else None
    except UnicodeDecodeError as exc:
        text = None
        faults.append(Fault(str(d / ARTICLE), None, "(file)", f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
    if text is None and not faults:
        faults.append(Fault(str(d / ARTICLE), None, "(file)", "file not found"))
    meta, sheet = _yaml(d / META, faults), _yaml(d / FACTS, faults)
    if faults:
        raise SheetInvalid(faults)
    return verify(meta, sheet if sheet is not None else {}, text, meta_file=str(d / META),
                  sheet_file=str(d / FACTS), known=known, taken=taken)


def story_dirs(root: str | Path) -> list[Path]:
    """Story directories under a seeds folder (or the folder itself if it is one)."""
    r = Path(root)
    if (r / FACTS).exists():
        return [r]
    return sorted(p.parent for p in r.glob(f"*/{FACTS}"))
