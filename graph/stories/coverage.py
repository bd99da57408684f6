"""Coverage: which statements cite each sentence, and which clauses none does.

Only statements count: relations (not the ``about`` edges a claim's
``about`` list derives, which cite the claim's own words), claims and
events. An entity's evidence shows where the article *names* something;
naming is not stating, so a sentence whose only citation was a mention is
uncovered. Furniture is excluded by the rule in :mod:`graph.stories.text`.

A sentence holds several facts, so coverage is counted per clause
(:mod:`graph.stories.clauses`): a clause is covered when the evidence of at least
one statement overlaps it by one code point or more. A clause left
uncovered on purpose carries a reason in the sheet, as a whole-line YAML
comment that ``storygraph coverage`` reads from ``facts.yaml``::

    # uncovered: "Ng Han Guan/Pool via REUTERS" — a photo credit, not a fact

The quoted words (a YAML double- or single-quoted string; whitespace and
line breaks in the article do not matter) must occur in exactly one clause:
its first few words are enough. A reason whose words match no clause, more
than one, or a clause some statement covers, is reported, so reasons do not
outlive the gaps they explain. Reasons live only in the sheet file: the API
stores the parsed sheet, so it serves the clauses but not the reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import col

from graph.errors import NotFound
from graph.model import Story
from graph.stories.clauses import Clause, split_clauses
from graph.stories.text import Sentence, normalize, split_sentences

STATEMENT_TYPES = ("claim", "event")  # entities that state something; every other entity only names
DERIVED = ("about",)  # relations derived from a claim's own evidence


@dataclass(frozen=True, slots=True)
class Reason:
    """``# uncovered: "<words of the clause>" — <why>`` at ``line`` (1-based) of the sheet."""

    line: int
    words: str
    why: str


@dataclass(frozen=True, slots=True)
class ClauseCoverage:
    clause: Clause
    statements: tuple[str, ...]  # ids of the statements whose evidence overlaps it
    reason: str | None = None  # why it stays uncovered, from the sheet

    @property
    def covered(self) -> bool:
        return bool(self.statements)


@dataclass(frozen=True, slots=True)
class SentenceCoverage:
    sentence: Sentence
    facts: tuple[str, ...]  # ids of the statements citing it
    clauses: tuple[ClauseCoverage, ...] = ()

    @property
    def covered_clauses(self) -> int:
        return sum(1 for c in self.clauses if c.covered)


@dataclass(frozen=True, slots=True)
class Coverage:
    article_id: str
    sentences: tuple[SentenceCoverage, ...]
    reason_problems: tuple[str, ...] = ()  # reasons that explain nothing, each saying why

    @property
    def covered(self) -> int:
        """Sentences some statement cites."""
        return sum(1 for s in self.sentences if s.facts)

    @property
    def clauses(self) -> tuple[ClauseCoverage, ...]:
        return tuple(c for s in self.sentences for c in s.clauses)

    @property
    def covered_clauses(self) -> int:
        return sum(1 for c in self.clauses if c.covered)

    @property
    def explained_clauses(self) -> int:
        """Uncovered clauses with a reason in the sheet."""
        return sum(1 for c in self.clauses if not c.covered and c.reason)

    @property
    def share(self) -> float:
        """Clauses covered or explained, over all clauses (1.0 for a text with none)."""
        total = len(self.clauses)
        return (self.covered_clauses + self.explained_clauses) / total if total else 1.0


def clause_coverage(article_id: str, text: str, spans: Iterable[tuple[str, int, int]]) -> Coverage:
    """Coverage of ``text`` by statement evidence ``spans`` (``(statement id, start, end)``).

    >>> t = "Lee met Kim in Oslo, and they agreed on a plan. Kim is a diplomat."
    >>> cov = clause_coverage("a", t, [("lee-met-kim", 0, 19)])
    >>> [(c.clause.text, c.statements) for c in cov.clauses]
    [('Lee met Kim in Oslo', ('lee-met-kim',)), ('and they agreed on a plan', ()), ('Kim is a diplomat', ())]
    >>> cov.covered, cov.covered_clauses, round(cov.share, 2)
    (1, 1, 0.33)
    """
    spans = list(spans)  # read once per sentence and clause
    rows = []
    for s in split_sentences(text):
        ids = sorted({sid for sid, a, b in spans if a < s.end and b > s.start})
        clauses = tuple(ClauseCoverage(c, tuple(sorted({sid for sid, a, b in spans if a < c.end and b > c.start})))
                        for c in split_clauses(text, s))
        rows.append(SentenceCoverage(s, tuple(ids), clauses))
    return Coverage(article_id, tuple(rows))


def statement_spans(story: Story) -> list[tuple[str, int, int]]:
    """The evidence of ``story``'s statements: relations (but ``about``), claims and events."""
    spans = [(e.id, ev.start, ev.end) for e in story.entities if e.type in STATEMENT_TYPES for ev in e.evidence]
    spans += [(r.id, ev.start, ev.end) for r in story.relations if r.predicate not in DERIVED for ev in r.evidence]
    return spans


def coverage(story: Story) -> Coverage:
    """Every sentence and clause of ``story`` with the statements whose evidence overlaps it."""
    return clause_coverage(story.meta.id, story.text, statement_spans(story))


