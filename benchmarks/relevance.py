"""Precision at 5 of the search over the bundled samples, on the judged queries of
tests/relevance/queries.yaml, and every query that falls short with its first five hits.

    python benchmarks/relevance.py [QUERIES.yaml]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml

from lod.dataset import minter_for, register_library
from lod.ingest import ingest
from lod.search import SearchIndex, rebuild
from lod.search.relevance import evaluate, load
from lod.store import Store

PROJECT = Path(__file__).resolve().parents[1]
SAMPLES = PROJECT / "lod" / "samples"
QUERIES = PROJECT / "tests" / "relevance" / "queries.yaml"


def samples_store(folder: Path) -> Store:
    store = Store(folder)
    minter = minter_for(store, "http://127.0.0.1:8000/")
    for library in yaml.safe_load((SAMPLES / "libraries.yaml").read_text(encoding="utf-8")):
        register_library(store, minter, library)
        ingest([SAMPLES / library["isil"]], library["isil"], store, minter)
    return store


def main(queries: Path) -> int:
    judged = load(queries)
    with tempfile.TemporaryDirectory() as tmp:
        store = samples_store(Path(tmp) / "store")
        index = SearchIndex(Path(tmp) / "store" / "search")
        rebuild(store, index)
        report = evaluate(index, judged)
    print(f"{len(judged)} judged queries, {len(index)} documents indexed")
    print(f"precision at {report.k}: {report.precision:.3f}")
    for outcome in report.failures:
        print(f"\n{outcome.query!r}: P@{report.k} {outcome.precision:.2f} ({outcome.relevant} relevant documents)")
        for kind, label, ok in outcome.top:
            print(f"  {'+' if ok else '-'} {kind:9} {label}")
    print(f"\n{len(report.failures)} queries below 1.0")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else QUERIES))
