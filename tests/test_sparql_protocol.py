"""The W3C SPARQL 1.1 Protocol and Service Description tests, run against a live server on 127.0.0.1.

The manifests are read from ../shared/corpus/w3c-sparql11-protocol-tests as they are: each request is
sent as written (method, path, headers, body and its encoding) and each response held to what the
manifest expects. Query tests must pass unchanged. The endpoint is read-only, so an update test gets
what a read-only endpoint must answer: its update requests are refused with 403, and the queries that
follow find the data unchanged (the graphs the update would have written do not exist).
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.query import Result

from lod.config import Settings
from lod.store import Store
from lod.web.app import create_app

SUITE = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "w3c-sparql11-protocol-tests"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
RESULT_MEDIA = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
                "text/csv": "csv", "text/tab-separated-values": "tsv"}
RDF_MEDIA = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
             "application/ld+json": "json-ld"}
STATUS_CODES = {"OK": 200, "Created": 201, "NoContent": 204}


def manifest(name: str) -> Graph:
    path = SUITE / name / "manifest.ttl"
    if not path.is_file():
        pytest.skip(f"the W3C protocol tests are not at {SUITE} (../shared/corpus beside the project)")
    return Graph().parse(path, format="turtle")


def entries(graph: Graph) -> list[URIRef]:
    root = graph.value(predicate=RDF.type, object=MF.Manifest)
    return list(Collection(graph, graph.value(root, MF.entries)))


def protocol_cases() -> list:
    if not (SUITE / "protocol" / "manifest.ttl").is_file():
        return [pytest.param(None, id="suite-absent")]
    graph = manifest("protocol")
    return [pytest.param(test, id=str(test).rsplit("#", 1)[-1]) for test in entries(graph)]


@pytest.fixture(scope="module")
def suite_graph() -> Graph:
    return manifest("protocol")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory, serve, free_port, suite_graph):
    """The manifest's test data (data1–3, each in the named graph its label gives), served."""
    nquads = []
    for data in sorted(set(suite_graph.objects(None, UT.graphData))):
        source, name = suite_graph.value(data, UT.graph), suite_graph.value(data, RDFS_LABEL)
        text = (SUITE / "protocol" / Path(str(source)).name).read_text(encoding="utf-8")
        nquads += [line.rstrip(" .\n") + f" <{name}> .\n" for line in text.splitlines() if line.strip()]
    path = tmp_path_factory.mktemp("protocol-store")
    store = Store(path)
    store.replace_graphs([], "".join(sorted(set(nquads))))
    store.flush()
    del store
    port = free_port()
    with serve(create_app(Settings(store=path, base_uri=f"http://127.0.0.1:{port}/")), port) as root:
        yield root.rstrip("/")


def requests_of(graph: Graph, test: URIRef) -> list:
    action = graph.value(test, MF.action)
    return list(Collection(graph, graph.value(action, HT.requests)))


