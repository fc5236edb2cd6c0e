"""Which version of the store is being served, so that costly figures are computed once per change.

The journal numbers every change to a record; its last number names the store's state. Registry edits
(`lod library add`) are not journalled, but they cannot happen while the server holds the store's lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from lod.store import Store

T = TypeVar("T")


def last_change(store: Store) -> tuple[int, str | None]:
    """The number and time of the journal's last change (0 and None for an empty journal)."""
    return store.journal.last_change()


class PerVersion(Generic[T]):
    """A value computed from the store, computed again only after the store changed."""

    def __init__(self, compute: Callable[[Store], T]):
        self._compute = compute
        self._lock = threading.Lock()
        self._seq = -1
        self._value: T | None = None

    def get(self, store: Store) -> T:
        with self._lock:
            seq, _ = last_change(store)
            if seq != self._seq or self._value is None:
                self._value = self._compute(store)
                self._seq = seq
            return self._value


class VersionedCache(Generic[T]):
    """Values kept for the current store version only, the least recently used dropped past `limit` (in
    units of `size`: entries by default, or bytes). Hot resources — an author of thousands of records,
    a popular work — are then read from the store once per change, not once per request."""

    def __init__(self, limit: int, size: Callable[[T], int] = lambda value: 1):
        self._limit, self._size = limit, size
        self._lock = threading.Lock()
        self._seq = -1
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._used = 0

    def get(self, seq: int, key: Hashable) -> T | None:
        with self._lock:
            if seq != self._seq:
                return None
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, seq: int, key: Hashable, value: T) -> None:
        with self._lock:
            if seq != self._seq:
                self._values.clear()
                self._seq, self._used = seq, 0
            if key in self._values:
                self._used -= self._size(self._values.pop(key))
            self._values[key] = value
            self._used += self._size(value)
            while self._used > self._limit and self._values:
                _, dropped = self._values.popitem(last=False)
                self._used -= self._size(dropped)
