"""Resource pages under bounded load: our `/doc/…` pages (HTML and Turtle) against the same resources
described by `oxigraph serve-read-only` (a DESCRIBE of each), on the same store, with wrk on 127.0.0.1
(2 threads, 16 connections, 10 s each). Prints requests/s, p50 and p99 and the ratios.

Each kind of document is measured twice: made anew for every request (the server started with
`--cache-mib 0`; the labels of linked resources are still kept), and kept in memory (the default).
Every document is requested once before each run.

    python benchmarks/pages.py [--seconds 10] [--connections 16] [--store PATH]

--store: an existing store (for instance `scale-data/store`, made by `python benchmarks/scale.py`), served
with `--no-index-catch-up` so that no search indexing runs during the measurement; without it, a store
of the samples and the corpus is built.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sparql_bench import build, free_port, ours, peer, stop, subjects, wait_up, wrk  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--store", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        root = f"http://127.0.0.1:{port}"
        store = args.store or folder / "store"
        if not args.store:
            build(store, f"{root}/")
        results = {}
        for cached in (False, True):
            server = ours(store, port, "--cache-mib", "64" if cached else "0")
            try:
                wait_up(f"{root}/sparql", server)
                things = subjects(f"{root}/sparql", "Instance", 300) + subjects(f"{root}/sparql", "Work", 300)
                docs = [t.replace(root, "").replace("/id/", "/doc/", 1) for t in things]
                how = "kept" if cached else "made anew"
                for name, ext, accept in (("HTML", "html", "text/html"), ("Turtle", "ttl", "text/turtle")):
                    paths = [d + "." + ext for d in docs]
                    warm(root, paths)  # made anew: the labels of linked resources are then kept
                    results[f"{name}, {how}"] = wrk(root, paths, accept, args.seconds, args.connections, folder)
            finally:
                stop(server)
        server = peer(store, port)
        try:
            wait_up(f"{root}/query", server)
            paths = [f"/query?query={quote(f'DESCRIBE <{t}>', safe='')}" for t in things]
            results["oxigraph DESCRIBE (peer)"] = wrk(root, paths, "text/turtle", args.seconds, args.connections,
                                                      folder)
        finally:
            stop(server)
    peer_rps = results["oxigraph DESCRIBE (peer)"]["rps"]
    print(f"{len(things)} resources; {args.connections} connections, {args.seconds} s each")
    print(f"{'':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'ratio':>6}")
    for name, r in results.items():
        print(f"{name:28} {r['rps']:8.0f} {r['p50']:8.1f} {r['p99']:8.1f} {r['errors']:8} {r['rps'] / peer_rps:6.2f}")


def warm(root: str, paths: list[str]) -> None:
    with httpx.Client(base_url=root, timeout=120) as client:
        for path in paths:
            client.get(path).raise_for_status()


if __name__ == "__main__":
    main()
