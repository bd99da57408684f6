"""Alias-aware name lookup: exact, then prefix, then fuzzy (rapidfuzz).

Names compare case-insensitively and ignoring punctuation, so "us", "US"
and "U.S." are one key, and "jen daskal" finds "Jen Daskal".

Why it is built this way: at 120,000 entities there are about 300,000
surface forms (names and aliases) but only about 200,000 distinct keys and
90,000 distinct words, and a scan of every form per query (what this module
did first) took over a second. So every lookup goes through an index:

* exact: a dict from key to entities;
* prefix: the distinct keys kept sorted, so the keys starting with the query
  are one :func:`bisect` range;
* word prefix: the distinct words kept sorted, each with the keys that hold it;
* fuzzy: rapidfuzz's ``WRatio`` (cutoff 70) as before, but only over
  *candidate* keys rather than all of them. A key is a candidate when it holds
  a word of the query, or a word one edit (a deletion, insertion, substitution
  or swap of neighbours) away from a query word of at least
  :data:`TYPO_MIN_LEN` characters, found with a symmetric deletion index
  (the "SymSpell" idea: both sides delete one character). When more than
  :data:`FUZZY_CANDIDATES` keys qualify, those holding the most query words
  come first, then the keys in sorted order. On a small graph this gives the
  same answers as scoring every key; on a large one it keeps a typo search
  within milliseconds, and a query that shares no near word with a name no
  longer drags in thousands of weak partial matches.

Resolving a reference (an id, else exactly one name or alias, else
candidates) is one cascade, :func:`resolve_reference`, which the API's
lookup and a fact sheet's references both run.

The index moves forward with the graph: :meth:`NameIndex.refresh` re-reads
the touched entities and costs a few dict operations and sorted-list inserts
per name, never a pass over every entity.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
from rapidfuzz import fuzz, process

from graph.errors import AmbiguousReference, EntityNotFound

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
TYPO_MIN_LEN = 4  # shorter query words only find keys holding them as they are
FUZZY_CANDIDATES = 500  # most keys scored by WRatio per query
CANDIDATES = 5  # "did you mean": the most candidates a reference naming nothing offers (API and fact sheets)

_HIGH = "\U0010ffff"  # sorts after every character: [p, p + _HIGH) is every string starting with p


def _deletions(word: str) -> set[str]:
    """The word with one character removed, at each position.

    >>> sorted(_deletions("abc"))
    ['ab', 'ac', 'bc']
    """
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _range(items: list[str], prefix: str) -> Iterable[str]:
    """The items of a sorted list that start with ``prefix``, in order."""
    lo, hi = bisect_left(items, prefix), bisect_left(items, prefix + _HIGH)
    return items[lo:hi]


Ids = list[str] | set[str]
_FEW = 8


def _put(table: dict[str, Ids], key: str, node: str) -> None:
    """Add ``node`` under ``key`` (a list while few, a set beyond).

    >>> t = {}
    >>> for n in "abcdefghij": _put(t, "k", n)
    >>> type(t["k"]).__name__, len(t["k"])
    ('set', 10)
    """
    ids = table.get(key)
    if ids is None:
        table[key] = [node]
    elif isinstance(ids, set):
        ids.add(node)
    elif node not in ids:
        if len(ids) < _FEW:
            ids.append(node)
        else:
            table[key] = {*ids, node}


def _take(table: dict[str, Ids], key: str, node: str) -> bool:
    """Remove ``node`` from under ``key``; whether any id is left there."""
    ids = table.get(key)
    if ids is None:
        return False
    if isinstance(ids, set):
        ids.discard(node)
    elif node in ids:
        ids.remove(node)
    if not ids:
        del table[key]
        return False
    return True


def _settled(table: dict[str, list[str]]) -> dict[str, Ids]:
    """After a bulk build with lists only: the long lists become sets, as :func:`_put` keeps them."""
    return {key: set(ids) if len(ids) > _FEW else ids for key, ids in table.items()}


def _remove_sorted(items: list[str], item: str) -> None:
    i = bisect_left(items, item)
    if i < len(items) and items[i] == item:
        del items[i]


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a reference names: one ``node``, else the ``ambiguous`` nodes (by id), else fuzzy ``candidates``."""

    node: str | None = None
    ambiguous: tuple[str, ...] = ()
    candidates: tuple[Any, ...] = ()


