"""The endpoint protects itself: time limit that kills, row cap, request size, no SERVICE outside the
allowlist, no updates, CORS; and its workers see what the server writes. Real server, real workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from lod.config import Settings
from lod.store import Store
from lod.web.app import create_app

EX = "http://example.org/"
LIMIT = 1.5
MAX_ROWS = 100
MAX_REQUEST = 4096
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
JSON = "application/sparql-results+json"


def build_store(path: Path, triples: int = 400) -> None:
    """`triples` triples over 4 named graphs: a four-way cross join of them never ends in time."""
    lines = [f"<{EX}s{i}> <{EX}p{i % 7}> \"{i}\" <{EX}g{i % 4}> .\n" for i in range(triples)]
    store = Store(path)
    store.replace_graphs([], "".join(lines))
    store.flush()
    del store


class Listener:
    """A tiny SPARQL endpoint on 127.0.0.1 that counts the requests it gets."""

    def __init__(self, port: int):
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("content-length") or 0)
                hits.append((self.command, self.path, self.rfile.read(length)))
                body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
                    {"x": {"type": "literal", "value": "from the other endpoint"}}]}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", JSON)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def listener(free_port):
    server = Listener(free_port())
    yield server
    server.close()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, serve, free_port):
    """A server with small limits; yields (root URL, app)."""
    path = tmp_path_factory.mktemp("guarded")
    build_store(path)
    port = free_port()
    settings = Settings(store=path, base_uri=f"http://127.0.0.1:{port}/", sparql_time_limit=LIMIT,
                        sparql_max_rows=MAX_ROWS, sparql_max_request=MAX_REQUEST, sparql_workers=2)
    app = create_app(settings)
    with serve(app, port) as root:
        yield root, app


@pytest.fixture(scope="module")
def client(guarded):
    with httpx.Client(base_url=guarded[0], timeout=30) as c:
        yield c


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_workers(pool, count: int, seconds: float = 20) -> list[int]:
    deadline = time.monotonic() + seconds
    while len(pool.pids()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return pool.pids()


# --- time limit -------------------------------------------------------------------------------------


def test_a_runaway_query_is_stopped_and_its_cpu_with_it(guarded, client):
    root, app = guarded
    pool = app.state.sparql_pool
    before = wait_for_workers(pool, 2)
    started = time.monotonic()
    response = client.get("sparql", params={"query": RUNAWAY}, headers={"Accept": JSON})
    answered = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert f"time limit of {LIMIT:g} s" in response.text and response.headers["retry-after"]
    assert LIMIT <= answered < LIMIT + 1.0
    killed = set(before) - set(pool.pids())
    assert len(killed) == 1  # the worker that ran it, and only that one
    (pid,) = killed
    assert not Path(f"/proc/{pid}").exists()  # killed and reaped: its CPU use is over
    after = wait_for_workers(pool, 2)
    cpu = {p: cpu_seconds(p) for p in after}
    time.sleep(1.0)
    used = sum(cpu_seconds(p) - c for p, c in cpu.items())
    print(f"\ntime limit {LIMIT:g} s: answered 503 after {answered:.2f} s; worker {pid} killed; "
          f"CPU used by all workers in the next second: {used:.2f} s")
    assert used < 0.2
    ok = client.get("sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": JSON})
    assert ok.status_code == 200 and ok.json()["boolean"] is True


def test_the_other_worker_answers_while_one_is_busy(guarded, client):
    _, app = guarded
    wait_for_workers(app.state.sparql_pool, 2)
    runaway = threading.Thread(target=client.get, args=("sparql",), kwargs={"params": {"query": RUNAWAY}})
    runaway.start()
    time.sleep(0.2)
    started = time.monotonic()
    quick = client.get("sparql", params={"query": f"ASK {{ <{EX}s1> ?p ?o }}"}, headers={"Accept": JSON})
    assert quick.json()["boolean"] is True and time.monotonic() - started < LIMIT / 2
    runaway.join()


# --- result cap -------------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", [JSON, "application/sparql-results+xml", "text/csv", "text/tab-separated-values"])
def test_rows_are_capped_and_the_cap_is_signalled(client, accept):
    from rdflib.query import Result

    response = client.get("sparql", params={"query": "SELECT ?s ?o WHERE { ?s ?p ?o }"}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["x-sparql-maxrows"] == str(MAX_ROWS)
    if accept == "text/csv":
        rows = response.text.strip().split("\r\n")[1:]
    else:
        import io

        name = {JSON: "json", "text/tab-separated-values": "tsv"}.get(accept, "xml")
        rows = list(Result.parse(io.BytesIO(response.content), format=name))
    assert len(rows) == MAX_ROWS


def test_graph_results_are_capped(client):
    from rdflib import Graph

    response = client.get("sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "text/turtle"})
    assert response.headers["x-sparql-maxrows"] == str(MAX_ROWS)
    assert len(Graph().parse(data=response.text, format="turtle")) == MAX_ROWS


def test_results_under_the_cap_are_whole(client):
    response = client.get("sparql", params={"query": f"SELECT ?s WHERE {{ ?s <{EX}p1> ?o }} LIMIT 40"},
                          headers={"Accept": JSON})
    assert "x-sparql-maxrows" not in response.headers
    assert len(response.json()["results"]["bindings"]) == 40


# --- request size -----------------------------------------------------------------------------------


def test_request_size_is_limited(client):
    padding = "#" + "x" * MAX_REQUEST + "\n"
    big = client.post("sparql", content=(padding + "ASK {}").encode(),
                      headers={"Content-Type": "application/sparql-query"})
    assert big.status_code == 413 and str(MAX_REQUEST) in big.text
    form = client.post("sparql", data={"query": padding + "ASK {}"})
    assert form.status_code == 413
    long_uri = client.get("sparql", params={"query": padding + "ASK {}"})
    assert long_uri.status_code == 414 and "POST" in long_uri.text
    small = client.post("sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"})
    assert small.status_code == 200


# --- SERVICE, updates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <URL> { ?s ?p ?o } }",
    "ASK { SERVICE SILENT <URL> { ?s ?p ?o } }",
    "PREFIX : <URL> ASK { FILTER(?a<?b)SERVICE:x#>\n{} }",
])
def test_service_calls_are_refused_and_never_made(client, listener, query):
    response = client.post("sparql", data={"query": query.replace("URL", listener.url)})
    assert response.status_code in (400, 403)
    assert response.headers["content-type"].startswith("text/plain")
    assert "SERVICE" in response.text
    assert listener.hits == []


def test_workers_have_no_network_when_no_service_is_allowed(guarded, listener):
    """Behind the guard: a worker process cannot reach any host (where the kernel allows namespaces)."""
    probe = ("import socket, sys; from lod.sparql.worker import isolate_network\n"
             "print(isolate_network(), flush=True)\n"
             f"socket.create_connection(('127.0.0.1', {listener.server.server_port}), timeout=2)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30,
                          cwd=Path(__file__).resolve().parents[1])
    if done.stdout.strip() != "True":
        pytest.skip("this kernel does not let a process take a network namespace of its own")
    assert done.returncode != 0 and "unreachable" in done.stderr.lower()
    assert guarded[1].state.sparql_pool.isolated


def test_an_allowed_service_is_called(tmp_path, serve, free_port, listener):
    build_store(tmp_path, 10)
    port = free_port()
    app = create_app(Settings(store=tmp_path, base_uri=f"http://127.0.0.1:{port}/", sparql_services=(listener.url,),
                              sparql_workers=1))
    with serve(app, port) as root:
        federated = f"SELECT ?x WHERE {{ SERVICE <{listener.url}> {{ ?x ?y ?z }} }}"
        response = httpx.post(root + "sparql", data={"query": federated}, headers={"Accept": JSON}, timeout=30)
        refused = httpx.post(root + "sparql", data={"query": "ASK { SERVICE <http://127.0.0.1:1/> {} }"}, timeout=30)
        description = httpx.get(root + "sparql", headers={"Accept": "text/turtle"}, timeout=30).text
    assert response.status_code == 200, response.text
    assert [b["x"]["value"] for b in response.json()["results"]["bindings"]] == ["from the other endpoint"]
    assert len(listener.hits) == 1
    listener.hits.clear()
    assert refused.status_code == 403 and listener.url in refused.text
    assert "BasicFederatedQuery" in description


def test_updates_are_refused_every_way(client):
    update = f"INSERT DATA {{ GRAPH <{EX}new> {{ <{EX}a> <{EX}b> 'c' }} }}"
    answers = [
        client.post("sparql", content=update.encode(), headers={"Content-Type": "application/sparql-update"}),
        client.post("sparql", data={"update": update}),
        client.get("sparql", params={"update": update}),
        client.post("sparql", data={"query": update}),
    ]
    assert [a.status_code for a in answers] == [403, 403, 403, 400]
    assert all("read-only" in a.text for a in answers)
    check = client.get("sparql", params={"query": f"ASK {{ GRAPH <{EX}new> {{ ?s ?p ?o }} }}"},
                       headers={"Accept": JSON})
    assert check.json()["boolean"] is False


# --- CORS, freshness ------------------------------------------------------------------------------------


def test_cors(client):
    origin = "https://notebook.example.org"
    preflight = client.options("sparql", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    simple = client.get("sparql", params={"query": "SELECT ?s { ?s ?p ?o }"}, headers={"Origin": origin})
    assert simple.headers["access-control-allow-origin"] == "*"
    assert "X-SPARQL-MaxRows" in simple.headers["access-control-expose-headers"]


def test_workers_see_what_the_server_writes(guarded, client):
    _, app = guarded
    query = {"query": f"ASK {{ <{EX}fresh> ?p ?o }}"}
    assert client.get("sparql", params=query, headers={"Accept": JSON}).json()["boolean"] is False
    app.state.store.replace_graphs([f"{EX}fresh-graph"], f"<{EX}fresh> <{EX}p> \"new\" <{EX}fresh-graph> .\n")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if client.get("sparql", params=query, headers={"Accept": JSON}).json()["boolean"]:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the workers never saw the new graph")
    assert len(app.state.sparql_pool.pids()) == 2
