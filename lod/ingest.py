"""Ingest: read records, convert them, load each into its own named graph; report what happened."""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path

from lod.convert import ConversionError, Converter
from lod.dataset import known_library, register_library, write_dataset_description
from lod.readers import read_path
from lod.readers.marc import UnparsedRecord
from lod.records import ReadError, SkippedFile, SourceRecord
from lod.restrictions import restriction
from lod.store import Store
from lod.terms import nquads
from lod.uris import Minter

log = logging.getLogger(__name__)

BATCH = 500  # records per bulk load: large enough to load fast, small enough to keep memory flat
CHUNK = 200  # records per task sent to a conversion worker


@dataclass
class IngestReport:
    library: str
    read: int = 0
    converted: int = 0
    failed: int = 0
    deleted: int = 0
    restricted: int = 0
    quads: int = 0
    seconds: float = 0.0
    errors: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)  # values repaired or suspect (legacy encodings …)

    def as_dict(self) -> dict:
        return asdict(self)


def ingest(
    paths: Iterable[str | Path],
    isil: str,
    store: Store,
    minter: Minter,
    format: str = "auto",
    on_record: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> IngestReport:
    """Ingest every record under `paths` for library `isil`. A bad record is reported, never fatal.

    Records are read here and, with `workers` > 1, converted by that many processes; batches are
    loaded here, in the order read, so the last of two records with one identifier wins.
    """
    started = time.perf_counter()
    report = IngestReport(library=isil)
    if not known_library(store, minter, isil):
        log.warning("library %s is not in the registry: registering it with its ISIL only", isil)
        register_library(store, minter, {"isil": isil, "name_vi": isil})
    workers = workers or 1
    # with workers, records are split from their files here and parsed in the workers
    items = (item for path in paths for item in read_path(path, format, deferred=workers > 1))
    batch: list[Loaded] = []
    with _Loader(store, report) as loader:
        for outcome in _outcomes(items, minter.base, isil, workers):
            if isinstance(outcome, SkippedFile):
                report.skipped.append({"file": outcome.file, "reason": outcome.reason})
                continue
            report.read += 1
            if isinstance(outcome, ReadError):
                _fail(report, outcome)
            else:
                report.converted += 1
                report.deleted += outcome.deleted
                report.restricted += outcome.restricted is not None
                report.notes += [{"file": outcome.file, "id": outcome.record_id, "note": n} for n in outcome.notes]
                batch.append(outcome)
            if on_record:
                on_record(outcome.file)
            if len(batch) >= BATCH:
                loader.load(batch)
                batch = []
        loader.load(batch)
    write_dataset_description(store, minter)
    store.flush()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _fail(report: IngestReport, error: ReadError) -> None:
    report.failed += 1
    report.errors.append(error.as_dict())


@dataclass
class Loaded:
    """A converted record waiting in a batch: its graph's N-Quads, or None when it is deleted or restricted."""

    file: str
    library: str
    record_id: str
    graph: str
    format: str
    source: bytes | None
    nquads: str | None
    deleted: bool = False
    restricted: str | None = None  # why the record must not be published
    notes: tuple[str, ...] = ()


Outcome = Loaded | ReadError | SkippedFile


def _outcome(item: SourceRecord | UnparsedRecord | ReadError | SkippedFile, converter: Converter) -> Outcome:
    if isinstance(item, UnparsedRecord):
        item = item.parse()
    if not isinstance(item, SourceRecord):
        return item
    why = None if item.deleted else restriction(item, converter.isil)
    if why and not (item.id and item.id.strip()):
        return ReadError(item.file, item.number, None, f"not loaded: restricted ({why}) and without identifier")
    if (item.deleted or why) and item.id and item.id.strip():
        record_id = item.id.strip()
        graph = converter.minter.record_graph(converter.isil, record_id)
        # a restricted record's source is not kept either: nothing of it may be published
        source = None if why else item.source
        return Loaded(item.file, converter.isil, record_id, graph, item.format, source, None, item.deleted, why)
    try:
        conversion = converter.convert(item)
    except ConversionError as error:
        return ReadError(item.file, item.number, item.id, str(error))
    except Exception as error:  # a record the mappings cannot handle must not stop the others
        log.debug("conversion of %s #%s failed", item.file, item.number, exc_info=True)
        return ReadError(item.file, item.number, item.id, f"conversion failed: {error!r}")
    text = nquads(conversion.triples, conversion.graph)
    return Loaded(item.file, converter.isil, conversion.record_id, conversion.graph, item.format, item.source, text,
                  notes=tuple(conversion.notes))


def _outcomes(items: Iterator, base: str, isil: str, workers: int) -> Iterator[Outcome]:
    """Convert items in order; past the first chunk, in worker processes (small inputs never start any)."""
    converter = Converter(Minter(base), isil)
    chunks = iter(lambda: list(islice(items, CHUNK)), [])
    first = next(chunks, [])
    yield from (_outcome(item, converter) for item in first)
    if workers <= 1 or len(first) < CHUNK:
        yield from (_outcome(item, converter) for chunk in chunks for item in chunk)
        return
    context = multiprocessing.get_context("forkserver")
    with context.Pool(workers, initializer=_start_worker, initargs=(base, isil)) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_convert_chunk, (chunk,)))
            if len(pending) >= 2 * workers:  # bounded: the reader never runs far ahead of the workers
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


