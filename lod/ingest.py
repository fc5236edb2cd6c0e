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
    batch: dict[str, str] = {}
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


def _convert(record: SourceRecord, converter: Converter, batch: dict[str, str], report: IngestReport) -> None:
    if record.deleted:
        if record.id:
            batch[str(converter.minter.record_graph(converter.isil, record.id.strip()))] = ""
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
    batch[conversion.graph] = nquads(conversion.triples, conversion.graph)
    report.converted += 1


def _load(store: Store, batch: dict[str, str], report: IngestReport) -> None:
    """Replace the batch's graphs; a deleted record's graph is replaced by nothing."""
    if not batch:
        return
    text = "".join(batch.values())
    store.replace_graphs(batch.keys(), text)
    report.quads += text.count("\n")
    batch.clear()


def withdraw(store: Store, minter: Minter, isil: str, record_ids: Iterable[str]) -> tuple[int, list[str]]:
    """Remove the graphs of these records; returns how many were removed and the ids not found."""
    removed, missing = 0, []
    for record_id in record_ids:
        if store.remove_graphs([minter.record_graph(isil, record_id)]):
            removed += 1
        else:
            missing.append(record_id)
    if removed:
        write_dataset_description(store, minter)
        store.flush()
    return removed, missing
