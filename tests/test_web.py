"""End to end: a real uvicorn server over a real store, read with real clients (httpx, rdflib)."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from string import Template

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result

from lod.config import Settings
from lod.dataset import minter_for
from lod.dumps import write_dumps
from lod.samples import ingest_samples
from lod.store import Store
from lod.web.app import create_app
from tests.html_page import page

BF = "http://id.loc.gov/ontologies/bibframe/"
SCHEMA = "http://schema.org/"
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
MINTED_ELSEWHERE = "http://127.0.0.1:8000/"

# Two records of one library, as the mappings write them: BIBFRAME and Schema.org on the same URIs,
# hash IRIs for sub-nodes, one named graph per record, the registry and the dataset graph apart.
FIXTURE = Template("""
@prefix bf: <http://id.loc.gov/ontologies/bibframe/> .
@prefix schema: <http://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix void: <http://rdfs.org/ns/void#> .

<${b}graph/record/VN-TEST/R1> {
  <${b}id/instance/VN-TEST-R1> a bf:Instance, schema:Book ;
    rdfs:label "Mắt biếc"@vi ; schema:name "Mắt biếc"@vi ;
    bf:title <${b}id/instance/VN-TEST-R1#title-1a2b3c4d> ;
    bf:provisionActivity <${b}id/instance/VN-TEST-R1#provision-5e6f7a8b> ;
    bf:responsibilityStatement "Nguyễn Nhật Ánh"@vi ;
    bf:instanceOf <${b}id/work/mat-biec-0a1b2c> ; schema:exampleOfWork <${b}id/work/mat-biec-0a1b2c> ;
    bf:hasItem <${b}id/item/VN-TEST-R1-1> .
  <${b}id/instance/VN-TEST-R1#title-1a2b3c4d> a bf:Title ; bf:mainTitle "Mắt biếc"@vi .
  <${b}id/instance/VN-TEST-R1#provision-5e6f7a8b> a bf:ProvisionActivity, bf:Publication ;
    bf:place <${b}id/instance/VN-TEST-R1#place-9c0d1e2f> ; bf:date "2010"@vi .
  <${b}id/instance/VN-TEST-R1#place-9c0d1e2f> a bf:Place ; rdfs:label "Thành phố Hồ Chí Minh"@vi .
  <${b}id/work/mat-biec-0a1b2c> a bf:Work, bf:Text, schema:CreativeWork ;
    rdfs:label "Mắt biếc"@vi ; schema:name "Mắt biếc"@vi ;
    bf:contribution <${b}id/work/mat-biec-0a1b2c#contribution-3f4e5d6c> ;
    schema:author <${b}id/agent/nguyen-nhat-anh-4d5e6f> ;
    bf:subject <${b}id/subject/tieu-thuyet-7a8b9c> ;
    bf:language <http://id.loc.gov/vocabulary/languages/vie> ;
    bf:hasInstance <${b}id/instance/VN-TEST-R1> ; schema:workExample <${b}id/instance/VN-TEST-R1> .
  <${b}id/work/mat-biec-0a1b2c#contribution-3f4e5d6c> a bf:Contribution, bf:PrimaryContribution ;
    bf:agent <${b}id/agent/nguyen-nhat-anh-4d5e6f> ; bf:role <http://id.loc.gov/vocabulary/relators/aut> .
  <${b}id/agent/nguyen-nhat-anh-4d5e6f> a bf:Person, schema:Person ;
    rdfs:label "Nguyễn Nhật Ánh, 1955-" ; schema:name "Nguyễn Nhật Ánh" .
  <${b}id/subject/tieu-thuyet-7a8b9c> a bf:Topic ; rdfs:label "Tiểu thuyết" .
  <${b}id/item/VN-TEST-R1-1> a bf:Item ; bf:itemOf <${b}id/instance/VN-TEST-R1> ;
    bf:heldBy <${b}id/library/VN-TEST> .
}

<${b}graph/record/VN-TEST/R%2F2> {
  <${b}id/instance/VN-TEST-R%2F2> a bf:Instance ; rdfs:label "Tôi thấy hoa vàng trên cỏ xanh"@vi ;
    bf:title <${b}id/instance/VN-TEST-R%2F2#title-0f0f0f0f> .
  <${b}id/instance/VN-TEST-R%2F2#title-0f0f0f0f> a bf:Title ;
    bf:mainTitle "Tôi thấy hoa vàng trên cỏ xanh"@vi .
  <${b}id/agent/nguyen-nhat-anh-4d5e6f> owl:sameAs <http://viaf.org/viaf/000000> .
}

