"""Ingest every folder of ../shared/corpus into a fresh store and print, per folder, read / converted /
failed / quads per record, and the wall time of the whole corpus.

    python benchmarks/ingest_corpus.py [CORPUS_DIR]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from lod.ingest import ingest
from lod.store import Store
from lod.uris import Minter

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def main(corpus: Path) -> None:
    folders = sorted(p for p in corpus.iterdir() if p.is_dir())
    print(f"{'folder':32} {'read':>6} {'conv':>6} {'fail':>6} {'quads/rec':>10} {'seconds':>8}")
    totals = [0, 0, 0, 0]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store")
        minter = Minter("http://127.0.0.1:8000/")
        for folder in folders:
            before = len(store)
            report = ingest([folder], "VN-CORPUS", store, minter)
            quads = len(store) - before
            per = quads / report.converted if report.converted else 0
            print(f"{folder.name:32} {report.read:6} {report.converted:6} {report.failed:6} {per:10.1f} "
                  f"{report.seconds:8.2f}")
            totals = [totals[0] + report.read, totals[1] + report.converted, totals[2] + report.failed,
                      totals[3] + quads]
        wall = time.perf_counter() - started
        print(f"{'all':32} {totals[0]:6} {totals[1]:6} {totals[2]:6} "
              f"{totals[3] / max(totals[1], 1):10.1f} {wall:8.2f}")
        print(f"store: {len(store)} quads; {totals[1] / wall:.0f} records/s over the whole corpus")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)
