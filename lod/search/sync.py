"""Keeping the index in step with the store: `sync` applies the journal's changes since the index
last looked, `rebuild` reads the whole store again (`lod index`).

A changed record graph touches the resources it describes now and those it described before (the
index remembers which graphs each document came from, since a withdrawn graph is gone from the
store); each is read back from the store as a whole, so a work described by three libraries keeps
what the other two say when one withdraws its record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lod.dataset import stored_base
from lod.search.documents import all_resources, documents, instances_of, kind_of, resources_in_graph
from lod.search.index import Document, SearchIndex, index_path
from lod.store import Store

log = logging.getLogger(__name__)

PAGE = 1000  # journal changes read at a time


@dataclass
class SyncReport:
    changes: int = 0
    resources: int = 0
    documents: int = 0
    seq: int = 0
    seconds: float = 0.0


def sync(store: Store, index: SearchIndex) -> SyncReport:
    """Apply the journal changes made since the index's last one; a fresh index is built whole."""
    started = time.perf_counter()
    if (index.seq == 0 and len(index) == 0) or not _knows_position(store, index.seq):
        return rebuild(store, index)
    seq, graphs, count = index.seq, set(), 0
    while changes := store.journal.changes(after=seq, limit=PAGE):
        for change in changes:
            entry = store.journal.get(change.library, change.record_id)
            if entry is not None:
                graphs.add(entry.graph)
        seq, count = changes[-1].seq, count + len(changes)
    report = SyncReport(changes=count, seq=seq)
    if not count:
        return report
    base = stored_base(store)
    touched = index.uris_from_graphs(graphs)
    if base:
        for graph in graphs:
            touched |= resources_in_graph(store, graph, base)
        touched |= instances_of(store, {uri for uri in touched if kind_of(uri, base) == "work"})
    report.resources = len(touched)
    report.documents = index.replace(touched, documents(store, touched, base) if base else [], seq)
    report.seconds = round(time.perf_counter() - started, 3)
    log.info("search index: %d changes, %d resources re-indexed", count, len(touched))
    return report


def update_index(store: Store) -> SyncReport | None:
    """Bring the index in the store's folder up to date with its journal (after an ingest or a
    withdrawal). An in-memory store has no index to keep."""
    if store.path is None:
        return None
    return sync(store, SearchIndex(index_path(store.path)))


def rebuild(store: Store, index: SearchIndex, progress: Callable[[int, int], None] | None = None) -> SyncReport:
    """Index every work, instance, agent and subject of the store anew; `progress(done, total)` hears
    how far it got, every thousand documents."""
    started = time.perf_counter()
    seq = last_seq(store)  # taken first: a change made while reading is applied again by the next sync
    base = stored_base(store)
    uris = all_resources(store, base) if base else []
    made = documents(store, uris, base) if base else iter(())
    if progress is not None:
        made = _counted(made, len(uris), progress)
    added = index.replace([], made, seq, everything=True)
    return SyncReport(resources=len(uris), documents=added, seq=seq,
                      seconds=round(time.perf_counter() - started, 3))


def _counted(items: Iterator[Document], total: int, progress: Callable[[int, int], None]) -> Iterator[Document]:
    for done, item in enumerate(items, 1):
        if done % 1000 == 0:
            progress(done, total)
        yield item


def _knows_position(store: Store, seq: int) -> bool:
    """Whether the journal still has the change the index stopped at (a store made anew in the same
    folder starts its numbering again)."""
    if seq == 0:
        return True
    found = store.journal.changes(after=seq - 1, limit=1)
    return bool(found) and found[0].seq == seq


def last_seq(store: Store) -> int:
    return store.journal.last_change()[0]
