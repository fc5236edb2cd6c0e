"""Which version of the store is being served, so that costly figures are computed once per change.

The journal numbers every change to a record; its last number names the store's state. Registry edits
(`lod library add`) are not journalled, but they cannot happen while the server holds the store's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
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
