"""Coverage: which facts cite each sentence of the article.

A sentence is covered when the evidence of at least one entity, event, claim
or relation overlaps it. Furniture is excluded by the rule in :mod:`graph.text`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Story
from .text import Sentence, split_sentences


@dataclass(frozen=True, slots=True)
class SentenceCoverage:
    sentence: Sentence
    facts: tuple[str, ...]  # ids of the facts citing it


@dataclass(frozen=True, slots=True)
class Coverage:
    article_id: str
    sentences: tuple[SentenceCoverage, ...]

    @property
    def covered(self) -> int:
        return sum(1 for s in self.sentences if s.facts)

    @property
    def share(self) -> float:
        return self.covered / len(self.sentences) if self.sentences else 1.0


def coverage(story: Story) -> Coverage:
    """Every sentence of ``story`` with the facts whose evidence overlaps it."""
    spans = [(e.id, ev) for e in story.entities for ev in e.evidence]
    spans += [(r.id, ev) for r in story.relations if r.predicate != "about" for ev in r.evidence]
    rows = []
    for s in split_sentences(story.text):
        ids = sorted({fid for fid, ev in spans if ev.start < s.end and ev.end > s.start})
        rows.append(SentenceCoverage(s, tuple(ids)))
    return Coverage(story.meta.id, tuple(rows))
