"""A bounded load test on 127.0.0.1: pages, SPARQL and search mixed, rounds after rounds, give no 5xx and
no growth of memory between rounds (server process and its query workers)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import httpx

from lod.config import Settings
from lod.web.app import create_app
from tests.test_publish_resources import build_sample_store

ROUNDS = 4
REQUESTS = 240  # per round
CONCURRENCY = 8
QUERIES = [
    "SELECT ?w ?t WHERE { ?w a <http://id.loc.gov/ontologies/bibframe/Work> ; "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?t } LIMIT 20",
    "SELECT ?lib (COUNT(?i) AS ?n) WHERE { ?i <http://id.loc.gov/ontologies/bibframe/heldBy> ?lib } GROUP BY ?lib",
    "ASK { ?s a <http://schema.org/Library> }",
]
SEARCHES = ["ha noi", "Nguyễn Du", "truyen kieu", "tô hoài", "lịch sử"]


def rss_kib(pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def paths(client: httpx.Client) -> list[str]:
    rows = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s a ?t } LIMIT 60"},
                      headers={"Accept": "text/csv"}).text.splitlines()[1:]
    resources = [row.strip().split("/id/", 1)[1] for row in rows if "/id/" in row and "#" not in row]
    return ["/"] + [f"/doc/{r}.html" for r in resources] + [f"/doc/{r}.ttl" for r in resources[:20]]


async def one_round(root: str, pages: list[str], rng: random.Random) -> list[int]:
    limits = asyncio.Semaphore(CONCURRENCY)

    async def request(client: httpx.AsyncClient) -> int:
        kind = rng.random()
        async with limits:
            if kind < 0.5:
                response = await client.get(rng.choice(pages))
            elif kind < 0.8:
                response = await client.get("/sparql", params={"query": rng.choice(QUERIES)},
                                            headers={"Accept": "application/sparql-results+json"})
            else:
                response = await client.get("/search", params={"q": rng.choice(SEARCHES)},
                                            headers={"Accept": "application/json"})
            return response.status_code

    async with httpx.AsyncClient(base_url=root, timeout=60) as client:
        return await asyncio.gather(*(request(client) for _ in range(REQUESTS)))


def test_mixed_load_gives_no_server_errors_and_memory_settles(tmp_path, serve, free_port):
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    build_sample_store(tmp_path / "store", base)
    app = create_app(Settings(store=tmp_path / "store", base_uri=base))
    rng = random.Random(206)
    with serve(app, port) as root, httpx.Client(base_url=root, timeout=60) as client:
        pages = paths(client)
        assert len(pages) > 20
        memory = []
        for _ in range(ROUNDS):
            statuses = asyncio.run(one_round(root, pages, rng))
            assert not [s for s in statuses if s >= 500], statuses
            assert statuses.count(200) == len(statuses)
            pool = app.state.sparql_pool
            workers = sum(rss_kib(pid) for pid in pool.pids()) if pool else 0
            memory.append(rss_kib() + workers)
        # the first rounds warm caches; after them, memory stays within a tenth
        print("memory per round (KiB):", memory)
        assert memory[-1] <= memory[1] * 1.10, memory
