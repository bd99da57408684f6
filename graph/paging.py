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


class LazyList(Sequence, Generic[T]):
    def __init__(self, keys: Sequence[Any], make: Callable[[Any], T]) -> None:
        self.keys, self.make = keys, make

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self.make(k) for k in self.keys[i]]
        return self.make(self.keys[i])

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, (list, LazyList)) else NotImplemented

    def __repr__(self) -> str:
        return f"LazyList({len(self)} items)"
