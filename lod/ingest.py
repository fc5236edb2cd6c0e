"""Ingest: read records, convert them, load each into its own named graph; report what happened."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lod.convert import ConversionError, Converter
from lod.dataset import known_library, register_library, write_dataset_description
from lod.readers import read_path
from lod.records import ReadError, SkippedFile, SourceRecord
from lod.store import Store
from lod.terms import nquads
from lod.uris import Minter

log = logging.getLogger(__name__)

BATCH = 500  # records per bulk load: large enough to load fast, small enough to keep memory flat


@dataclass
class IngestReport:
    library: str
    read: int = 0
    converted: int = 0
    failed: int = 0
    deleted: int = 0
    quads: int = 0
    store_quads: int = 0
    seconds: float = 0.0
    errors: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def ingest(
    paths: Iterable[str | Path],
    isil: str,
    store: Store,
    minter: Minter,
    format: str = "auto",
    on_record: Callable[[str], None] | None = None,
) -> IngestReport:
    """Ingest every record under `paths` for library `isil`. A bad record is reported, never fatal."""
    started = time.perf_counter()
    report = IngestReport(library=isil)
    if not known_library(store, minter, isil):
        log.warning("library %s is not in the registry: registering it with its ISIL only", isil)
        register_library(store, minter, {"isil": isil, "name_vi": isil})
    converter = Converter(minter, isil)
    batch: list[Loaded] = []
    for path in paths:
        for item in read_path(path, format):
            if isinstance(item, SkippedFile):
                report.skipped.append({"file": item.file, "reason": item.reason})
                continue
            report.read += 1
            if isinstance(item, ReadError):
                _fail(report, item)
            else:
                _convert(item, converter, batch, report)
            if on_record:
                on_record(item.file)
            if len(batch) >= BATCH:
                _load(store, batch, report)
    _load(store, batch, report)
    write_dataset_description(store, minter)
    store.flush()
    report.store_quads = len(store)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _fail(report: IngestReport, error: ReadError) -> None:
    report.failed += 1
    report.errors.append(error.as_dict())


@dataclass
class Loaded:
    """A converted record waiting in a batch: its graph's N-Quads, or None when it is deleted."""

    library: str
    record_id: str
    graph: str
    format: str
    source: bytes
    nquads: str | None


def _convert(record: SourceRecord, converter: Converter, batch: list[Loaded], report: IngestReport) -> None:
    if record.deleted:
        if record.id:
            record_id = record.id.strip()
            graph = converter.minter.record_graph(converter.isil, record_id)
            batch.append(Loaded(converter.isil, record_id, graph, record.format, record.source, None))
        report.deleted += 1
        report.converted += 1
        return
    try:
        conversion = converter.convert(record)
    except ConversionError as error:
        _fail(report, ReadError(record.file, record.number, record.id, str(error)))
        return
    except Exception as error:  # a record the mappings cannot handle must not stop the others
        log.debug("conversion of %s #%s failed", record.file, record.number, exc_info=True)
        _fail(report, ReadError(record.file, record.number, record.id, f"conversion failed: {error!r}"))
        return
    text = nquads(conversion.triples, conversion.graph)
    batch.append(Loaded(converter.isil, conversion.record_id, conversion.graph, record.format, record.source, text))
    report.converted += 1


def _load(store: Store, batch: list[Loaded], report: IngestReport) -> None:
    """Replace the batch's graphs (a deleted record's graph by nothing), then note them in the journal."""
    if not batch:
        return
    latest = list({item.graph: item for item in batch}.values())  # a record read twice: the last one wins
    text = "".join(item.nquads or "" for item in latest)
    store.replace_graphs([item.graph for item in latest], text)
    for item in latest:
        store.journal.write(item.library, item.record_id, item.graph, item.format, item.source, item.nquads)
    store.journal.commit()
    report.quads += text.count("\n")
    batch.clear()


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
