"""A readers-writer lock for the served index, that lets a writer give up rather than stall readers.

Many requests read the index at once; applying a revision's changes mutates
it in place for a few milliseconds. A writer that waits blocks new readers
(writer preference), so it gets in as soon as the readers already inside are
done. A writer that cannot get in within its ``timeout`` (a long reader
inside) withdraws and lets the readers go on; it tries again later, so a slow
reader delays the next revision but never stalls the other readers.

>>> lock = RWLock()
>>> with lock.reading():
...     lock.acquire_write(timeout=0.01)  # a reader is inside: the writer gives up
False
>>> lock.acquire_write(timeout=0.01)
True
>>> lock.release_write()
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class RWLock:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    def acquire_read(self) -> None:
        with self._cond:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1

    def release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def acquire_write(self, *, timeout: float | None = None) -> bool:
        """True once this thread holds the lock alone; False if ``timeout`` seconds passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._waiting_writers += 1
            try:
                while self._writer or self._readers:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return False
                    self._cond.wait(left)
                self._writer = True
                return True
            finally:
                self._waiting_writers -= 1
                self._cond.notify_all()  # readers held back by this writer may go (it holds or gave up)

    def release_write(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()

    @contextmanager
    def reading(self) -> Iterator[None]:
        self.acquire_read()
        try:
            yield
        finally:
            self.release_read()
