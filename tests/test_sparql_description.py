"""The Service Description in every RDF format, and Graph Store Protocol reads, on a live server."""

from __future__ import annotations

import httpx
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from lod.config import Settings
from lod.store import Store
from lod.web.app import create_app

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
MINTED = "http://127.0.0.1:8000/"
RDF_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
               "application/rdf+xml": "xml"}
EXTENSIONS = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}
RECORD = """<{b}id/instance/T-1> <http://www.w3.org/2000/01/rdf-schema#label> "Truyện Kiều"@vi <{b}graph/record/T/1> .
<{b}id/instance/T-1> <http://id.loc.gov/ontologies/bibframe/instanceOf> <{b}id/work/kieu> <{b}graph/record/T/1> .
<{b}id/instance/T-2> <http://www.w3.org/2000/01/rdf-schema#label> "Số đỏ"@vi <{b}graph/record/T/2> .
<{b}id/dataset/all> <http://rdfs.org/ns/void#uriSpace> "{b}" <{b}graph/dataset> .
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, serve, free_port):
    """Records minted under port 8000, served on another port (so graph names are rewritten too)."""
    path = tmp_path_factory.mktemp("described")
    store = Store(path)
    store.replace_graphs([], RECORD.format(b=MINTED))
    store.flush()
    del store
    port = free_port()
    with serve(create_app(Settings(store=path, base_uri=f"http://127.0.0.1:{port}/")), port) as root:
        yield root


@pytest.mark.parametrize("accept", list(RDF_FORMATS))
def test_service_description_in_every_rdf_format(site, accept):
    response = httpx.get(site + "sparql", headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    assert "accept" in response.headers["vary"].lower()
    graph = Graph().parse(data=response.content, format=RDF_FORMATS[accept])
    service = graph.value(predicate=RDF.type, object=SD.Service)
    assert (service, SD.endpoint, URIRef(site + "sparql")) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.BasicFederatedQuery) not in graph  # no SERVICE allowed by default
    assert any("10 s" in str(c) for c in graph.objects(service, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")))


def test_service_description_by_format_parameter_and_default(site):
    assert httpx.get(site + "sparql", params={"format": "nt"}).headers["content-type"].startswith(
        "application/n-triples")
    assert httpx.get(site + "sparql").headers["content-type"].startswith("text/turtle")  # Accept: */*
    assert httpx.get(site + "sparql", headers={"Accept": "image/png"}).status_code == 406
    page = httpx.get(site + "sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("ext", list(EXTENSIONS))
def test_graph_store_get(site, ext):
    name = f"{site}graph/record/T/1"
    response = httpx.get(site + "store", params={"graph": name, "format": ext})
    assert response.status_code == 200, response.text
    graph = Graph().parse(data=response.content, format=EXTENSIONS[ext])
    expected = Graph()
    expected.add((URIRef(site + "id/instance/T-1"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
                  Literal("Truyện Kiều", lang="vi")))
    expected.add((URIRef(site + "id/instance/T-1"), URIRef("http://id.loc.gov/ontologies/bibframe/instanceOf"),
                  URIRef(site + "id/work/kieu")))
    assert isomorphic(graph, expected)  # that graph alone, under the served base


def test_graph_store_negotiates_and_answers_head(site):
    params = {"graph": f"{site}graph/record/T/2"}
    got = httpx.get(site + "store", params=params, headers={"Accept": "application/n-triples"})
    assert got.headers["content-type"].startswith("application/n-triples") and "Số đỏ" in got.text
    head = httpx.head(site + "store", params=params, headers={"Accept": "application/n-triples"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(got.content))


def test_graph_store_errors(site):
    assert httpx.get(site + "store", params={"graph": f"{site}graph/record/T/none"}).status_code == 404
    assert httpx.get(site + "store", params={"graph": "not an IRI"}).status_code in (400, 404)
    assert httpx.get(site + "store").status_code == 400
    assert httpx.get(site + "store", params={"default": ""}).status_code == 400
    params = {"graph": f"{site}graph/record/T/1"}
    for method in ("PUT", "POST", "DELETE"):
        refused = httpx.request(method, site + "store", params=params, content=b"<a> <b> <c> .",
                                headers={"Content-Type": "text/turtle"})
        assert refused.status_code == 405, method
        assert "GET" in refused.headers["allow"]
    assert httpx.get(site + "store", params=params, headers={"Accept": "image/png"}).status_code == 406