<${b}graph/libraries/VN-TEST> {
  <${b}id/library/VN-TEST> a schema:Library ; schema:identifier "VN-TEST" ;
    schema:name "Thư viện Thử nghiệm Đà Nẵng"@vi, "Da Nang Test Library"@en .
}

<${b}graph/dataset> {
  <${b}id/dataset/all> a void:Dataset ; void:uriSpace "${b}" .
}
""")

INSTANCE = "id/instance/VN-TEST-R1"
WORK = "id/work/mat-biec-0a1b2c"
AGENT = "id/agent/nguyen-nhat-anh-4d5e6f"
TITLE = "Mắt biếc"
SELECT_TITLES = f"""PREFIX bf: <{BF}>
SELECT ?instance ?title WHERE {{ ?instance a bf:Instance ; bf:title/bf:mainTitle ?title }} ORDER BY ?title"""
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def build_store(path: Path, base: str) -> None:
    quads = ox.parse(FIXTURE.substitute(b=base).encode("utf-8"), format=ox.RdfFormat.TRIG)
    text = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    store = Store(path)
    store.replace_graphs([], text)
    write_dumps(store, path / "dumps")
    store.flush()
    del store  # the server opens it read-write: release RocksDB's lock first


@pytest.fixture(scope="module")
def site(tmp_path_factory, serve_built):
    """A store minted under the base it is served at."""
    with serve_built(build_store, tmp_path_factory.mktemp("store")) as root:
        yield root


@pytest.fixture(scope="module")
def rebased(tmp_path_factory, serve, free_port):
    """A store minted under http://127.0.0.1:8000/, served on another port."""
    port = free_port()
    path = tmp_path_factory.mktemp("store-8000")
    build_store(path, MINTED_ELSEWHERE)
    with serve(create_app(Settings(store=path, base_uri=f"http://127.0.0.1:{port}/")), port) as root:
        yield root


@pytest.fixture(scope="module")
def client(site):
    with httpx.Client(base_url=site, timeout=30) as c:
        yield c


# --- SPARQL ------------------------------------------------------------------------------------

RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}


def ask(client: httpx.Client, how: str, query: str, accept: str, **params) -> httpx.Response:
    if how == "get":
        return client.get("sparql", params={"query": query, **params}, headers={"Accept": accept})
    if how == "form":
        return client.post("sparql", data={"query": query, **params}, headers={"Accept": accept})
    return client.post("sparql", content=query.encode("utf-8"), params=params,
                       headers={"Content-Type": "application/sparql-query", "Accept": accept})


def titles(response: httpx.Response, name: str) -> list[str]:
    if name == "csv":  # CSV results carry no term syntax: read them as the plain table they are
        return [row["title"] for row in csv.DictReader(io.StringIO(response.text))]
    result = Result.parse(io.BytesIO(response.content), format=name)
    return [str(row.title) for row in result]


@pytest.mark.parametrize("how", ["get", "form", "direct"])
@pytest.mark.parametrize("name", list(RESULT_TYPES))
def test_select_in_every_result_format(client, how, name):
    response = ask(client, how, SELECT_TITLES, RESULT_TYPES[name])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(RESULT_TYPES[name])
    assert "accept" in response.headers["vary"].lower()
    assert titles(response, name) == [TITLE, "Tôi thấy hoa vàng trên cỏ xanh"]


def test_text_results_say_utf8(client):
    response = ask(client, "get", SELECT_TITLES, "text/csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert TITLE in response.content.decode("utf-8")


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_ask(client, how):
    response = ask(client, how, f"ASK {{ ?s <{BF}mainTitle> \"{TITLE}\"@vi }}", "application/sparql-results+json")
    assert response.json()["boolean"] is True


GRAPH_TYPES = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
               "rdf": "application/rdf+xml"}
RDFLIB_NAMES = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}


