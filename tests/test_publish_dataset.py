"""The dataset described for machines (DCAT catalogue and VoID at /dataset and /.well-known/void) and for
people (the dataset page), its figures checked against SPARQL counts, its dumps against their files; and
the crawler's entry points: /sitemap.xml (chunked) and /robots.txt."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from lod.config import DEFAULT_LICENCE, Settings
from lod.dumps import write_dumps
from lod.store import Store
from lod.web.app import create_app
from tests.test_publish_resources import build_sample_store
from tests.test_web import build_store

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
VOID = Namespace("http://rdfs.org/ns/void#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
BF = "http://id.loc.gov/ontologies/bibframe/"
ONTOLOGIES = Path(__file__).resolve().parents[2] / "shared" / "ontologies"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
CHUNK = 25


@pytest.fixture(scope="module")
def site(tmp_path_factory, serve, free_port):
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    path = tmp_path_factory.mktemp("samples")
    build_sample_store(path, base)
    store = Store(path)
    write_dumps(store, path / "dumps")
    del store
    app = create_app(Settings(store=path, base_uri=base, sitemap_chunk=CHUNK))
    with serve(app, port) as root:
        yield root, app


@pytest.fixture(scope="module")
def root(site):
    return site[0]


@pytest.fixture(scope="module")
def description(root) -> Graph:
    response = httpx.get(root + "dataset", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    return Graph().parse(data=response.text, format="turtle")


def count(root: str, query: str) -> int:
    rows = httpx.get(root + "sparql", params={"query": query},
                     headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    return int(rows[0]["n"]["value"])


def test_void_and_dcat_describe_the_dataset(root, description):
    data, catalog = URIRef(root + "id/dataset/all"), URIRef(root + "id/dataset/catalog")
    g = description
    assert (catalog, RDF.type, DCAT.Catalog) in g and (catalog, DCAT.dataset, data) in g
    assert (data, RDF.type, VOID.Dataset) in g and (data, RDF.type, DCAT.Dataset) in g
    assert g.value(data, VOID.sparqlEndpoint) == URIRef(root + "sparql")
    assert g.value(data, DCTERMS.license) == URIRef(DEFAULT_LICENCE) == URIRef(
        "http://creativecommons.org/publicdomain/zero/1.0/")
    assert g.value(g.value(data, DCTERMS.publisher), FOAF.name) is not None
    assert g.value(data, DCTERMS.modified).datatype == URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
    assert str(g.value(data, VOID.uriSpace)) == root + "id/"
    service = g.value(catalog, DCAT.service)
    assert g.value(service, DCAT.endpointURL) == URIRef(root + "sparql")
    for example in g.objects(data, VOID.exampleResource):
        assert str(example).startswith(root + "id/")
        assert httpx.get(str(example), headers={"Accept": "text/turtle"}).status_code == 303


def test_figures_match_sparql_counts(root, description):
    g, data = description, URIRef(root + "id/dataset/all")
    assert int(g.value(data, VOID.triples)) == count(root, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
    entities = count(root, f"""SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s a ?t
        FILTER(STRSTARTS(STR(?s), "{root}id/") && !CONTAINS(STR(?s), "#")) }}""")
    assert int(g.value(data, VOID.entities)) == entities > 100
    assert int(g.value(data, VOID.classes)) == count(root, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?s a ?c }")
    assert int(g.value(data, VOID.properties)) == count(root, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?s ?p ?o }")
    works = next(p for p in g.objects(data, VOID.classPartition) if g.value(p, VOID["class"]) == URIRef(BF + "Work"))
    assert int(g.value(works, VOID.entities)) == count(root, f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s a <{BF}Work> }}")
    titles = next(p for p in g.objects(data, VOID.propertyPartition)
                  if g.value(p, VOID.property) == URIRef(BF + "title"))
    assert int(g.value(titles, VOID.triples)) == count(
        root, f"SELECT (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?s <{BF}title> ?o }} }}")


def test_library_subsets_and_dumps_can_be_fetched(root, description):
    g, data = description, URIRef(root + "id/dataset/all")
    subsets = list(g.objects(data, VOID.subset))
    assert len(subsets) == 4
    for subset in subsets:
        isil = str(subset).rsplit("/", 1)[1]
        assert g.value(subset, DCTERMS.isPartOf) == data
        assert g.value(subset, DCTERMS.source) == URIRef(root + f"id/library/{isil}")
        records = count(root, f"""SELECT (COUNT(DISTINCT ?g) AS ?n) {{ GRAPH ?g {{ ?s ?p ?o }}
            FILTER(STRSTARTS(STR(?g), "{root}graph/record/{isil}/")) }}""")
        assert int(g.value(subset, VOID.documents)) == records
    dumps = [d for s in [data, *subsets] for d in g.objects(s, VOID.dataDump)]
    assert len(dumps) == 3 * 5
    for distribution in g.subjects(RDF.type, DCAT.Distribution):
        url = g.value(distribution, DCAT.downloadURL)
        assert url in dumps and g.value(distribution, DCTERMS.license) is not None
        body = httpx.get(str(url)).content
        assert len(body) == int(g.value(distribution, DCAT.byteSize))
        checksum = g.value(distribution, SPDX.checksum)
        assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(g.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest()
        assert str(g.value(distribution, DCAT.mediaType)).startswith("http://www.iana.org/assignments/media-types/")


def test_terms_are_those_the_vocabularies_define(description):
    if not ONTOLOGIES.is_dir():
        pytest.skip("../shared/ontologies is not here (the published vocabularies sit beside the project)")
    defined = Graph()
    for name in ("void.ttl", "dcat3.ttl", "dcterms.ttl"):
        defined.parse(ONTOLOGIES / name)
    namespaces = (str(VOID), str(DCAT), str(DCTERMS))
    used = {p for p in description.predicates()} | set(description.objects(None, RDF.type))
    checked = [term for term in used if str(term).startswith(namespaces)]
    assert len(checked) > 20
    assert [term for term in checked if (term, None, None) not in defined] == []


def test_well_known_void_and_every_format_say_the_same(root, description):
    assert isomorphic(Graph().parse(data=httpx.get(root + ".well-known/void", headers={"Accept": "text/turtle"}).text,
                                    format="turtle"), description)
    for ext, name in {"nt": "nt", "rdf": "xml", "jsonld": "json-ld"}.items():
        response = httpx.get(root + f"doc/dataset/all.{ext}")
        assert response.status_code == 200
        assert isomorphic(Graph().parse(data=response.content, format=name), description), ext
    redirect = httpx.get(root + "id/dataset/VN-TVQG", headers={"Accept": "text/turtle"})
    assert redirect.status_code == 303 and redirect.headers["location"] == "/doc/dataset/VN-TVQG.ttl"
    assert httpx.get(root + "id/dataset/nothing", headers={"Accept": "text/turtle"}).status_code == 404
    response = httpx.get(root + "dataset", headers={"Accept": "text/turtle"})
    assert httpx.get(root + "dataset", headers={"Accept": "text/turtle", "If-None-Match": response.headers["etag"]}
                     ).status_code == 304


def test_dataset_page_shows_the_same(root, description):
    html = httpx.get(root + "dataset").text
    data = URIRef(root + "id/dataset/all")
    assert "CC0 1.0" in html and 'rel="license"' in html
    triples = int(description.value(data, VOID.triples))
    assert f"{triples:,}".replace(",", ".") in html
    for subset in description.objects(data, VOID.subset):
        assert f'id="{str(subset).rsplit("/", 1)[1]}"' in html
    for url in description.objects(data, VOID.dataDump):
        assert f'href="/dumps/{str(url).rsplit("/", 1)[1]}"' in html
    assert "Union catalogue" in httpx.get(root + "dataset", params={"lang": "en"}).text


def test_figures_follow_the_store(site):
    """The counts are kept per store version: a change seen in the journal shows at once."""
    from lod.dataset import minter_for
    from lod.ingest import ingest

    root, app = site
    before = httpx.get(root + "dataset", headers={"Accept": "application/n-triples"}).text
    triples = f"<{root}id/dataset/all> <{VOID}triples> "
    assert triples in before
    source = (Path(__file__).resolve().parents[1] / "lod" / "samples" / "VN-TVQG" / "records.xml").read_text()
    store = app.state.store  # the server's own store: the one process that may write it
    tmp = Path(app.state.settings.store) / "extra.xml"
    tmp.write_text(source.replace("TVQG0001", "TVQX0001"), encoding="utf-8")
    ingest([tmp], "VN-TVQG", store, minter_for(store, root))
    after = httpx.get(root + "dataset", headers={"Accept": "application/n-triples"}).text
    number = [int(line.split('"')[1]) for text in (before, after) for line in text.splitlines()
              if line.startswith(triples)]
    assert number[1] > number[0]


def test_licence_and_publisher_are_settings(tmp_path, serve, free_port):
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    build_store(tmp_path, base)
    licence = "https://creativecommons.org/licenses/by/4.0/"
    app = create_app(Settings(store=tmp_path, base_uri=base, licence=licence, publisher="Thư viện Thử nghiệm"))
    with serve(app, port) as root:
        g = Graph().parse(data=httpx.get(root + "dataset", headers={"Accept": "text/turtle"}).text, format="turtle")
    data = URIRef(root + "id/dataset/all")
    assert g.value(data, DCTERMS.license) == URIRef(licence)
    assert g.value(g.value(data, DCTERMS.publisher), FOAF.name) == Literal("Thư viện Thử nghiệm", lang="vi")


# --- crawlers' entry points -------------------------------------------------------------------------


def test_sitemap_index_chunks_and_robots(root):
    robots = httpx.get(root + "robots.txt")
    assert robots.status_code == 200 and f"Sitemap: {root}sitemap.xml" in robots.text
    assert "Disallow: /sparql?" in robots.text
    index = ET.fromstring(httpx.get(root + "sitemap.xml").content)
    assert index.tag == f"{SITEMAP}sitemapindex"
    files = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    urls: list[str] = []
    for url in files:
        assert url.startswith(root + "sitemap-")
        response = httpx.get(url)
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
        chunk = [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP}loc")]
        assert 0 < len(chunk) <= CHUNK
        urls += chunk
    assert len(urls) == len(set(urls))
    rows = httpx.get(root + "sparql", params={"query": f"""SELECT DISTINCT ?s {{ ?s a ?t
        FILTER(STRSTARTS(STR(?s), "{root}id/") && !CONTAINS(STR(?s), "#")) }}"""},
                     headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    expected = {row["s"]["value"].replace(root + "id/", root + "doc/", 1) + ".html" for row in rows}
    assert set(urls) == expected
    kinds = {url.split("/doc/")[1].split("/")[0] for url in urls}
    assert len(files) == sum(math.ceil(sum(1 for u in urls if f"/doc/{k}/" in u) / CHUNK) for k in kinds)
    assert len(files) > len(kinds)  # some kind needed more than one chunk
    for url in urls[::40]:
        assert httpx.get(url).status_code == 200, url
    assert httpx.get(root + "sitemap-work-999.xml").status_code == 404
    assert httpx.get(root + "sitemap-nothing-1.xml").status_code == 404


def test_context_is_the_published_file(root):
    body = httpx.get(root + "context.jsonld").json()
    path = Path(__file__).resolve().parents[1] / "ontologies" / "context.jsonld"
    assert body == json.loads(path.read_text(encoding="utf-8"))