_worker_converter: Converter | None = None


def _start_worker(base: str, isil: str) -> None:
    global _worker_converter
    _worker_converter = Converter(Minter(base), isil)


def _convert_chunk(chunk: list) -> list[Outcome]:
    return [_outcome(item, _worker_converter) for item in chunk]


class _Loader:
    """Loads batches in a thread of its own, one at a time and in order, while the next batch is converted.

    Oxigraph's bulk load releases the GIL, so loading and converting overlap. At most one batch waits,
    which keeps memory flat; a failed load is raised in the ingesting thread.
    """

    def __init__(self, store: Store, report: IngestReport):
        self.store, self.report = store, report
        self.waiting: queue.Queue[list[Loaded] | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="loader", daemon=True)

    def __enter__(self) -> _Loader:
        self.thread.start()
        return self

    def load(self, batch: list[Loaded]) -> None:
        self._raise()
        if batch:
            self.waiting.put(batch)

    def __exit__(self, *exc) -> None:
        self.waiting.put(None)
        self.thread.join()
        if exc[0] is None:
            self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while (batch := self.waiting.get()) is not None:
            if self.error is None:  # after a failure, nothing more is loaded: the ingest stops
                try:
                    _load(self.store, batch, self.report)
                except BaseException as error:
                    self.error = error


def _load(store: Store, batch: list[Loaded], report: IngestReport) -> None:
    """Replace the batch's graphs (a deleted record's graph by nothing), then note them in the journal."""
    latest = list({item.graph: item for item in batch}.values())  # a record read twice: the last one wins
    text = "".join(item.nquads or "" for item in latest)
    store.replace_graphs([item.graph for item in latest], text)
    for item in latest:
        store.journal.write(item.library, item.record_id, item.graph, item.format, item.source, item.nquads)
    store.journal.commit()
    report.quads += text.count("\n")


def withdraw(store: Store, minter: Minter, isil: str, record_ids: Iterable[str]) -> tuple[int, list[str]]:
    """Remove the graphs of these records; returns how many were removed and the ids not found."""
    removed, missing = 0, []
    for record_id in record_ids:
        graph = minter.record_graph(isil, record_id)
        if store.remove_graphs([graph]):
            store.journal.write(isil, record_id, graph, "", None, None)
            removed += 1
        else:
            missing.append(record_id)
    store.journal.commit()
    if removed:
        write_dataset_description(store, minter)
        store.flush()
    return removed, missing
