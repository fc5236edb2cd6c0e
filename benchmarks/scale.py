"""Ingest at scale as a user runs it: `lod ingest` of RECORDS records into a new store, its memory
sampled every second (the ingesting process alone, and with its conversion workers), then the figures.

    python benchmarks/scale.py [RECORDS] [--dir DIR] [--no-index]     (default 1000000 records in ./scale-data)

Scale data: the records of ../shared/corpus/loc-books-sample and the bundled samples, replicated with
fresh control numbers (see ingest.py). DIR keeps the scale file and the store afterwards, so that
`python benchmarks/pages.py --store DIR/store` measures resource pages on it. Disk: about 330 bytes
per quad for the store while it loads (190 quads per record) plus 4.5 KB per record for the journal;
1,000,000 records need about 70 GB. At that size, use --no-index (BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import ROOT, make_scale_file  # noqa: E402
from sparql_bench import children  # noqa: E402


def tree(pid: int) -> list[int]:
    """The process and all its descendants (those that have not ended meanwhile)."""
    try:
        return [pid, *(p for child in children(pid) for p in tree(child))]
    except OSError:
        return [pid]


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def disk_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20 if path.exists() else 0.0


class Sampler(threading.Thread):
    """Peak memory of a process (alone, and with its descendants) while it runs; progress once a minute."""

    def __init__(self, process: subprocess.Popen, store: Path):
        super().__init__(daemon=True)
        self.process, self.store = process, store
        self.peak_main = self.peak_tree = 0.0
        self.started = time.perf_counter()

    def run(self) -> None:
        last = 0.0
        while self.process.poll() is None:
            self.peak_main = max(self.peak_main, rss_mib(self.process.pid))
            self.peak_tree = max(self.peak_tree, sum(rss_mib(p) for p in tree(self.process.pid)))
            elapsed = time.perf_counter() - self.started
            if elapsed - last >= 60:
                last = elapsed
                print(f"  {elapsed:6.0f} s: {journal_count(self.store):,} records in the journal, "
                      f"{self.peak_tree:,.0f} MiB peak so far", flush=True)
            time.sleep(1)


def journal_count(store: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{store / 'journal.sqlite'}?mode=ro", uri=True, timeout=1)
        return db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    except sqlite3.Error:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("records", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("scale-data"))
    parser.add_argument("--no-index", action="store_true",
                        help="leave the search index out (at a million records it takes hours: see BENCHMARKS.md)")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    source, store, report = args.dir / f"scale-{args.records}.mrc", args.dir / "store", args.dir / "report.json"
    if not source.exists():
        print(f"writing {args.records:,} records to {source}")
        make_scale_file(source, args.records)
    if store.exists():
        sys.exit(f"{store} exists: remove it first (the benchmark ingests into a new store)")
    command = [sys.executable, "-m", "lod", "ingest", str(source), "--library", "VN-SCALE", "--store", str(store),
               "--report", str(report), *(["--no-index"] if args.no_index else [])]
    print(" ".join(command[1:]), flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    sampler = Sampler(process, store)
    sampler.start()
    if process.wait():
        sys.exit(f"lod ingest failed with {process.returncode}")
    sampler.join()
    wall = time.perf_counter() - started
    result = json.loads(report.read_text(encoding="utf-8"))
    oxigraph, journal = disk_mib(store / "oxigraph"), (store / "journal.sqlite").stat().st_size / 2**20
    print(f"\n{result['converted']:,} records converted ({result['failed']} failed), {result['quads']:,} quads")
    print(f"ingest: {result['seconds']:,.0f} s, {result['converted'] / result['seconds']:,.0f} records/s, "
          f"{result['quads'] / result['seconds']:,.0f} quads/s")
    if not args.no_index:
        print(f"search index brought up to date: {wall - result['seconds']:,.0f} s")
    print(f"peak memory: {sampler.peak_main:,.0f} MiB (ingesting process), {sampler.peak_tree:,.0f} MiB "
          f"(with its conversion workers)")
    print(f"disk: store {oxigraph:,.0f} MiB ({oxigraph * 2**20 / max(result['quads'], 1):.0f} bytes per quad), "
          f"journal {journal:,.0f} MiB, search index {disk_mib(store / 'search'):,.0f} MiB")


if __name__ == "__main__":
    main()
