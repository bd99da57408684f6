"""Reading a story directory: ``article.txt``, ``meta.yaml``, ``facts.yaml``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml

from graph.errors import Fault, SheetInvalid
from graph.model import Story
from graph.stories.resolution import Catalog
from graph.stories.validate import verify

if TYPE_CHECKING:
    from yaml._yaml import Mark as CMark

ARTICLE, META, FACTS = "article.txt", "meta.yaml", "facts.yaml"


class AliasRefused(yaml.MarkedYAMLError):
    """An anchor (``&a``) or alias (``*a``) in a story's YAML, at ``mark``.

    A 700-byte document of nested aliases ("billion laughs") expands to 10^9
    strings once anything walks it: verification, hashing and storing would
    take minutes and gigabytes. A fact sheet never needs to repeat a node, so
    the loader refuses the first anchor or alias it meets, before composing it.
    """

    PROBLEM = ("YAML anchors (&name) and aliases (*name) are not allowed in a story's files; "
               "write each value out in full")

    def __init__(self, mark: yaml.Mark | CMark | None) -> None:
        # libyaml's parser marks events with its own Mark class, which PyYAML's errors read as they read
        # yaml.Mark (line, column); the stubs name only the pure-Python class.
        super().__init__(problem=self.PROBLEM, problem_mark=cast("yaml.Mark | None", mark))


class _NoAliases(yaml.composer.Composer):
    """Mixed in before a loader: its composer raises :class:`AliasRefused` at an anchor or alias event."""

    peek_event: Callable[[], yaml.Event | None]  # the parser's, from the loader this is mixed into

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or (isinstance(event, yaml.NodeEvent) and event.anchor is not None):
            raise AliasRefused(event.start_mark)
        return super().compose_node(parent, index)


class _SafeNoAliases(_NoAliases, yaml.SafeLoader):
    pass


# libyaml's parser when PyYAML was built with it (10-50x faster on a fact sheet), under PyYAML's own
# (Python) composer, which is where anchors and aliases are refused and costs no more than libyaml's;
# the pure-Python parser re-reads a file libyaml rejects, so a fault reads exactly as it always did.
_FAST_LOADER: type[_FastNoAliases] | None = None
if getattr(yaml, "CSafeLoader", None) is not None:
    class _CLoader(yaml.composer.Composer, yaml.CSafeLoader):
        def __init__(self, stream: str) -> None:
            yaml.CSafeLoader.__init__(self, stream)
            yaml.composer.Composer.__init__(self)

    class _FastNoAliases(_NoAliases, _CLoader):
        pass

    _FAST_LOADER = _FastNoAliases


def _load(text: str) -> Any:
    r"""``text`` as YAML, safely, refusing anchors and aliases.

    >>> _load("name: AT&T *")
    {'name': 'AT&T *'}
    >>> _load("a: &x [1]\nb: *x")
    Traceback (most recent call last):
    graph.stories.files.AliasRefused: ...
    """
    if _FAST_LOADER is not None:
        try:
            return yaml.load(text, Loader=_FAST_LOADER)
        except AliasRefused:
            raise
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=_SafeNoAliases)


def _yaml(path: Path, faults: list[Fault]) -> Any:
    try:
        return _load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        faults.append(Fault(str(path), None, "(file)", "file not found"))
    except UnicodeDecodeError as exc:
        faults.append(Fault(str(path), None, "(file)", f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        why = (AliasRefused.PROBLEM if isinstance(exc, AliasRefused)
               else f"not valid YAML: {getattr(exc, 'problem', None) or exc}")
        faults.append(Fault(str(path), None, where, why))
    return None


def _read_exact(path: Path) -> str:
    # newline="" keeps line endings as they are, so offsets match the file byte for byte.
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


@dataclass(frozen=True, slots=True)
class RawStory:
    """A story directory's files, parsed but not verified; ``*_file`` name them in faults."""

    meta: Any
    sheet: Any
    text: str
    meta_file: str
    sheet_file: str
    text_file: str


def read_raw(directory: str | Path) -> RawStory:
    """Read one story directory; raise :class:`SheetInvalid` naming the file that cannot be read."""
    d = Path(directory)
    faults: list[Fault] = []
    if not d.is_dir():
        raise SheetInvalid([Fault(str(d), None, "(directory)",
                                  "not a directory with article.txt, meta.yaml and facts.yaml")])
    try:
        text = _read_exact(d / ARTICLE) if (d / ARTICLE).exists() else None
    except UnicodeDecodeError as exc:
        text = None
        faults.append(Fault(str(d / ARTICLE), None, "(file)", f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
    if text is None and not faults:
        faults.append(Fault(str(d / ARTICLE), None, "(file)", "file not found"))
    meta, sheet = _yaml(d / META, faults), _yaml(d / FACTS, faults)
    if faults or text is None:
        raise SheetInvalid(faults)
    return RawStory(meta, sheet if sheet is not None else {}, text, str(d / META), str(d / FACTS), str(d / ARTICLE))


def read_story(directory: str | Path, *, catalog: Catalog | None = None) -> Story:
    """Read and verify one story directory; raise :class:`SheetInvalid` naming the file."""
    raw = read_raw(directory)
    return verify(raw.meta, raw.sheet, raw.text, meta_file=raw.meta_file, sheet_file=raw.sheet_file,
                  text_file=raw.text_file, catalog=catalog)


def story_dirs(root: str | Path) -> list[Path]:
    """Story directories under a seeds folder (or the folder itself if it is one)."""
    r = Path(root)
    if (r / FACTS).exists():
        return [r]
    return sorted(p.parent for p in r.glob(f"*/{FACTS}"))
