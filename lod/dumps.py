"""Open data dumps: the whole dataset and one set per library, as gzip N-Quads, Turtle and JSON-LD.

The store is read one named graph (one source record) at a time and each graph is written to the
whole-dataset files and to its library's files, so memory stays flat however large the store is. Every
file is written beside its final name and moved into place at the end, with `index.json` listing each
file's size, SHA-256 and statement count.

- N-Quads keeps each statement's graph: loaded into a fresh store it gives back exactly the source quads.
- Turtle has no graphs: it is the records' graphs one after another (a statement made by two records
  appears twice; a parser keeps one).
- JSON-LD is one JSON document (expanded form, needing no remote context): an array of named graphs,
  written one graph at a time.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from lod.dataset import stored_base
from lod.formats import GRAPH_FORMATS, Format, by_name
from lod.journal import now
from lod.store import Store

DUMP_FORMATS = ("nq", "ttl", "jsonld")
ALL = "all"


class _Digesting:
    """A write-through file wrapper that hashes what it writes."""

    def __init__(self, target: BinaryIO):
        self.target = target
        self.sha256 = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()


@dataclass
class _Writer:
    """One dump file being written: gzip over a hashing wrapper over a partial file."""

    path: Path
    fmt: Format
    library: str | None
    statements: int = 0
    graphs: int = 0
    _raw: BinaryIO | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._raw = open(self.partial, "wb")
        self._hashing = _Digesting(self._raw)
        self._gzip = gzip.GzipFile(fileobj=self._hashing, mode="wb", compresslevel=6, mtime=0)
        if self.fmt.name == "jsonld":
            self._gzip.write(b"[\n")

    @property
    def partial(self) -> Path:
        return self.path.with_name(self.path.name + ".partial")

    def add(self, graph: str, parts: dict[str, bytes], statements: int) -> None:
        if self.fmt.name == "jsonld":
            self._gzip.write(b",\n" if self.graphs else b"")
            self._gzip.write(b'{"@id":' + json.dumps(graph).encode() + b',"@graph":' + parts["jsonld"] + b"}")
        else:
            self._gzip.write(parts[self.fmt.name])
        self.statements += statements
        self.graphs += 1

    def close(self) -> dict:
        if self.fmt.name == "jsonld":
            self._gzip.write(b"\n]\n")
        self._gzip.close()
        self._raw.close()
        self.partial.replace(self.path)
        entry = {"file": self.path.name, "library": self.library, "format": self.fmt.media_type,
                 "compression": "gzip", "triples": self.statements, "graphs": self.graphs,
                 "bytes": self.path.stat().st_size, "sha256": self._hashing.sha256.hexdigest()}
        if self.fmt.name == "nq":
            entry["quads"] = self.statements
        return entry


def write_dumps(store: Store, out: Path, formats: Iterable[str] = DUMP_FORMATS,
                per_library: bool = True) -> list[dict]:
    """Write the dumps into `out` and `index.json` listing them; returns the index entries
    (the whole dataset's files first, in the order of `formats`)."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    chosen = [_format(name) for name in formats]
    base = stored_base(store) or ""
    writers: dict[str | None, list[_Writer]] = {None: [_Writer(out / f"{ALL}.{f.name}.gz", f, None) for f in chosen]}
    try:
        for graph in store.graphs():
            parts, statements = _graph_parts(store, graph, chosen)
            library = _library_of(graph, base) if per_library else None
            targets = writers[None]
            if library is not None:
                if library not in writers:
                    writers[library] = [_Writer(out / f"{library}.{f.name}.gz", f, library) for f in chosen]
                targets = targets + writers[library]
            for writer in targets:
                writer.add(graph, parts, statements)
        entries = [writer.close() for group in writers.values() for writer in group]
    except BaseException:
        for group in writers.values():
            for writer in group:
                writer.partial.unlink(missing_ok=True)
        raise
    stamp = now()
    for entry in entries:
        entry["created"] = stamp
    index = out / "index.json"
    index.with_suffix(".partial").write_text(json.dumps(entries, indent=2), encoding="utf-8")
    index.with_suffix(".partial").replace(index)
    entries[0]["seconds"] = round(time.perf_counter() - started, 3)
    return entries


def _format(name: str) -> Format:
    found = by_name(name, GRAPH_FORMATS)
    if found is None or found.name not in DUMP_FORMATS:
        raise ValueError(f"dumps are written as {', '.join(DUMP_FORMATS)}, not {name!r}")
    return found


def _graph_parts(store: Store, graph: str, formats: list[Format]) -> tuple[dict[str, bytes], int]:
    """One graph in each format asked for, and how many statements it holds."""
    nt = _dump(store, graph, by_name("nt", GRAPH_FORMATS))
    parts = {}
    for f in formats:
        if f.name == "nq":  # N-Triples lines end " .\n" (newlines in literals are escaped): name the graph
            parts["nq"] = nt.replace(b" .\n", b" <" + graph.encode("utf-8") + b"> .\n")
        else:
            parts[f.name] = _dump(store, graph, f)
    return parts, nt.count(b"\n")


def _dump(store: Store, graph: str, fmt: Format) -> bytes:
    buffer = io.BytesIO()
    store.dump(buffer, fmt.rdf, from_graph=graph)
    return buffer.getvalue()


def _library_of(graph: str, base: str) -> str | None:
    """The ISIL of a record's graph (`{base}graph/record/{ISIL}/…`) or of a library's registry entry."""
    for area in ("graph/record/", "graph/libraries/"):
        prefix = base + area
        if graph.startswith(prefix):
            return graph[len(prefix):].split("/", 1)[0] or None
    return None


def read_index(folder: Path | None) -> list[dict]:
    """The entries of a dumps folder's index.json (none when there is no index)."""
    index = folder / "index.json" if folder else None
    if index is None or not index.is_file():
        return []
    entries = json.loads(index.read_text(encoding="utf-8"))
    return [entry for entry in entries if isinstance(entry, dict) and _plain_name(entry.get("file"))]


def dump_path(folder: Path | None, name: str) -> Path | None:
    """A file of the dumps folder that may be served: index.json and the files it lists, nothing else,
    so no name can reach outside the folder."""
    if folder is None or not _plain_name(name):
        return None
    listed = {"index.json", *(entry["file"] for entry in read_index(folder))}
    path = folder / name
    return path if name in listed and path.is_file() else None


def _plain_name(name: object) -> bool:
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\\" not in name
