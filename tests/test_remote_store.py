"""The store on a remote SPARQL 1.1 server (`oxigraph serve` on 127.0.0.1) behaves as the embedded one."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from lod.ingest import ingest, withdraw
from lod.store import Store
from lod.uris import Minter
from tests.test_ingest import sample_folders


def oxigraph_command() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).exists():
        pytest.skip("the `oxigraph` server (pip package oxigraph) is not installed")
    return found


@pytest.fixture
def oxigraph_server(tmp_path, free_port):
    port = free_port()
    server = subprocess.Popen([oxigraph_command(), "serve", "--location", str(tmp_path / "server"),
                               "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/query", params={"query": "ASK {}"}).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("oxigraph serve did not start")
    yield url
    server.terminate()
    server.wait(10)


def quads(store: Store) -> set[str]:
    out = io.BytesIO()
    store.dump(out)
    return set(out.getvalue().decode("utf-8").splitlines())


def load_samples(store: Store) -> None:
    minter = Minter("http://127.0.0.1:8000/")
    for folder in sample_folders():
        ingest([folder], folder.name, store, minter)


def test_remote_store_holds_the_same_quads_as_the_embedded_one(tmp_path, oxigraph_server):
    local = Store(tmp_path / "local")
    remote = Store(tmp_path / "state", remote=oxigraph_server)
    load_samples(local)
    load_samples(remote)
    # the dataset description carries the time of the ingest: compare everything else
    described = "http://127.0.0.1:8000/graph/dataset"
    assert {q for q in quads(remote) if described not in q} == {q for q in quads(local) if described not in q}
    assert len(remote) == len(local)
    assert sorted(remote.graphs()) == sorted(local.graphs())
    assert remote.journal.counts() == local.journal.counts()


def test_remote_store_answers_queries_like_the_embedded_one(tmp_path, oxigraph_server):
    local = Store(tmp_path / "local")
    remote = Store(tmp_path / "state", remote=oxigraph_server)
    load_samples(local)
    load_samples(remote)
    select = "SELECT ?w ?l WHERE { ?w a <http://id.loc.gov/ontologies/bibframe/Work> ; " \
             "<http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?w ?l"
    assert [(r["w"], r["l"]) for r in remote.query(select)] == [(r["w"], r["l"]) for r in local.query(select)]
    assert bool(remote.query("ASK { ?s a <http://schema.org/Library> }"))
    construct = "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t }"
    assert set(remote.query(construct)) == set(local.query(construct))
    graph = next(g for g in local.graphs() if "/graph/record/" in g)
    assert set(remote.graph_quads(graph)) == set(local.graph_quads(graph))
    with pytest.raises(SyntaxError):
        remote.query("SELECT nonsense")


def test_remote_store_withdraws_and_reingests_idempotently(tmp_path, oxigraph_server):
    remote = Store(tmp_path / "state", remote=oxigraph_server)
    load_samples(remote)
    size = len(remote)
    load_samples(remote)
    assert len(remote) == size
    minter = Minter("http://127.0.0.1:8000/")
    graph = next(g for g in remote.graphs() if "/graph/record/VN-TVQG/" in g)
    record_id = graph.rsplit("/", 1)[1]
    assert withdraw(remote, minter, "VN-TVQG", [record_id]) == (1, [])
    assert not remote.has_graph(graph)


def test_remote_dump_streams_in_any_format(tmp_path, oxigraph_server):
    remote = Store(tmp_path / "state", remote=oxigraph_server)
    load_samples(remote)
    out = io.BytesIO()
    remote.dump(out, format=ox.RdfFormat.TRIG)
    parsed = list(ox.parse(out.getvalue(), format=ox.RdfFormat.TRIG))
    assert len(parsed) == len(remote)
