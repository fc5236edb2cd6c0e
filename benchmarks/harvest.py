"""Harvesting our own OAI-PMH provider: a store of real records (LC's 2,000 book records from
../shared/corpus/loc-books-sample, or the bundled samples when the corpus is absent) is served by `lod serve`
in its own process on 127.0.0.1; the harvester then takes everything as marcxml into a new store, and
once more incrementally. Measured in the same run as peers: Sickle (a plain OAI-PMH client) fetching the
same list without ingesting it, and a direct ingest of the same records from their file. Prints records,
pages, seconds, records/s, and the ratio of the harvest to fetch + ingest done apart.

    python benchmarks/harvest.py [RECORDS_DIR] [--library ISIL] [--prefix marcxml|oai_dc]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sickle import Sickle
from sparql_bench import free_port

from lod.dataset import minter_for
from lod.ingest import ingest
from lod.oai.harvester import Harvest, harvest
from lod.store import Store

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "loc-books-sample"
SAMPLES = ROOT / "lod" / "samples" / "VN-TVQG"
BASE = "http://127.0.0.1:8000/"


def load(records: Path, library: str, path: Path) -> tuple[int, float]:
    store = Store(path)
    started = time.perf_counter()
    report = ingest([records], library, store, minter_for(store, BASE))
    seconds = time.perf_counter() - started
    store.flush()
    return report.converted, seconds


def serve(path: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "lod", "serve", "--store", str(path), "--port", str(port), "--sparql-workers", "1"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/oai?verb=Identify", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"the server did not start: {server.stderr.read().decode()[-2000:]}")


def sickle_fetch(url: str, prefix: str) -> tuple[int, float]:
    started = time.perf_counter()
    count = sum(1 for _ in Sickle(url, timeout=120).ListRecords(metadataPrefix=prefix, ignore_deleted=False))
    return count, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", nargs="?", type=Path, default=CORPUS if CORPUS.is_dir() else SAMPLES)
    parser.add_argument("--library", default="US-DLC" if CORPUS.is_dir() else "VN-TVQG")
    parser.add_argument("--prefix", default="marcxml")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lod-bench-harvest-") as folder:
        source, target, state = Path(folder, "source"), Path(folder, "target"), Path(folder, "state")
        loaded, ingest_seconds = load(args.records, args.library, source)
        print(f"direct ingest of {args.records}: {loaded} records in {ingest_seconds:.2f} s "
              f"({loaded / ingest_seconds:.0f} records/s)")
        port = free_port()
        server = serve(source, port)
        url = f"http://127.0.0.1:{port}/oai"
        try:
            fetched, fetch_seconds = sickle_fetch(url, args.prefix)
            print(f"Sickle ListRecords {args.prefix}, fetch only: {fetched} records in {fetch_seconds:.2f} s "
                  f"({fetched / fetch_seconds:.0f} records/s)")
            store = Store(target)
            minter = minter_for(store, BASE)
            job = Harvest(url, args.library, prefix=args.prefix)
            first = harvest(job, store, minter, state)
            print(f"lod harvest {args.prefix}: {first.headers} records in {first.pages} pages, converted "
                  f"{first.converted}, failed {first.failed}, {first.seconds:.2f} s "
                  f"({first.headers / first.seconds:.0f} records/s)")
            again = harvest(job, store, minter, state)
            print(f"lod harvest again (incremental, from {again.since}): {again.headers} records in "
                  f"{again.pages} pages, {again.seconds:.2f} s")
        finally:
            server.terminate()
            server.wait(timeout=30)
        apart = fetch_seconds + ingest_seconds
        print(f"ratio: harvest / (Sickle fetch + direct ingest) = {first.seconds / apart:.2f} "
              f"({first.seconds:.2f} s against {apart:.2f} s)")


if __name__ == "__main__":
    main()