def send(client: httpx.Client, graph: Graph, request) -> httpx.Response:
    path = str(graph.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
    headers = {}
    header_list = graph.value(request, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):
            headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
    body = graph.value(request, HT.body)
    content = None
    if body is not None:
        encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
        content = str(graph.value(body, CNT.chars)).encode(encoding)
    return client.request(str(graph.value(request, HT.methodName)), path, content=content, headers=headers)


def is_update(graph: Graph, request) -> bool:
    path = str(graph.value(request, HT.absolutePath))
    header_list = graph.value(request, HT.headers)
    types = [str(graph.value(h, HT.fieldValue)) for h in Collection(graph, header_list)] if header_list else []
    body = graph.value(request, HT.body)
    chars = str(graph.value(body, CNT.chars)) if body is not None else ""
    return ("update=" in path or "update=" in chars or "using-" in path
            or any(t.startswith("application/sparql-update") for t in types))


def expected_statuses(graph: Graph, response_node) -> set[str]:
    return {str(s).rsplit("#", 1)[-1] for s in graph.objects(response_node, MF.expectedStatus)}


def status_matches(code: int, expected: set[str]) -> bool:
    for name in expected:
        if name.startswith("StatusCode") and str(code)[0] == name[len("StatusCode")]:
            return True
        if STATUS_CODES.get(name) == code:
            return True
    return False


def check_format(response: httpx.Response, expected_format: str) -> Graph | Result | None:
    media = response.headers["content-type"].split(";")[0].strip()
    if expected_format in ("boolean", "tabular"):
        assert media in RESULT_MEDIA, media
        if RESULT_MEDIA[media] in ("json", "xml"):
            return Result.parse(io.BytesIO(response.content), format=RESULT_MEDIA[media])
        return None
    assert media in RDF_MEDIA, media
    return Graph().parse(data=response.content, format=RDF_MEDIA[media])


@pytest.mark.parametrize("test", protocol_cases())
def test_protocol(endpoint, suite_graph, test):
    graph = suite_graph
    updated = False
    with httpx.Client(base_url=endpoint, timeout=30) as client:
        for request in requests_of(graph, test):
            response = send(client, graph, request)
            expected = graph.value(request, HT.resp)
            statuses = expected_statuses(graph, expected)
            if is_update(graph, request):
                updated = True
                assert 400 <= response.status_code < 500, response.text
                if status_matches(200, statuses):  # a valid update: what a read-only endpoint answers
                    assert response.status_code == 403 and "read-only" in response.text
                continue
            assert status_matches(response.status_code, statuses), (response.status_code, statuses, response.text)
            expected_format = graph.value(expected, MF.expectedFormat)
            if expected_format is not None:
                result = check_format(response, str(expected_format))
                boolean = graph.value(expected, MF.expectedBoolean)
                if boolean is not None:
                    # After a refused update, nothing it would have written exists.
                    assert result.askAnswer is (False if updated else boolean.toPython())
            if 400 <= response.status_code < 500:
                assert response.headers["content-type"].startswith("text/plain") and response.text.strip()


# --- Service Description ----------------------------------------------------------------------------


def service_description_cases() -> list:
    if not (SUITE / "service-description" / "manifest.ttl").is_file():
        return [pytest.param(None, id="suite-absent")]
    return [pytest.param(str(t).rsplit("#", 1)[-1], id=str(t).rsplit("#", 1)[-1])
            for t in entries(manifest("service-description"))]


@pytest.mark.parametrize("name", service_description_cases())
def test_service_description(endpoint, name):
    manifest("service-description")
    response = httpx.get(endpoint + "/sparql", headers={"Accept": "text/turtle"})
    if name == "returns-rdf":
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
        assert len(Graph().parse(data=response.text, format="turtle")) > 0
        return
    graph = Graph().parse(data=response.text, format="turtle")
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    service = services[0]
    if name == "has-endpoint-triple":
        assert (service, SD.endpoint, URIRef(endpoint + "/sparql")) in graph
    elif name == "conforms-to-schema":
        # The shape the Service Description vocabulary gives: a language, result formats from the W3C's
        # format IRIs, a default dataset with a default graph.
        assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
        formats = {str(f) for f in graph.objects(service, SD.resultFormat)}
        assert {"http://www.w3.org/ns/formats/SPARQL_Results_JSON", "http://www.w3.org/ns/formats/SPARQL_Results_XML",
                "http://www.w3.org/ns/formats/SPARQL_Results_CSV", "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
                "http://www.w3.org/ns/formats/Turtle"} <= formats
        dataset = graph.value(service, SD.defaultDataset)
        assert (dataset, RDF.type, SD.Dataset) in graph
        assert (graph.value(dataset, SD.defaultGraph), RDF.type, SD.Graph) in graph
        assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    else:
        pytest.fail(f"a Service Description test this runner does not know: {name}")
