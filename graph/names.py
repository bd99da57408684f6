"""Alias-aware name lookup: exact, then prefix, then fuzzy (rapidfuzz).

Names compare case-insensitively and ignoring punctuation, so "us", "US"
and "U.S." are one key, and "jen daskal" finds "Jen Daskal".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import networkx as nx
from rapidfuzz import fuzz, process

from .errors import AmbiguousReference, EntityNotFound

_DROP = re.compile(r"[.'’`]")  # U.S. -> US, Xi's -> Xis
_SPLIT = re.compile(r"[\W_]+", re.UNICODE)  # hyphens, slashes, commas -> space


def normalize_name(text: str) -> str:
    """The lookup key of a name.

    >>> normalize_name("U.S.-China Counternarcotics  Working Group")
    'us china counternarcotics working group'
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPLIT.sub(" ", _DROP.sub("", text)).strip()


@dataclass(frozen=True, slots=True)
class Match:
    id: str
    score: float  # 1.0 exact, 0.9 prefix, 0.8 word prefix, up to 0.7 fuzzy
    matched: str  # the name or alias that matched


EXACT, PREFIX, WORD_PREFIX, FUZZY_MAX = 1.0, 0.9, 0.8, 0.7
FUZZY_CUTOFF = 70  # rapidfuzz WRatio, 0-100


class NameIndex:
    """Every entity's id, name and aliases under their normalized keys."""

    def __init__(self, g: nx.MultiDiGraph) -> None:
        self._g = g
        self._names: dict[str, set[str]] = {}  # key -> ids whose canonical name it is
        self._aliases: dict[str, set[str]] = {}  # key -> ids with that alias
        self._surface: list[tuple[str, str, str]] = []  # (key, id, surface form)
        for node, data in g.nodes(data=True):
            self._names.setdefault(normalize_name(data["name"]), set()).add(node)
            self._surface.append((normalize_name(data["name"]), node, data["name"]))
            for alias in data.get("aliases") or []:
                self._aliases.setdefault(normalize_name(alias), set()).add(node)
                self._surface.append((normalize_name(alias), node, alias))
        self._keys = [k for k, _, _ in self._surface]

    def ref(self, node: str) -> dict:
        d = self._g.nodes[node]
        return {"id": node, "name": d["name"], "type": d["type"]}

    def resolve(self, ref: str, *, parameter: str | None = None) -> str:
        """The one entity an id, name or alias names.

        Raises :class:`EntityNotFound` (with up to five candidates) or
        :class:`AmbiguousReference`. A canonical name wins over an alias, so
        "Beijing" is the city although China's government is also "Beijing".
        """
        if ref in self._g:
            return ref
        key = normalize_name(ref)
        for table in (self._names, self._aliases):
            ids = table.get(key, set())
            if len(ids) == 1:
                return next(iter(ids))
            if len(ids) > 1:
                raise AmbiguousReference(ref, [self.ref(i) for i in sorted(ids)], parameter=parameter)
        raise EntityNotFound(ref, [self.ref(m.id) | {"score": m.score} for m in self.search(ref, limit=5)],
                             parameter=parameter)

    def search(self, q: str, *, limit: int | None = None) -> list[Match]:
        """Entities ranked by how well ``q`` matches a name or alias; best per entity."""
        key = normalize_name(q)
        if not key:
            return []
        best: dict[str, Match] = {}

        def offer(node: str, score: float, surface: str) -> None:
            if node not in best or score > best[node].score:
                best[node] = Match(node, round(score, 3), surface)

        for k, node, surface in self._surface:
            if k == key or node == q:
                offer(node, EXACT, surface)
            elif k.startswith(key):
                offer(node, PREFIX, surface)
            elif any(w.startswith(key) for w in k.split()):
                offer(node, WORD_PREFIX, surface)
        for _, score, i in process.extract(key, self._keys, scorer=fuzz.WRatio, score_cutoff=FUZZY_CUTOFF,
                                           limit=None):
            _, node, surface = self._surface[i]
            offer(node, FUZZY_MAX * score / 100, surface)
        ranked = sorted(best.values(), key=lambda m: (-m.score, -self._g.degree(m.id), self._g.nodes[m.id]["name"]))
        return ranked[:limit] if limit else ranked