def resolve_reference(ref: str, *, by_id: Callable[[str], str | None], named: Callable[[str], Iterable[str]],
                      suggest: Callable[[str, int], Sequence[Any]]) -> Resolution:
    """The one name-resolution cascade: the API's lookup (:meth:`NameIndex.resolve`) and a fact
    sheet's references (:class:`graph.stories.resolution.Resolver`) both run it, over their own tables.

    1. An id: ``by_id(ref)`` is the node it names (a sheet's own ids and ids
       merged away count too); an id is never ambiguous.
    2. Else the key (:func:`normalize_name`): ``named(key)`` is every node a
       name *or alias* of which has it. A canonical name does not win over
       another node's alias ("Washington" may be the city or the U.S.
       government, "Beijing" the city or China's government): only the writer
       knows which.
    3. One node: that one. Several: ambiguous, listed by id.
    4. None: at most :data:`CANDIDATES` candidates, ``suggest(ref, CANDIDATES)``,
       best first, fuzzy ones scored by rapidfuzz's WRatio at :data:`FUZZY_CUTOFF`
       or better (the API ranks them as its search does, a sheet by WRatio alone).

    Each side turns the answer into its own error: the API raises
    :class:`EntityNotFound` or :class:`AmbiguousReference`, a sheet's
    verification records a fault's reason.

    >>> forms = {"jen-daskal": ["Jen Daskal", "Daskal"], "dc": ["Washington"], "us": ["United States", "Washington"]}
    >>> ask = dict(by_id=lambda ref: ref if ref in forms else None,
    ...            named=lambda key: [n for n, f in forms.items() if key in map(normalize_name, f)],
    ...            suggest=lambda ref, limit: ["jen-daskal", "dc", "us"][:limit])
    >>> resolve_reference("us", **ask)
    Resolution(node='us', ambiguous=(), candidates=())
    >>> resolve_reference("DASKAL", **ask).node
    'jen-daskal'
    >>> resolve_reference("washington", **ask).ambiguous
    ('dc', 'us')
    >>> resolve_reference("Daskel", **ask).candidates
    ('jen-daskal', 'dc', 'us')
    """
    node = by_id(ref)
    if node is not None:
        return Resolution(node)
    ids = set(named(normalize_name(ref)))
    if len(ids) == 1:
        return Resolution(ids.pop())
    if ids:
        return Resolution(ambiguous=tuple(sorted(ids)))
    return Resolution(candidates=tuple(suggest(ref, CANDIDATES))[:CANDIDATES])


