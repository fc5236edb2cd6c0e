"""Search and suggest under bounded load: p50/p99 latency and requests/s of `/search` and `/suggest`
on a store of the bundled samples and the whole shared corpus, the index's size and build time, and
as peers in the same run, on the same server: the SPARQL a developer would write without the index
(a case-insensitive CONTAINS over labels, which cannot fold diacritics) and a static file (the
framework's floor).

Each endpoint gets `wrk` (2 threads, 8 connections, 8 s, 127.0.0.1 only), cycling through queries
typed with and without diacritics; suggest is fed the prefixes a person types letter by letter. Search
and suggest are then measured again one request at a time.

    python benchmarks/search.py [--seconds 8] [--connections 8] [--store DIR] [--samples-only]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sparql_bench import free_port  # noqa: E402

from lod.dataset import minter_for, register_library  # noqa: E402
from lod.ingest import ingest  # noqa: E402
from lod.search import SearchIndex, index_path, rebuild  # noqa: E402
from lod.store import Store  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SAMPLES = ROOT / "lod" / "samples"
QUERIES = ROOT / "tests" / "relevance" / "queries.yaml"
BASE = "http://127.0.0.1:8000/"
LUA = """
paths = {paths}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], {{["Accept"] = "{accept}"}})
end
"""


def build(path: Path, with_corpus: bool) -> None:
    started = time.perf_counter()
    store = Store(path)
    minter = minter_for(store, BASE)
    records = 0
    for library in yaml.safe_load((SAMPLES / "libraries.yaml").read_text(encoding="utf-8")):
        register_library(store, minter, library)
        records += ingest([SAMPLES / library["isil"]], library["isil"], store, minter).converted
    if with_corpus and CORPUS.is_dir():
        for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
            records += ingest([folder], "VN-CORPUS", store, minter).converted
    elif with_corpus:
        print(f"(no corpus at {CORPUS}: the samples alone)")
    store.flush()
    print(f"store: {records} records, {len(store)} quads ({time.perf_counter() - started:.0f} s to ingest)")


def build_index(path: Path) -> None:
    store = Store(path)
    index = SearchIndex(index_path(path))
    report = rebuild(store, index)
    print(f"index: {report.documents} documents in {report.seconds:.1f} s "
          f"({report.documents / max(report.seconds, 1e-9):.0f} documents/s), {index.size() / 1e6:.1f} MB on disk "
          f"({index.size() / max(report.documents, 1):.0f} bytes per document)")


def queries() -> list[str]:
    return [entry["query"] for entry in yaml.safe_load(QUERIES.read_text(encoding="utf-8"))]


def prefixes(texts: list[str]) -> list[str]:
    """What a person sends while typing: every prefix from two letters on."""
    return [text[:n] for text in texts if not any(c.isdigit() for c in text) for n in range(2, len(text) + 1)]


def sparql_contains(text: str) -> str:
    needle = json.dumps(text.lower(), ensure_ascii=False)
    return ("SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label "
            f"FILTER(CONTAINS(LCASE(STR(?label)), {needle})) }} LIMIT 20")


def wrk(root: str, paths: list[str], accept: str, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA.format(paths="{" + ", ".join(json.dumps(p) for p in paths) + "}", accept=accept))
    threads = min(2, connections)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name,
                          root],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    Path(script.name).unlink()
    percentiles = {m.group(1): _ms(m.group(2), m.group(3)) for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)",
                                                                                 out, re.M)}
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"p50": percentiles.get("50"), "p99": percentiles.get("99"), "rps": float(rate.group(1)) if rate else 0.0,
            "errors": int(errors.group(1)) if errors else 0}


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def serve(store: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "lod", "serve", "--store", str(store), "--port", str(port)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/suggest?q=a", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--store", type=Path, help="use (or build once into) this store folder")
    parser.add_argument("--samples-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or Path(tmp) / "store"
        if not store.exists():
            build(store, not args.samples_only)
        build_index(store)
        port = free_port()
        server = serve(store, port)
        root = f"http://127.0.0.1:{port}"
        try:
            texts = queries()
            runs = {
                "search": ([f"/search?{urlencode({'q': q})}" for q in texts], "application/json"),
                "suggest": ([f"/suggest?{urlencode({'q': p})}" for p in prefixes(texts)], "application/json"),
                "SPARQL CONTAINS (peer)": ([f"/sparql?{urlencode({'query': sparql_contains(q)})}" for q in texts],
                                           "application/sparql-results+json"),
                "static file (floor)": (["/static/search.js"], "*/*"),
            }
            for paths, accept in runs.values():  # warm up
                for path in paths[:20]:
                    httpx.get(root + path, headers={"Accept": accept}, timeout=60)
            print(f"\nwrk: 2 threads, {args.connections} connections, {args.seconds} s each, on 127.0.0.1")
            print(f"{'endpoint':26} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7}")
            results = {}
            for name, (paths, accept) in runs.items():
                results[name] = found = wrk(root, paths, accept, args.seconds, args.connections)
                print(f"{name:26} {found['rps']:9.0f} {found['p50'] or 0:9.2f} {found['p99'] or 0:9.2f} "
                      f"{found['errors']:7}")
            print("\none request at a time (what one person typing sees):")
            for name in ("search", "suggest"):
                paths, accept = runs[name]
                alone = wrk(root, paths, accept, max(2, args.seconds // 2), 1)
                print(f"{name:26} {alone['rps']:9.0f} {alone['p50'] or 0:9.2f} {alone['p99'] or 0:9.2f} "
                      f"{alone['errors']:7}")
            peer = results["SPARQL CONTAINS (peer)"]
            for name in ("search", "suggest"):
                if results[name]["p50"] and peer["p50"]:
                    print(f"{name}: p50 {peer['p50'] / results[name]['p50']:.1f}× lower than SPARQL CONTAINS, "
                          f"{results[name]['rps'] / max(peer['rps'], 1e-9):.1f}× its requests/s")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
