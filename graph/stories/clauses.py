"""Clauses: the parts of a sentence a statement can cite.

A sentence is rarely one fact. "Daskal applauded China ..., and urged further
action" holds two, and a sheet that states only the first still "cites" the
sentence. Coverage therefore looks at clauses, cut by a fixed rule from the
article's own punctuation and a short list of conjunctions, so the figures
are the same on every run and comparable between sheets. The rule is meant to
find gaps a curator should look at, not to parse English:

1. A sentence is cut at ``,`` ``;`` ``:`` ``(`` ``)`` ``[`` ``]``, a dash
   (``—``, ``–``, or a hyphen with a space on either side) and an ellipsis
   (``...``, ``…``). The marks belong to no clause. Quotation marks do not
   cut: in news they say whose words these are, not where a clause ends.
2. A sentence is also cut just before a conjunction that can open a clause:
   ``and``, ``but``, ``or``, ``nor``, ``yet``, ``while``, ``whereas``,
   ``although``, ``though``, ``because``, ``as``, ``which``, ``who``,
   ``whom``, ``whose``, ``where``, ``when`` (whole words, any case). The
   word starts the clause it opens. ``that`` is left out on purpose: it is
   mostly "said that ..." or a relative inside one proposition.
3. Each piece is trimmed of spaces, of the sentence's final stop, and of a
   quotation mark at its edge whose partner lies outside the piece.
4. A piece of fewer than three words is too small to state anything alone
   ("BEIJING", "Taiwan", "2024"): it joins the next piece when a
   conjunction follows it ("Taiwan | and human rights") or when it opens
   the sentence, else the piece before it.

Offsets are code points into the article, like every other offset here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from graph.stories.text import Sentence

MIN_WORDS = 3
CONJUNCTIONS = ("and", "but", "or", "nor", "yet", "while", "whereas", "although", "though", "because", "as",
                "which", "who", "whom", "whose", "where", "when")
_MARK = re.compile(r"[,;:()\[\]—–]|\s-\s|\.\.\.|…")
_CONJ = re.compile(r"(?<![\w'’-])(?:" + "|".join(CONJUNCTIONS) + r")(?![\w'’-])", re.I)
_QUOTES = frozenset('"“”')
_WORD = re.compile(r"\w+(?:['’.-]\w+)*")


@dataclass(frozen=True, slots=True)
class Clause:
    sentence: int  # the index of its sentence
    start: int
    end: int
    text: str


def split_clauses(text: str, sentence: Sentence) -> list[Clause]:
    """The clauses of ``sentence`` (a sentence of ``text``), in order (see module doc).

    >>> from graph.stories.text import split_sentences
    >>> t = "Daskal applauded China for its steps, and urged further action."
    >>> [c.text for c in split_clauses(t, split_sentences(t)[0])]
    ['Daskal applauded China for its steps', 'and urged further action']
    >>> t = "BEIJING (Reuters) - Ties were tense over tariffs, Taiwan and human rights."
    >>> [c.text for c in split_clauses(t, split_sentences(t)[0])]
    ['BEIJING (Reuters) - Ties were tense over tariffs', 'Taiwan and human rights']
    """
    s, e = sentence.start, sentence.end
    cuts: list[tuple[int, int, bool]] = []  # (start, end, a conjunction follows) of each piece
    at = s
    for m in _MARK.finditer(text, s, e):
        cuts.append((at, m.start(), False))
        at = m.end()
    cuts.append((at, e, False))
    pieces: list[tuple[int, int, bool]] = []
    for a, b, _ in cuts:
        for m in _CONJ.finditer(text, a, b):
            if text[a:m.start()].strip():
                pieces.append((a, m.start(), True))
                a = m.start()
        pieces.append((a, b, False))
    spans: list[list[Any]] = []  # [start, end, conjunction follows]
    carry: int | None = None  # start of a tiny piece waiting to join the next
    for a, b, conj_next in pieces:
        a, b = _trim(text, a, b, last=b == e)
        if a >= b:
            continue
        if carry is not None:
            a, carry = carry, None
        tiny = len(_WORD.findall(text, a, b)) < MIN_WORDS
        if tiny and (conj_next or not spans):
            carry = a
        elif tiny:
            spans[-1][1] = b
        else:
            spans.append([a, b])
    if carry is not None:  # the sentence ends in a tiny piece that wanted a next one
        if spans:
            spans[-1][1] = _trim(text, carry, e, last=True)[1]
        else:
            spans.append(list(_trim(text, carry, e, last=True)))
    return [Clause(sentence.index, a, b, text[a:b]) for a, b in spans if a < b]


def _trim(text: str, a: int, b: int, *, last: bool) -> tuple[int, int]:
    """Without spaces at either edge, the sentence's final stop, nor a quotation mark whose partner is outside."""
    while True:
        start, end = a, b
        while a < b and text[a].isspace():
            a += 1
        while b > a and (text[b - 1].isspace() or (last and text[b - 1] in ".?!")):
            b -= 1
        if a < b and text[a] in _QUOTES and not _balanced(text[a:b]):
            a += 1
        elif b > a and text[b - 1] in _QUOTES and not _balanced(text[a:b]):
            b -= 1
        if (a, b) == (start, end):
            return a, b


def _balanced(piece: str) -> bool:
    return piece.count('"') % 2 == 0 and piece.count("“") == piece.count("”")