@pytest.mark.parametrize("how", ["get", "form", "direct"])
@pytest.mark.parametrize("name", list(GRAPH_TYPES))
def test_construct_in_every_graph_format(client, site, how, name):
    query = f"CONSTRUCT {{ ?t <{BF}mainTitle> ?title }} WHERE {{ ?t <{BF}mainTitle> ?title }}"
    response = ask(client, how, query, GRAPH_TYPES[name])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(GRAPH_TYPES[name])
    graph = Graph().parse(data=response.content, format=RDFLIB_NAMES[name])
    assert (URIRef(f"{site}{INSTANCE}#title-1a2b3c4d"), URIRef(BF + "mainTitle"), Literal(TITLE, lang="vi")) in graph
    assert len(graph) == 2


def test_describe(client, site):
    response = ask(client, "get", f"DESCRIBE <{site}{AGENT}>", "text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    assert (URIRef(site + AGENT), RDFS.label, Literal("Nguyễn Nhật Ánh, 1955-")) in graph


def test_format_parameter_wins_over_accept(client):
    response = client.get("sparql", params={"query": SELECT_TITLES, "format": "tsv"},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.headers["content-type"].startswith("text/tab-separated-values")


def test_q_values_choose(client):
    accept = "application/sparql-results+json;q=0.2, text/csv;q=0.9, application/sparql-results+xml;q=0.5"
    assert ask(client, "get", SELECT_TITLES, accept).headers["content-type"].startswith("text/csv")
    assert ask(client, "get", SELECT_TITLES, "*/*").headers["content-type"].startswith(RESULT_TYPES["json"])


def test_nothing_acceptable_is_406(client):
    response = ask(client, "get", SELECT_TITLES, "image/png")
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text and "text/csv" in response.text
    construct = ask(client, "get", "CONSTRUCT WHERE { ?s ?p ?o }", "application/sparql-results+json")
    assert construct.status_code == 406 and "text/turtle" in construct.text


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_malformed_query_is_400_in_plain_text(client, how):
    response = ask(client, how, "SELEC ?x WHERE { ?x ?y }", "application/sparql-results+json")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "syntax" in response.text.lower()


def test_update_is_refused(client):
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> 'c' }"
    refused = [
        client.post("sparql", data={"update": update}),
        client.post("sparql", content=update, headers={"Content-Type": "application/sparql-update"}),
        client.get("sparql", params={"update": update}),
    ]
    for response in refused:
        assert response.status_code == 403
        assert "read-only" in response.text
    # An update sent as a query is not run either.
    assert ask(client, "form", update, "application/sparql-results+json").status_code == 400
    assert ask(client, "get", "ASK { <http://example.org/a> ?p ?o }", "application/sparql-results+json"
               ).json()["boolean"] is False


def test_other_post_bodies_are_415(client):
    response = client.post("sparql", content=SELECT_TITLES, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_dataset_parameters(client, site):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    libraries = f"{site}graph/libraries/VN-TEST"
    response = ask(client, "get", count, "application/sparql-results+json", **{"default-graph-uri": libraries})
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "4"
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = ask(client, "direct", named, "application/sparql-results+json",
                   **{"named-graph-uri": f"{site}graph/dataset"})
    assert [b["g"]["value"] for b in response.json()["results"]["bindings"]] == [f"{site}graph/dataset"]


def test_bad_graph_name_is_400(client):
    response = ask(client, "get", "ASK { ?s ?p ?o }", "application/sparql-results+json",
                   **{"default-graph-uri": "not an IRI"})
    assert response.status_code == 400


def test_default_graph_is_the_union(client, site):
    # The agent's label and its sameAs come from two record graphs.
    query = f"SELECT ?same WHERE {{ <{site}{AGENT}> <http://www.w3.org/2000/01/rdf-schema#label> ?l ; " \
            f"<http://www.w3.org/2002/07/owl#sameAs> ?same }}"
    response = ask(client, "get", query, "application/sparql-results+json")
    assert len(response.json()["results"]["bindings"]) == 1


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparql_client(site, method):
    graph = Graph(SPARQLStore(site + "sparql", method=method, returnFormat="json"))
    rows = list(graph.query(SELECT_TITLES))
    assert [str(row.title) for row in rows] == [TITLE, "Tôi thấy hoa vàng trên cỏ xanh"]
    assert rows[0].instance == URIRef(site + INSTANCE)


def test_sparql_page_without_query(client):
    response = client.get("sparql", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<textarea" in response.text and 'name="query"' in response.text


# --- identifiers and documents (negotiation and headers: tests/test_publish_resources.py) ----------------------------


def test_id_head(client):
    response = client.head(INSTANCE, headers={"Accept": "text/turtle"})
    assert response.status_code == 303 and response.headers["location"].endswith(".ttl")


def test_id_unknown_is_404_and_unacceptable_is_406(client):
    assert client.get("id/instance/NOTHING-HERE", headers={"Accept": "text/turtle"}).status_code == 404
    assert client.get("id/nonsense/VN-TEST-R1").status_code == 404
    assert client.get("doc/instance/NOTHING-HERE.ttl").status_code == 404
    response = client.get(INSTANCE, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.text and "application/ld+json" in response.text


def test_documents_agree_across_formats(client):
    graphs = [Graph().parse(data=client.get(f"doc/work/mat-biec-0a1b2c.{ext}").content, format=RDFLIB_NAMES[ext])
              for ext in GRAPH_TYPES]
    assert all(isomorphic(graphs[0], other) for other in graphs[1:])


def test_turtle_has_readable_prefixes(client):
    text = client.get("doc/work/mat-biec-0a1b2c.ttl").text
    assert "@prefix bf: <http://id.loc.gov/ontologies/bibframe/>" in text
    assert "@prefix schema: <http://schema.org/>" in text
    assert "bf:contribution" in text and "schema:author" in text


def test_doc_head_and_etag(client):
    got = client.get("doc/instance/VN-TEST-R1.ttl")
    head = client.head("doc/instance/VN-TEST-R1.ttl")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers["etag"] == got.headers["etag"]
    again = client.get("doc/instance/VN-TEST-R1.ttl", headers={"If-None-Match": got.headers["etag"]})
    assert again.status_code == 304


def test_rdflib_follows_the_303(site):
    graph = Graph().parse(site + INSTANCE)
    instance = URIRef(site + INSTANCE)
    assert (instance, RDF.type, URIRef(BF + "Instance")) in graph
    assert (instance, RDFS.label, Literal(TITLE, lang="vi")) in graph
    library_graph = Graph().parse(site + "id/library/VN-TEST")
    assert (URIRef(site + "id/library/VN-TEST"), URIRef(SCHEMA + "name"),
            Literal("Thư viện Thử nghiệm Đà Nẵng", lang="vi")) in library_graph


def test_keys_with_encoded_characters(site, client):
    # Keys are minted percent-encoded (a control number "R/2" becomes "R%2F2").
    response = client.get("id/instance/VN-TEST-R%2F2", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["location"] == "/doc/instance/VN-TEST-R%2F2.ttl"
    graph = Graph().parse(site + "id/instance/VN-TEST-R%2F2", format="turtle")
    assert (URIRef(site + "id/instance/VN-TEST-R%2F2"), RDFS.label,
            Literal("Tôi thấy hoa vàng trên cỏ xanh", lang="vi")) in graph


# --- pages --------------------------------------------------------------------------------------


def test_instance_page_nests_sub_nodes(client):
    html = client.get("doc/instance/VN-TEST-R1.html").text
    assert "main title" in html and "provision activity" in html
    assert "Thành phố Hồ Chí Minh" in html  # the provision's place, two levels down
    nested = html.index('class="node"')
    assert nested < html.index("Thành phố Hồ Chí Minh")


def test_library_page_prefers_vietnamese(client):
    html = client.get("doc/library/VN-TEST.html").text
    assert "<h1>Thư viện Thử nghiệm Đà Nẵng</h1>" in html


def test_home_page(client):
    response = client.get("")
    assert response.status_code == 200
    html = response.text
    assert "Dữ liệu mở liên kết thư viện Việt Nam" in html
    links = dict(page(html).links)
    assert links["/id/library/VN-TEST"] == "Thư viện Thử nghiệm Đà Nẵng"
    assert links[f"/{WORK}"] == TITLE
    assert "/sparql" in links and "/dumps/" in links
    assert "Tác phẩm (works)</dt><dd>1<" in html and "Ấn phẩm (instances)</dt><dd>2<" in html


def test_static_css(client):
    response = client.get("static/site.css")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")


# --- dumps --------------------------------------------------------------------------------------


def test_dumps_listing_and_files(client):
    page = client.get("dumps/")
    assert page.status_code == 200
    index = client.get("dumps/index.json").json()
    entry = index[0]
    assert entry["file"] in page.text and entry["sha256"] in page.text
    dump = client.get(f"dumps/{entry['file']}")
    assert dump.status_code == 200
    assert hashlib.sha256(dump.content).hexdigest() == entry["sha256"]
    assert len(dump.content) == entry["bytes"]


@pytest.mark.parametrize("name", ["..%2F..%2Fetc%2Fpasswd", "%2E%2E", "..%5Cindex.json", "CURRENT", "%2Fetc%2Fpasswd"])
def test_dumps_refuse_other_paths(client, name):
    assert client.get(f"dumps/{name}").status_code == 404


# --- base rewriting -----------------------------------------------------------------------------


def test_rebased_sparql(rebased):
    with httpx.Client(base_url=rebased) as c:
        # The client only knows the served base: its URIs reach the store's, and come back served.
        query = f"SELECT ?label WHERE {{ <{rebased}{AGENT}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
        response = ask(c, "get", query, "application/sparql-results+json")
        assert [b["label"]["value"] for b in response.json()["results"]["bindings"]] == ["Nguyễn Nhật Ánh, 1955-"]
        response = ask(c, "get", SELECT_TITLES, "text/csv")
        assert MINTED_ELSEWHERE not in response.text
        assert f"{rebased}{INSTANCE}#title-1a2b3c4d" not in response.text  # titles only; instances served:
        assert f"{rebased}{INSTANCE}" in response.text


def test_rebased_links_can_be_followed(rebased):
    graph = Graph().parse(rebased + INSTANCE)
    assert not any(str(term).startswith(MINTED_ELSEWHERE) for triple in graph for term in triple)
    work = graph.value(URIRef(rebased + INSTANCE), URIRef(BF + "instanceOf"))
    assert str(work) == rebased + WORK
    work_graph = Graph().parse(str(work))  # followed to this server, not to port 8000
    agent = work_graph.value(URIRef(str(work)), URIRef(SCHEMA + "author"))
    assert (agent, RDFS.label, Literal("Nguyễn Nhật Ánh, 1955-")) in Graph().parse(str(agent))


def test_rebased_page(rebased):
    html = httpx.get(rebased + f"doc/{WORK[3:]}.html").text
    assert f"<code>{rebased}{WORK}</code>" in html
    assert MINTED_ELSEWHERE not in html


# --- the project's own sample data ----------------------------------------------------------------



def ingest_sample_records(path: Path, base: str) -> None:
    """The bundled sample records of every library, ingested (as `lod demo` does)."""
    store = Store(path)
    ingest_samples(store, minter_for(store, base))
    del store  # the server opens it read-write: release RocksDB's lock first


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory, serve_built):
    """The sample records ingested and served."""
    with serve_built(ingest_sample_records, tmp_path_factory.mktemp("samples")) as root:
        yield root


def test_sample_work_page(sample_site):
    query = f"PREFIX bf: <{BF}> SELECT ?work WHERE {{ ?work a bf:Work ; bf:hasInstance ?i }} ORDER BY ?work LIMIT 1"
    rows = httpx.get(sample_site + "sparql", params={"query": query},
                     headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    work = rows[0]["work"]["value"]
    assert work.startswith(sample_site + "id/work/")
    assert Graph().parse(work).value(URIRef(work), RDFS.label) is not None
    html = httpx.get(work, headers={"Accept": BROWSER}, follow_redirects=True).text
    for href, text in page(html).links:
        assert not text.startswith("http") or not href.startswith("/id/"), (href, text)
    assert "Thư viện Quốc gia Việt Nam" in httpx.get(sample_site).text


def test_every_sample_link_can_be_followed(sample_site):
    """A crawler starting at one instance reaches every resource it is linked to."""
    query = f"PREFIX bf: <{BF}> SELECT ?i WHERE {{ ?i a bf:Instance ; bf:hasItem ?item }} ORDER BY ?i LIMIT 1"
    rows = httpx.get(sample_site + "sparql", params={"query": query},
                     headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    todo, seen = [rows[0]["i"]["value"]], set()
    while todo and len(seen) < 60:
        uri = todo.pop().split("#")[0]
        if uri in seen:
            continue
        seen.add(uri)
        graph = Graph().parse(uri)
        assert (URIRef(uri), None, None) in graph, uri
        todo += [str(t) for triple in graph for t in triple
                 if isinstance(t, URIRef) and str(t).startswith(sample_site + "id/")]
    assert any("/id/library/" in uri for uri in seen) and any("/id/agent/" in uri for uri in seen)
