"""Lists that build only the page asked for.

A list endpoint answers ``{items, total, limit, offset}``. Over a million
relations, building every item to slice fifty of them is most of the work;
a :class:`LazyList` holds the keys of the whole list (often an order the
index already keeps) and makes items only for the slice taken.

>>> squares = LazyList(range(10), lambda k: k * k)
>>> len(squares), squares[2:5], squares[-1]
(10, [4, 9, 16], 81)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, overload

K = TypeVar("K")
T = TypeVar("T")


class LazyList(Sequence[T], Generic[T]):
    def __init__(self, keys: Sequence[Any], make: Callable[[Any], T]) -> None:
        self.keys, self.make = keys, make

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [self.make(k) for k in self.keys[i]]
        return self.make(self.keys[i])

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, (list, LazyList)) else NotImplemented

    def __repr__(self) -> str:
        return f"LazyList({len(self)} items)"


class View(Sequence[Any]):
    """``items[start:stop]`` without copying it: a page of the part is a slice of the whole.

    >>> v = View(list(range(100)), 10, 20)
    >>> len(v), v[0:3], v[-1]
    (10, [10, 11, 12], 19)
    """

    def __init__(self, items: Sequence[Any], start: int, stop: int) -> None:
        self.items, self.start, self.stop = items, start, max(start, stop)

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            lo, hi, step = i.indices(len(self))
            return list(self.items[self.start + lo:self.start + hi:step])
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.items[self.start + i]
