"""Dumps of the corpus: ingest every folder of ../shared/corpus (one library per folder, so each gets
its own set), then write the dumps and print each file's size and triple count, the time, and the
dumping process's peak memory; beside it, Oxigraph's own one-call N-Quads dump of the same store
(gzip), measured in the same run, and the ratio.

    python benchmarks/dumps.py [CORPUS_DIR] [--keep STORE_DIR]
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing
import resource
import shutil
import tempfile
import time
from pathlib import Path

from lod.dataset import minter_for
from lod.dumps import write_dumps
from lod.ingest import ingest
from lod.store import Store

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def load(corpus: Path, path: Path) -> None:
    store = Store(path)
    minter = minter_for(store, "http://127.0.0.1:8000/")
    started = time.perf_counter()
    records = 0
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        isil = "VN-" + "".join(c for c in folder.name.upper() if c.isalnum())[:12]
        records += ingest([folder], isil, store, minter).converted
    store.optimize()
    print(f"ingested {records} records, {len(store):,} quads in {time.perf_counter() - started:.1f} s")


def ours(path: Path, out: Path, queue) -> None:
    started = time.perf_counter()
    entries = write_dumps(Store(path, read_only=True), out)
    queue.put((time.perf_counter() - started, entries, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def peer(path: Path, out: Path, queue) -> None:
    """Oxigraph dumping the whole store in one call, through the same gzip level."""
    started = time.perf_counter()
    store = Store(path, read_only=True)
    with open(out / "peer.nq.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
        store.dump(gz)
    size = (out / "peer.nq.gz").stat().st_size
    queue.put((time.perf_counter() - started, size, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def measured(target, *args):
    """Run in a fresh process so that its peak memory is its own."""
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--keep", type=Path, help="store folder to make once and reuse")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    path = args.keep or work / "store"
    try:
        if not (path / "oxigraph").is_dir():
            load(args.corpus, path)
        out = work / "dumps"
        out.mkdir()
        seconds, entries, peak = measured(ours, path, out)
        peer_seconds, peer_size, peer_peak = measured(peer, path, out)
        print(f"\n{'file':34} {'triples':>10} {'bytes':>12} {'bytes/triple':>12}")
        for entry in entries:
            print(f"{entry['file']:34} {entry['triples']:10,} {entry['bytes']:12,} "
                  f"{entry['bytes'] / max(entry['triples'], 1):12.1f}")
        quads = entries[0]["triples"]
        total = sum(entry["bytes"] for entry in entries)
        print(f"\nours: {len(entries)} files ({total:,} bytes) in {seconds:.2f} s, "
              f"{sum(e['triples'] for e in entries) / seconds:,.0f} triples written/s (whole + per library, "
              f"3 formats), "
              f"peak memory {peak / 1024:.0f} MB")
        print(f"peer (Oxigraph, one N-Quads dump, gzip): {peer_size:,} bytes in {peer_seconds:.2f} s, "
              f"{quads / peer_seconds:,.0f} quads/s, peak memory {peer_peak / 1024:.0f} MB")
        print(f"ratio: ours/peer time {seconds / peer_seconds:.2f} for 6x the output; "
              f"all.nq.gz {entries[0]['bytes'] / peer_size:.3f}x the peer's size")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
