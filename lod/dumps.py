"""Open data dumps: the whole dataset as gzip N-Quads, streamed, with size, SHA-256 and quad count."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import BinaryIO

from lod.store import Store


class _Counting:
    """A write-through file wrapper counting newline-terminated statements."""

    def __init__(self, target: BinaryIO):
        self.target = target
        self.lines = 0

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()


def write_dumps(store: Store, out: Path) -> list[dict]:
    """Write `all.nq.gz` into `out` (through a temporary file, so a failed dump never replaces a good one)
    and `index.json` listing each file with its size, SHA-256 and quad count."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / "all.nq.gz"
    partial = target.with_suffix(".gz.partial")
    with open(partial, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        counting = _Counting(gz)
        store.dump(counting)
    partial.replace(target)
    entry = {"file": target.name, "format": "application/n-quads", "compression": "gzip",
             "quads": counting.lines, "bytes": target.stat().st_size, "sha256": _sha256(target)}
    (out / "index.json").write_text(json.dumps([entry], indent=2), encoding="utf-8")
    return [entry]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