class NameIndex:
    """Every entity's id, name and aliases under their normalized keys.

    Ties in :meth:`search` (same score, same degree, same name) are broken by id.

    >>> from graph.testing import seed_index
    >>> [(m.id, m.score, m.matched) for m in seed_index().names.search("Daskall", limit=1)]
    [('jen-daskal', 0.646, 'Daskal')]
    """

    def __init__(self, g: nx.MultiDiGraph) -> None:
        self._g = g
        self._forms: dict[str, list[tuple[str, str]]] = {}  # id -> (key, surface form): its name, then aliases
        # key -> ids (a list while few, a set beyond: most keys name one entity, and 300,000 sets weigh)
        self._key_ids: dict[str, Ids] = {}  # key -> ids with a name or alias of that key
        self._keys: list[str] = []  # the distinct keys, sorted
        self._word_keys: dict[str, Ids] = {}  # word -> the keys holding it
        self._words: list[str] = []  # the distinct words, sorted
        self._typos: dict[str, Ids] = {}  # a word minus one character -> the words it comes from
        self._compact: dict[str, Ids] = {}  # a key of 2-4 words without its spaces -> the keys
        self._build()

    # --- keeping up with the graph ------------------------------------------------------------------------------

    def _build(self) -> None:
        """Every entity at once: plain appends (each id, key and word goes in once), then the long lists settle."""
        key_ids: dict[str, list[str]] = {}
        forms_of = self._forms
        for node, data in self._g._node.items():
            name = data["name"]
            forms = [(normalize_name(name), name)]
            forms += [(normalize_name(a), a) for a in data.get("aliases") or ()]
            forms_of[node] = forms
            for key in {k for k, _ in forms}:
                ids = key_ids.get(key)
                if ids is None:
                    key_ids[key] = [node]
                else:
                    ids.append(node)
        self._keys = sorted(key_ids)
        word_keys: dict[str, list[str]] = {}
        compact: dict[str, list[str]] = {}
        for key in self._keys:
            if 1 <= key.count(" ") <= 3:
                compact.setdefault(key.replace(" ", ""), []).append(key)
            for word in set(key.split()):
                word_keys.setdefault(word, []).append(key)
        self._words = sorted(word_keys)
        typos: dict[str, list[str]] = {}
        for word in self._words:
            if len(word) >= TYPO_MIN_LEN:
                for d in _deletions(word):
                    typos.setdefault(d, []).append(word)
        self._key_ids, self._word_keys = _settled(key_ids), _settled(word_keys)
        self._compact, self._typos = _settled(compact), _settled(typos)

    def refresh(self, nodes: Iterable[str]) -> None:
        """Re-read the names of ``nodes`` (added, removed or renamed in the graph since the last look).

        Ids no longer in the graph are dropped; the work is proportional to the
        names touched, not to the size of the index.
        """
        for node in set(nodes):
            self._drop(node)
            if node in self._g:
                self._add(node)

    def _add(self, node: str) -> None:
        data = self._g._node[node]
        name = data["name"]
        forms = [(normalize_name(name), name)]
        forms += [(normalize_name(a), a) for a in data.get("aliases") or ()]
        self._forms[node] = forms
        key_ids = self._key_ids
        for key in {k for k, _ in forms}:
            if key not in key_ids:
                self._add_key(key)
            _put(key_ids, key, node)

    def _drop(self, node: str) -> None:
        forms = self._forms.pop(node, None)
        if forms is None:
            return
        for key in {k for k, _ in forms}:
            if not _take(self._key_ids, key, node):
                self._drop_key(key)

    def _add_key(self, key: str) -> None:
        insort(self._keys, key)
        if 1 <= key.count(" ") <= 3:
            _put(self._compact, key.replace(" ", ""), key)
        word_keys = self._word_keys
        for word in set(key.split()):
            if word not in word_keys:
                insort(self._words, word)
                if len(word) >= TYPO_MIN_LEN:
                    for d in _deletions(word):
                        _put(self._typos, d, word)
            _put(word_keys, word, key)

    def _drop_key(self, key: str) -> None:
        _remove_sorted(self._keys, key)
        if 1 <= key.count(" ") <= 3:
            _take(self._compact, key.replace(" ", ""), key)
        for word in set(key.split()):
            if _take(self._word_keys, word, key):
                continue
            _remove_sorted(self._words, word)
            if len(word) >= TYPO_MIN_LEN:
                for d in _deletions(word):
                    _take(self._typos, d, word)

    # --- answers --------------------------------------------------------------------------------------------------

    def ref(self, node: str) -> dict[str, Any]:
        d = self._g.nodes[node]
        return {"id": node, "name": d["name"], "type": d["type"]}

    def named(self, text: str) -> list[str]:
        """Every entity a name or alias of which has ``text``'s key, by id: exact only, never an id or a guess.

        >>> from graph.testing import seed_index
        >>> seed_index().names.named("REUTERS")
        ['reuters']
        """
        return sorted(self._key_ids.get(normalize_name(text), ()))

    def resolve(self, ref: str, *, parameter: str | None = None) -> str:
        """The one entity an id, name or alias names (:func:`resolve_reference`, over this index).

        Raises :class:`EntityNotFound` (with up to :data:`CANDIDATES` candidates,
        ranked as :meth:`search` ranks) or :class:`AmbiguousReference` when names
        and aliases together name more than one entity.

        >>> from graph.testing import seed_index
        >>> seed_index().names.resolve("daskal")
        'jen-daskal'
        """
        found = resolve_reference(ref, by_id=lambda r: r if r in self._g else None,
                                  named=lambda key: self._key_ids.get(key, ()),
                                  suggest=lambda r, limit: self.search(r, limit=limit))
        if found.node is not None:
            return found.node
        if found.ambiguous:
            raise AmbiguousReference(ref, [self.ref(i) for i in found.ambiguous], parameter=parameter)
        raise EntityNotFound(ref, [self.ref(m.id) | {"score": m.score} for m in found.candidates],
                             parameter=parameter)

    def search(self, q: str, *, limit: int | None = None) -> list[Match]:
        """Entities ranked by how well ``q`` matches a name or alias; best per entity.

        An entity scores 1.0 when a name or alias has the query's key (or the
        query is its id), 0.9 when one starts with it, 0.8 when a word of one
        does, else 0.7 × WRatio/100 of its best fuzzy candidate (module docstring).
        ``matched`` is its first name or alias with that score. Ranked by score,
        then degree (more relations first), then name, then id.
        """
        return self.search_page(q, limit=limit)[1]

    def search_page(self, q: str, *, offset: int = 0, limit: int | None = None,
                    type: str | None = None) -> tuple[int, list[Match]]:
        """How many entities match ``q``, and the ranked matches ``offset`` to ``offset + limit``.

        The total is known from sets of ids; only the score groups the page
        reaches are ranked by degree and name, so a page of a prefix matching
        ten thousand entities does not rank them all. ``type`` keeps only the
        entities of that type (the same ranking, filtered).

        >>> from graph.testing import seed_index
        >>> total, page = seed_index().names.search_page("dask", offset=1, limit=1)
        >>> total >= 2, [(m.id, m.score) for m in page]
        (True, [('reuters-interview', 0.8)])
        """
        key = normalize_name(q)
        if not key:
            return 0, []
        exact = set(self._key_ids.get(key, ()))
        if q in self._g:
            exact.add(q)
        prefix: set[str] = set()
        for k in _range(self._keys, key):
            prefix.update(self._key_ids[k])
        prefix -= exact
        word: set[str] = set()
        if " " not in key:
            for w in _range(self._words, key):
                for k in self._word_keys[w]:
                    word.update(self._key_ids[k])
            word -= exact
            word -= prefix
        literal = (exact, prefix, word)
        fuzzy = self._fuzzy(key, literal)
        by_score: dict[float, list[str]] = {}
        for m in fuzzy.values():
            by_score.setdefault(m.score, []).append(m.id)
        groups: list[tuple[float, Ids]] = [(EXACT, exact), (PREFIX, prefix), (WORD_PREFIX, word)]
        groups += sorted(by_score.items(), reverse=True)
        if type is not None:
            nodes = self._g._node
            groups = [(score, [n for n in ids if nodes[n]["type"] == type]) for score, ids in groups]
        total = sum(len(ids) for _, ids in groups)
        end = total if limit is None else min(total, offset + limit)
        out: list[Match] = []
        seen = 0
        for score, ids in groups:
            if seen >= end:
                break
            if seen + len(ids) > offset and ids:
                ranked = sorted(ids, key=self._rank_key)
                for node in ranked[max(0, offset - seen): end - seen]:
                    out.append(fuzzy[node] if score <= FUZZY_MAX else self._literal_match(node, q, key))
            seen += len(ids)
        return total, out

    def _rank_key(self, node: str) -> tuple[int, str, str]:
        """More relations first, then name, then id (degree counts parallel relations, as ``g.degree``)."""
        g = self._g
        degree = sum(map(len, g._succ[node].values())) + sum(map(len, g._pred[node].values()))
        return -degree, g._node[node]["name"], node

    def _literal_match(self, node: str, q: str, key: str) -> Match:
        """The best exact, prefix or word-prefix form of one entity: the first form with the top score."""
        score, surface = 0.0, ""
        for k, form in self._forms[node]:
            if k == key or node == q:
                s = EXACT
            elif k.startswith(key):
                s = PREFIX
            elif any(w.startswith(key) for w in k.split()):
                s = WORD_PREFIX
            else:
                continue
            if s > score:
                score, surface = s, form
        return Match(node, score, surface)

    def _candidates(self, key: str, literal: tuple[set[str], ...]) -> list[str]:
        """The keys worth a fuzzy score: holding a query word or a word one typo from it (module docstring).

        Rare words first: each near word's keys are taken whole while they fit
        in :data:`FUZZY_CANDIDATES`; the first word that does not fit ends the
        list (when nothing was taken yet, its first keys in sorted order are).
        """
        near: dict[str, set[str]] = {}  # near word -> the query words it is near
        for qw in set(key.split()) | {key.replace(" ", "")}:
            found = {qw} if qw in self._word_keys else set()
            if len(qw) >= TYPO_MIN_LEN:
                for d in _deletions(qw) | {qw}:
                    found.update(self._typos.get(d, ()))
                    if d in self._word_keys:
                        found.add(d)
                found.update(_range(self._words, qw[:TYPO_MIN_LEN]))
            for w in found:
                near.setdefault(w, set()).add(qw)
        votes: dict[str, int] = {}
        for qw in set(key.split()) | {key.replace(" ", "")}:
            for k in self._compact.get(qw, ()):
                votes[k] = votes.get(k, 0) + 1
        for w in sorted(near, key=lambda w: (len(self._word_keys[w]), w)):
            keys = self._word_keys[w]
            room = FUZZY_CANDIDATES - len(votes)
            if len(keys) > room:
                if votes:
                    break
                keys = heapq.nsmallest(room, keys)
            for k in keys:
                votes[k] = votes.get(k, 0) + len(near[w])
        exact, prefix, word = literal
        # A key whose every entity matched literally (0.8 or more) cannot gain from a fuzzy score (<= 0.7).
        return sorted(k for k in votes
                      if not all(n in exact or n in prefix or n in word for n in self._key_ids[k]))

    def _fuzzy(self, key: str, literal: tuple[set[str], ...]) -> dict[str, Match]:
        """Each entity's best fuzzy form among the candidates, the first of its forms on a tie."""
        scored = process.extract(key, self._candidates(key, literal), scorer=fuzz.WRatio,
                                 score_cutoff=FUZZY_CUTOFF, limit=None)
        per_node: dict[str, list[tuple[float, int, str]]] = {}
        exact, prefix, word = literal
        for k, score, _ in scored:
            for node in self._key_ids[k]:
                if node in exact or node in prefix or node in word:
                    continue
                for pos, (fk, form) in enumerate(self._forms[node]):
                    if fk == k:
                        per_node.setdefault(node, []).append((score, pos, form))
        best: dict[str, Match] = {}
        for node, offers in per_node.items():
            offers.sort(key=lambda t: (-t[0], t[1]))
            for score, _, form in offers:
                s = FUZZY_MAX * score / 100
                if node not in best or s > best[node].score:
                    best[node] = Match(node, round(s, 3), form)
        return best