def stored_coverage(conn: Connection, article_id: str) -> Coverage:
    """Coverage of a stored article, from the evidence rows that cite it: two indexed queries.

    The index keeps evidence per node and edge, not per article, so finding one article's
    statements there means reading the whole graph (70 ms at 15,000 relations, linear); the table is
    indexed by article. ``conn`` should hold one snapshot (:func:`graph.readwrite.stream.snapshot`), so the
    text and the offsets are of the same revision.
    """
    from graph.storage.tables import ArticleRow, EntityRow, EvidenceRow, RelationRow

    text = conn.execute(select(col(ArticleRow.text)).where(col(ArticleRow.id) == article_id)).scalar_one_or_none()
    if text is None:
        raise NotFound("article", article_id)
    ev = EvidenceRow
    relations = (select(col(ev.relation_id), col(ev.start), col(ev.end))
                 .join(RelationRow, col(RelationRow.id) == col(ev.relation_id))
                 .where(col(ev.article_id) == article_id, col(RelationRow.predicate).not_in(DERIVED)))
    statements = (select(col(ev.entity_id), col(ev.start), col(ev.end))
                  .join(EntityRow, col(EntityRow.id) == col(ev.entity_id))
                  .where(col(ev.article_id) == article_id, col(EntityRow.type).in_(STATEMENT_TYPES)))
    # The inner joins leave no row without its statement id; the test tells the type checker so.
    spans = [(sid, a, b) for q in (relations, statements) for sid, a, b in conn.execute(q) if sid is not None]
    return clause_coverage(article_id, text, spans)


def as_dict(cov: Coverage) -> dict[str, Any]:
    """What the API serves (``app.schemas.ArticleCoverage``); reasons stay in the sheet file."""
    return {
        "article_id": cov.article_id,
        "sentences_cited": cov.covered, "sentences_total": len(cov.sentences),
        "clauses_covered": cov.covered_clauses, "clauses_total": len(cov.clauses),
        "sentences": [{"index": s.sentence.index, "start": s.sentence.start, "end": s.sentence.end,
                       "statements": list(s.facts), "clauses_covered": s.covered_clauses,
                       "clauses_total": len(s.clauses),
                       "clauses": [{"start": c.clause.start, "end": c.clause.end, "text": c.clause.text,
                                    "statements": list(c.statements)} for c in s.clauses]}
                      for s in cov.sentences],
    }


_REASON = re.compile(r"^\s*#\s*uncovered\s*:\s*(?P<rest>.*)$")
_QUOTED = re.compile(r"""^(?P<q>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')\s*(?:—|–|--|-|:)\s*(?P<why>\S.*)$""")


def read_reasons(sheet_text: str) -> tuple[list[Reason], list[str]]:
    """The ``# uncovered:`` comments of a sheet, and a problem for each one that cannot be read.

    >>> sheet = 'a: 1\\n# uncovered: "Ng Han Guan/Pool" \\u2014 a photo credit\\n#uncovered: Ng\\n'
    >>> read_reasons(sheet)  # doctest: +NORMALIZE_WHITESPACE
    ([Reason(line=2, words='Ng Han Guan/Pool', why='a photo credit')],
     ['line 3: write # uncovered: "<words of the clause>" — <reason>'])
    """
    reasons, problems = [], []
    for n, line in enumerate(sheet_text.splitlines(), 1):
        m = _REASON.match(line)
        if not m:
            continue
        q = _QUOTED.match(m["rest"].strip())
        words = None
        if q:
            try:
                words = yaml.safe_load(q["q"])
            except yaml.YAMLError:
                words = None
        if q is None or not isinstance(words, str) or not normalize(words):
            problems.append(f'line {n}: write # uncovered: "<words of the clause>" — <reason>')
            continue
        reasons.append(Reason(n, normalize(words), q["why"].strip()))
    return reasons, problems


def explain(cov: Coverage, reasons: Iterable[Reason], problems: Iterable[str] = ()) -> Coverage:
    """``cov`` with each reason on the one uncovered clause whose text holds its words."""
    texts = [(i, j, normalize(c.clause.text)) for i, s in enumerate(cov.sentences) for j, c in enumerate(s.clauses)]
    why: dict[tuple[int, int], str] = {}
    out = list(problems)
    for r in reasons:
        hits = [(i, j) for i, j, t in texts if r.words in t]
        if len(hits) != 1:
            out.append(f'line {r.line}: "{r.words}" is in ' + (f"{len(hits)} clauses; quote more of it" if hits
                                                                  else "no clause"))
            continue
        (i, j), = hits
        clause = cov.sentences[i].clauses[j]
        if clause.covered:
            out.append(f'line {r.line}: "{r.words}" is covered by {", ".join(clause.statements)}; drop the reason')
        elif (i, j) in why:
            out.append(f'line {r.line}: "{r.words}" already has a reason')
        else:
            why[(i, j)] = r.why
    sentences = tuple(
        SentenceCoverage(s.sentence, s.facts, tuple(
            ClauseCoverage(c.clause, c.statements, why.get((i, j), c.reason)) for j, c in enumerate(s.clauses)))
        for i, s in enumerate(cov.sentences))
    return Coverage(cov.article_id, sentences, tuple(out))
