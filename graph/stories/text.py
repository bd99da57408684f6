"""The article's text: its sentences, and where a quote stands in it.

Offsets are Unicode code points into the article exactly as ingested, end
exclusive, so ``text[start:end] == quote`` always holds for stored evidence.

Sentence rule (used for evidence's ``sentence`` index and for coverage):

1. Page furniture is not part of the story and gets no sentence index:
   a line that is only ``|`` (a column separator), a ``[to top of ...]``
   layout marker, the ``Send a link to a friend`` share widget, and the
   rights notice, from a line starting ``[©`` to the end of the text.
2. A line wholly in square brackets (the ``[January 31, 2024]`` date line)
   and a byline (``By`` and capitalised names) are sentences of their own.
3. A photo credit (a line ending ``via REUTERS`` or ``/Reuters``) ends a block.
4. Within a block, a sentence ends at ``.``, ``?`` or ``!`` (a closing quote
   may follow) before whitespace and a capital letter, a quote or ``(`` —
   except after initials (``U.S.``) and month abbreviations (``Jan.``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

FURNITURE_LINES = (
    re.compile(r"^\|$"),  # column separator
    re.compile(r"^\[to top of [^\]]*\]$", re.I),  # layout marker
    re.compile(r"^Send a link to a friend$", re.I),  # share widget
)
RIGHTS_NOTICE = re.compile(r"^\[©", re.M)
STANDALONE_LINES = (
    re.compile(r"^\[[^\]]+\]$"),  # date line
    re.compile(r"^By (?:[A-Z][\w.'-]*\s?)+$"),  # byline
)
CREDIT_LINE = re.compile(r"(?:via REUTERS|/Reuters)$")
_END = re.compile(r"[.?!][\"'”’]?(?=\s+[\"“(A-Z])")
_NO_BREAK = re.compile(r"(?:\b(?:[A-Z]\.)+|\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Mr|Mrs|Ms|Dr|St|No)\.)$")


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


def _lines(text: str) -> Iterator[tuple[int, str]]:
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        yield pos, body
        pos += len(line)


def _blocks(text: str) -> list[tuple[int, int]]:
    """Spans of running text between furniture and standalone lines."""
    notice = RIGHTS_NOTICE.search(text)
    limit = notice.start() if notice else len(text)
    blocks: list[tuple[int, int]] = []
    open_at: int | None = None

    def close(at: int) -> None:
        nonlocal open_at
        if open_at is not None:
            blocks.append((open_at, at))
            open_at = None

    for pos, line in _lines(text[:limit]):
        stripped = line.strip()
        end = pos + len(line)
        if not stripped or any(p.match(stripped) for p in FURNITURE_LINES):
            close(pos)
        elif any(p.match(stripped) for p in STANDALONE_LINES):
            close(pos)
            blocks.append((pos, end))
        else:
            if open_at is None:
                open_at = pos
            if CREDIT_LINE.search(stripped):
                close(end)
    close(limit)
    return blocks


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str) -> list[Sentence]:
    """The article's sentences in order, furniture excluded (see module doc).

    >>> [s.text for s in split_sentences("By Ann Lee\\nThe U.S. Army said so. It did.")]
    ['By Ann Lee', 'The U.S. Army said so.', 'It did.']
    """
    spans: list[tuple[int, int]] = []
    for b_start, b_end in _blocks(text):
        cut = b_start
        for m in _END.finditer(text, b_start, b_end):
            if _NO_BREAK.search(text, cut, m.start() + 1):
                continue
            spans.append((cut, m.end()))
            cut = m.end()
        spans.append((cut, b_end))
    out: list[Sentence] = []
    for start, end in spans:
        start, end = _trimmed(text, start, end)
        if start < end:
            out.append(Sentence(len(out), start, end, text[start:end]))
    return out


def sentence_at(sentences: list[Sentence], offset: int) -> int | None:
    """Index of the sentence containing ``offset``; None in furniture."""
    for s in sentences:
        if s.start <= offset < s.end:
            return s.index
    return None


class NormalizedText:
    """The text with whitespace runs collapsed, mapped back to the original.

    Quotes are written on one line; the article wraps. Matching on collapsed
    whitespace and mapping back gives the exact span as it stands. The map
    is kept per run (a word, or a run of whitespace collapsed to one space),
    not per character: building it costs the number of words.

    >>> n = NormalizedText("  a  b\\n c")
    >>> n.text, [n.origin(i) for i in range(len(n.text))]
    (' a b c', [0, 2, 3, 5, 6, 8])
    """

    def __init__(self, text: str) -> None:
        self.text = _WS.sub(" ", text)
        starts: list[int] = []  # collapsed offset where each run begins
        origins: list[int] = []  # its offset in the original
        at = prev = 0
        for m in _WS.finditer(text):
            if m.start() > prev:  # the characters before this whitespace, one for one
                starts.append(at)
                origins.append(prev)
                at += m.start() - prev
            starts.append(at)  # the run, as one space
            origins.append(m.start())
            at += 1
            prev = m.end()
        if len(text) > prev:
            starts.append(at)
            origins.append(prev)
        self._starts, self._origins = starts, origins

    def origin(self, i: int) -> int:
        """The original offset of collapsed character ``i``."""
        k = bisect_right(self._starts, i) - 1
        return self._origins[k] + (i - self._starts[k])

    def find_all(self, quote: str) -> list[Span]:
        needle = normalize(quote)
        spans, at = [], self.text.find(needle) if needle else -1
        while at >= 0:
            spans.append(Span(self.origin(at), self.origin(at + len(needle) - 1) + 1))
            at = self.text.find(needle, at + 1)
        return spans


_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def locate(
    article: str,
    norm: NormalizedText,
    quote: str,
    *,
    prefix: str | None = None,
    suffix: str | None = None,
    occurrence: int | None = None,
) -> Span:
    """The one span where ``quote`` stands; ``ValueError`` says why not.

    >>> t = "a b\\nc a b"
    >>> locate(t, NormalizedText(t), "b c")
    Span(start=2, end=5)
    """
    spans = norm.find_all(quote)
    if not spans:
        raise ValueError(f"quote not found in the article: '{normalize(quote)}'")
    if prefix is not None:
        p = normalize(prefix)
        spans = [s for s in spans if normalize(article[: s.start]).endswith(p)]
    if suffix is not None:
        x = normalize(suffix)
        spans = [s for s in spans if normalize(article[s.end :]).startswith(x)]
    if not spans:
        raise ValueError(f"quote found, but not with the given prefix/suffix: '{normalize(quote)}'")
    if occurrence is not None:
        if occurrence > len(spans):
            raise ValueError(f"occurrence {occurrence} asked, but the quote occurs {len(spans)} time(s)")
        return spans[occurrence - 1]
    if len(spans) > 1:
        raise ValueError(
            f"quote occurs {len(spans)} times; add 'occurrence', 'prefix' or 'suffix' to pick one: '{normalize(quote)}'"
        )
    return spans[0]
