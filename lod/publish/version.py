"""Which version of the store is being served, so that costly figures are computed once per change.

The journal numbers every change to a record; its last number names the store's state. Registry edits
(`lod library add`) are not journalled, but they cannot happen while the server holds the store's lock.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import asdict
from pathlib import Path
from typing import Generic, TypeVar

from lod.store import Store

T = TypeVar("T")

log = logging.getLogger(__name__)


def last_change(store: Store) -> tuple[int, str | None]:
    """The number and time of the journal's last change (0 and None for an empty journal)."""
    return store.journal.last_change()


class PerVersion(Generic[T]):
    """A value computed from the store, computed again only after the store changed.

    When computing it took longer than `patience` seconds (figures of a store of millions of records
    take minutes), a change does not make callers wait: they get the previous value while the new one
    is computed in the background. A fast value is always current. With `saved` (a JSON file) and
    `decode`, a dataclass value outlives the process: a restarted server does not count again.
    """

    def __init__(self, compute: Callable[[Store], T], patience: float = 2.0, saved: Path | None = None,
                 decode: Callable[[dict], T] | None = None):
        self._compute, self._patience = compute, patience
        self._saved, self._decode = (saved, decode) if saved is not None and decode is not None else (None, None)
        self._lock = threading.Lock()  # guards the fields below
        self._computing = threading.Lock()  # one computation at a time
        self._version: tuple[int, str | None] = (-1, None)
        self._value: T | None = None
        self._took = 0.0
        self._refreshing = False
        self._load()

    def get(self, store: Store) -> T:
        version = last_change(store)
        with self._lock:
            if self._value is not None and (version == self._version or self._refreshing):
                return self._value
            if self._value is not None and self._took > self._patience:
                self._refreshing = True
                threading.Thread(target=self._update, args=(store, version), name="per-version", daemon=True).start()
                return self._value
        return self._update(store, version)

    def _update(self, store: Store, version: tuple[int, str | None]) -> T:
        with self._computing:
            with self._lock:
                if self._value is not None and self._version == version:  # computed meanwhile
                    self._refreshing = False
                    return self._value
            started = time.perf_counter()
            try:
                value = self._compute(store)
            finally:
                with self._lock:
                    self._refreshing = False
            with self._lock:
                self._value, self._version, self._took = value, version, time.perf_counter() - started
            self._save()
            return value

    def _load(self) -> None:
        if self._saved is None or not self._saved.exists():
            return
        try:
            kept = json.loads(self._saved.read_text(encoding="utf-8"))
            self._value = self._decode(kept["value"])
            self._version, self._took = (kept["seq"], kept["time"]), float(kept["took"])
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("%s cannot be read: counting again", self._saved)

    def _save(self) -> None:
        if self._saved is None:
            return
        seq, stamp = self._version
        kept = {"seq": seq, "time": stamp, "took": self._took, "value": asdict(self._value)}
        self._saved.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._saved.with_suffix(".tmp")
        temporary.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
        temporary.replace(self._saved)


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
            if seq < self._seq:  # made before a change that newer values already follow
                return
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
