"""SPARQL endpoint benchmark: our `/sparql` against `oxigraph serve-read-only`, same data, same queries.

Builds a store from the corpus (LC's 2,000 book records, if ../shared/corpus is there) and the bundled
samples, then for each server in turn runs each query kind under bounded load with `wrk` (2 threads,
16 connections, 10 s, all on 127.0.0.1) and prints requests/s and p50/p99 latency for both, and the
ratio. Lookups and joins vary their subject per request (wrk picks from a list), so no cache helps.
Last, a runaway query against a short time limit shows how fast it is stopped and that its CPU stops.

    python benchmarks/sparql_bench.py [--seconds 10] [--connections 16] [--store DIR] [--queries lookup,join]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lod.dataset import minter_for  # noqa: E402
from lod.ingest import ingest  # noqa: E402
from lod.samples import ingest_samples  # noqa: E402
from lod.store import Store  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "loc-books-sample"
JSON = "application/sparql-results+json"
PREFIXES = ("PREFIX bf: <http://id.loc.gov/ontologies/bibframe/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX schema: <http://schema.org/> ")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LUA = """
paths = {PATHS}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], {{["Accept"] = "{ACCEPT}"}})
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(path: Path, base: str) -> None:
    store = Store(path)
    minter = minter_for(store, base)
    ingest_samples(store, minter)
    if CORPUS.is_dir():
        result = ingest([CORPUS], "VN-TVQG", store, minter)
        print(f"corpus: {result.converted} records converted, {result.failed} failed")
    else:
        print(f"(no corpus at {CORPUS}: the bundled samples alone are a small store)")
    store.flush()
    store.optimize()
    print(f"store: {len(store)} quads")


def subjects(url: str, kind: str, count: int) -> list[str]:
    query = f"{PREFIXES} SELECT ?s WHERE {{ ?s a bf:{kind} }} LIMIT {count}"
    rows = httpx.get(url, params={"query": query}, headers={"Accept": JSON}, timeout=60).json()["results"]["bindings"]
    return [r["s"]["value"] for r in rows]


def query_mix(url: str) -> dict[str, list[str]]:
    """Each kind of query as a list of texts (one is picked per request)."""
    instances, works = subjects(url, "Instance", 500), subjects(url, "Work", 500)
    return {
        "lookup": [f"SELECT ?p ?o WHERE {{ <{i}> ?p ?o }}" for i in instances],
        "join": [f"{PREFIXES} SELECT ?title ?agent ?name WHERE {{ <{w}> rdfs:label ?title ; "
                 f"bf:contribution/bf:agent ?agent . ?agent rdfs:label ?name }}" for w in works],
        "aggregate": [f"{PREFIXES} SELECT ?lang (COUNT(?w) AS ?works) WHERE {{ ?w a bf:Work ; bf:language ?lang }} "
                      f"GROUP BY ?lang ORDER BY DESC(?works)"],
    }


def query_paths(url: str, queries: list[str]) -> list[str]:
    path = url.split("/", 3)[3]
    return [f"/{path}?query={quote(q, safe='')}" for q in queries]


def wrk(url: str, paths: list[str], accept: str, seconds: int, connections: int, folder: Path) -> dict:
    """wrk (2 threads) asking for `paths` in turn with `accept`: requests/s, p50 and p99 in ms, non-2xx."""
    script = folder / "paths.lua"
    script.write_text(LUA.format(PATHS="{" + ",".join(f'"{p}"' for p in paths) + "}", ACCEPT=accept))
    done = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                          capture_output=True, text=True, check=True)
    out = done.stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
            "p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1]),
            "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1]),
            "errors": int(errors[1]) if errors else 0}


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wait_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def ours(store: Path, port: int, *extra: str) -> subprocess.Popen:
    # a given store's search index may be far behind (a large ingest): no indexing while measuring
    return subprocess.Popen([sys.executable, "-m", "lod", "serve", "--store", str(store), "--port", str(port),
                             "--base-uri", f"http://127.0.0.1:{port}/", "--no-index-catch-up", *extra], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def peer(store: Path, port: int) -> subprocess.Popen:
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    return subprocess.Popen([oxigraph, "serve-read-only", "--location", str(store / "oxigraph"),
                             "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def measure(process: subprocess.Popen, url: str, mix: dict[str, list[str]] | None, args, folder: Path):
    try:
        wait_up(url, process)
        mix = mix or {kind: queries for kind, queries in query_mix(url).items() if kind in args.queries}
        for queries in mix.values():  # warm both caches alike
            httpx.get(url, params={"query": queries[0]}, headers={"Accept": JSON}, timeout=60)
        return mix, {kind: wrk(url, query_paths(url, queries), JSON, args.seconds, args.connections, folder)
                     for kind, queries in mix.items()}
    finally:
        stop(process)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runaway(store: Path, limit: float) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    server = ours(store, port, "--query-time-limit", str(limit))
    try:
        wait_up(url, server)
        workers = children(server.pid)
        started = time.monotonic()
        response = httpx.get(url, params={"query": RUNAWAY}, headers={"Accept": JSON}, timeout=limit + 30)
        answered = time.monotonic() - started
        gone = [p for p in workers if not Path(f"/proc/{p}").exists()]
        survivors = [p for p in workers if p not in gone]
        before = {p: cpu_seconds(p) for p in survivors}
        time.sleep(2)
        used = sum(cpu_seconds(p) - c for p, c in before.items())
        fresh = [p for p in children(server.pid) if p not in workers]
        print(f"\nrunaway query ({RUNAWAY}) with a {limit:g} s limit: HTTP {response.status_code} after "
              f"{answered:.2f} s; workers killed: {len(gone)} (gone from /proc); CPU used by the other workers in "
              f"the 2 s after: {used:.2f} s; replacement started: {len(fresh)} "
              f"({sum(cpu_seconds(p) for p in fresh):.2f} s CPU to start)")
        print(f"  answer: {response.text.strip()}")
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--store", type=Path, help="an existing store to serve (else one is built)")
    parser.add_argument("--queries", type=lambda text: text.split(","), default=["lookup", "join", "aggregate"],
                        help="the kinds of query to run, comma-separated (the aggregate scans the whole store)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed for this benchmark: apt-get install wrk")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        port = free_port()
        store = args.store
        if store is None:
            store = folder / "store"
            build(store, f"http://127.0.0.1:{port}/")
        url = f"http://127.0.0.1:{port}/sparql"
        mix, mine = measure(ours(store, port), url, None, args, folder)
        # Same queries for the peer: its URIs are the ones our server gave (our store's base is that port).
        peer_port = free_port()
        peer_url = f"http://127.0.0.1:{peer_port}/query"
        _, theirs = measure(peer(store, peer_port), peer_url, mix, args, folder)
        print(f"\n{args.connections} connections, {args.seconds} s per run, wrk on 127.0.0.1, {os.cpu_count()} cores")
        print(f"{'query':<10} {'ours req/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'oxigraph req/s':>15} {'p50 ms':>8} "
              f"{'p99 ms':>8} {'ratio':>6}")
        for kind in mix:
            a, b = mine[kind], theirs[kind]
            print(f"{kind:<10} {a['rps']:>11.0f} {a['p50']:>8.2f} {a['p99']:>8.2f} {b['rps']:>15.0f} {b['p50']:>8.2f} "
                  f"{b['p99']:>8.2f} {a['rps'] / b['rps']:>6.2f}")
            if a["errors"] or b["errors"]:
                print(f"  non-2xx answers: ours {a['errors']}, oxigraph {b['errors']}")
        runaway(store, 2.0)


if __name__ == "__main__":
    main()
