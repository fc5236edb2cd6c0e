"""Killing an ingest (SIGKILL) leaves every record graph whole or absent, and running it again completes it."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lod.convert import Converter
from lod.readers import read_path
from lod.records import SourceRecord
from lod.store import Store
from lod.terms import nquads
from lod.uris import Minter
from tests.test_ingest import ROOT, corpus

BASE = "http://127.0.0.1:8000/"
KILL_AFTER = (1.0, 2.0, 3.0)  # seconds into the ingest (it takes about five)


def run_ingest(source: Path, store: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "lod", "ingest", str(source), "--library", "VN-KILL", "--store", str(store),
         "--base-uri", BASE],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def expected_graphs(source: Path) -> dict[str, set[str]]:
    converter = Converter(Minter(BASE), "VN-KILL")
    graphs: dict[str, set[str]] = {}
    for record in read_path(source):
        if isinstance(record, SourceRecord):
            conversion = converter.convert(record)
            graphs[conversion.graph] = set(nquads(conversion.triples, conversion.graph).splitlines())
    return graphs


def graph_lines(store: Store, graph: str) -> set[str]:
    out = io.BytesIO()
    store.dump(out, from_graph=graph)
    return {line.removesuffix(" .") + f" <{graph}> ." for line in out.getvalue().decode("utf-8").splitlines()}


@pytest.mark.parametrize("delay", KILL_AFTER)
def test_sigkill_mid_ingest_leaves_whole_graphs_and_a_rerun_completes(tmp_path, delay):
    source = corpus("loc-books-sample")
    path = tmp_path / "store"
    process = run_ingest(source, path)
    time.sleep(delay)
    killed = process.poll() is None
    process.kill()
    process.wait()
    expected = expected_graphs(source)

    store = Store(path)
    present = [g for g in store.graphs() if "/graph/record/" in g]
    for graph in present:
        assert graph_lines(store, graph) == expected[graph], f"{graph} is not whole after the kill"
    del store

    assert run_ingest(source, path).wait(120) == 0
    store = Store(path)
    assert sorted(g for g in store.graphs() if "/graph/record/" in g) == sorted(expected)
    assert len(store.journal.counts()) == 1 and store.journal.counts()["VN-KILL"]["records"] == len(expected)
    if killed:
        print(f"killed after {delay} s with {len(present)} of {len(expected)} record graphs loaded")
