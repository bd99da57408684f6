"""One memo per index: the answers that cost the most to compute and never change within a revision.

Why one: pictures, analytics, the RDF view and the SPARQL store each kept
their own LRU, with their own lock, keyed by a revision string; two of them
were module-wide, so an index that was replaced still had its RDF graph and
its store held there. Here every such answer hangs off the index it was
computed from (a weak reference: it goes when the index does), under one
lock, in one table per *kind* of answer with that kind's own bound (a picture
weighs 300 KB, a SPARQL store hundreds of MB: a shared bound would let many
small answers push out one costly one).

Keys hold the index's revision implicitly. The index moves forward in place
(:meth:`graph.indexing.index.GraphIndex.apply`) and never back, so once it is asked at
a new revision the answers of the old one can never be asked again: they are
dropped then, rather than left to age out.

One computation per answer ("single flight"): a caller asking for an answer
that another is computing waits for it instead of computing its own, so eight
identical picture requests at once make one layout. A failed computation is
not kept; each waiting caller gets its error.

>>> class Index:  # anything weakly referable with a ``revision``
...     revision = "1.a"
>>> ix, calls = Index(), []
>>> [get(ix, "double", (k,), lambda: calls.append(k) or k * 2, size=2) for k in (1, 1, 2, 3, 1)]
[2, 2, 4, 6, 2]
>>> calls  # 1 was computed again after 2 and 3 pushed it out
[1, 2, 3, 1]
>>> ix.revision = "2.b"
>>> get(ix, "double", (2,), lambda: "at the new revision", size=2)
'at the new revision'
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

_LOCK = threading.Lock()  # the one lock: held for bookkeeping only, never while computing


class _Flight:
    __slots__ = ("error", "finished", "value")

    def __init__(self) -> None:
        self.finished = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class _Memo:
    """The answers kept for one index, at one revision."""

    __slots__ = ("flying", "kinds", "revision")

    def __init__(self, revision: str) -> None:
        self.revision = revision
        self.kinds: dict[str, OrderedDict[Hashable, Any]] = {}
        self.flying: dict[tuple[str, Hashable], _Flight] = {}


_MEMOS: weakref.WeakKeyDictionary[Any, _Memo] = weakref.WeakKeyDictionary()


def get(ix: Any, kind: str, key: Hashable, compute: Callable[[], Any], *, size: int) -> Any:
    """The ``kind`` answer for ``key`` at ``ix``'s revision: kept, being computed (then waited for), or computed now.

    At most ``size`` answers of a kind are kept per index, the least recently
    asked going first.
    """
    revision = ix.revision
    with _LOCK:
        memo = _MEMOS.get(ix)
        if memo is None or memo.revision != revision:
            memo = _MEMOS[ix] = _Memo(revision)
        done = memo.kinds.setdefault(kind, OrderedDict())
        if key in done:
            done.move_to_end(key)
            return done[key]
        flight = memo.flying.get((kind, key))
        leader = flight is None
        if flight is None:
            flight = memo.flying[kind, key] = _Flight()
    if not leader:
        flight.finished.wait()
        if flight.error is not None:
            raise flight.error
        return flight.value
    try:
        flight.value = compute()
    except BaseException as error:
        flight.error = error
        raise
    finally:
        with _LOCK:
            memo.flying.pop((kind, key), None)
            if flight.error is None and _MEMOS.get(ix) is memo:  # not kept once the index moved on
                done[key] = flight.value
                while len(done) > size:
                    done.popitem(last=False)
        flight.finished.set()
    return flight.value


def clear(kind: str | None = None) -> None:
    """Forget the kept answers of ``kind`` (default: all) of every index (tests that change a bound or a cap)."""
    with _LOCK:
        for memo in list(_MEMOS.values()):
            if kind is None:
                memo.kinds.clear()
            else:
                memo.kinds.pop(kind, None)


def kept(ix: Any, kind: str) -> list[Hashable]:
    """The keys of the ``kind`` answers kept for ``ix`` at its revision, least recently asked first.

    >>> class Index:
    ...     revision = "1.a"
    >>> ix = Index()
    >>> get(ix, "k", ("x",), lambda: 1, size=4), kept(ix, "k"), kept(Index(), "k")
    (1, [('x',)], [])
    """
    with _LOCK:
        memo = _MEMOS.get(ix)
        if memo is None or memo.revision != ix.revision:
            return []
        return list(memo.kinds.get(kind, ()))


def _after_fork_in_child() -> None:
    """A forked child (the SPARQL store's RDF writer) starts with a free lock and no flights.

    A thread of the parent may have held the lock, or been computing an
    answer, when the child was forked; that thread does not exist in the
    child, so neither would ever be released there.
    """
    global _LOCK
    _LOCK = threading.Lock()
    for memo in list(_MEMOS.values()):
        memo.flying.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
