"""Writing over HTTP needs the write token; pages carry security headers and escape record text."""

from __future__ import annotations

import httpx
import pytest
from pymarc import Field, Leader, Record, Subfield, record_to_xml

from lod.config import Settings
from lod.web.app import create_app

TOKEN = "s3cret-token-for-tests"
SCRIPT = '<script>alert("xss")</script>'


def marcxml(control: str, title: str, author: str = "Nguyễn Du") -> bytes:
    record = Record(leader=Leader("00000nam a2200000 a 4500"))
    record.add_field(Field(tag="001", data=control))
    record.add_field(Field(tag="100", indicators=["0", " "], subfields=[Subfield("a", author)]))
    record.add_field(Field(tag="245", indicators=["1", "0"], subfields=[Subfield("a", title)]))
    body = record_to_xml(record).decode("utf-8")
    return f'<collection xmlns="http://www.loc.gov/MARC21/slim">{body}</collection>'.encode()


@pytest.fixture
def server(tmp_path, serve, free_port):
    port = free_port()
    app = create_app(Settings(store=tmp_path / "store", base_uri=f"http://127.0.0.1:{port}/", write_token=TOKEN))
    with serve(app, port) as root, httpx.Client(base_url=root, timeout=60) as client:
        yield client


def test_writes_without_the_token_are_refused(server):
    url = "/api/libraries/VN-W/records"
    assert server.post(url, content=marcxml("W1", "Truyện Kiều")).status_code == 401
    wrong = server.post(url, content=marcxml("W1", "Truyện Kiều"), headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert server.delete(f"{url}/W1").status_code == 401
    count = server.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/json"})
    assert count.json()["boolean"] is False


def test_a_token_holder_ingests_and_withdraws(server):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    done = server.post("/api/libraries/VN-W/records", content=marcxml("W1", "Truyện Kiều"), headers=auth)
    assert done.status_code == 200, done.text
    assert done.json()["converted"] == 1
    ask = {"query": 'ASK { ?s ?p ?o FILTER(STR(?o) = "Truyện Kiều") }'}
    assert server.get("/sparql", params=ask, headers={"Accept": "application/json"}).json()["boolean"] is True
    assert server.get("/id/instance/VN-W-W1").status_code == 303
    gone = server.delete("/api/libraries/VN-W/records/W1", headers=auth)
    assert gone.status_code == 200 and gone.json()["withdrawn"] == 1
    assert server.get("/id/instance/VN-W-W1").status_code == 404
    assert server.delete("/api/libraries/VN-W/records/W1", headers=auth).status_code == 404


def test_the_public_endpoint_stays_read_only_with_a_token(server):
    update = server.post("/sparql", data={"update": "INSERT DATA { <http://a> <http://b> <http://c> }"},
                         headers={"Authorization": f"Bearer {TOKEN}"})
    assert update.status_code in (400, 403)


def test_writing_is_off_without_a_configured_token(tmp_path, serve, free_port):
    port = free_port()
    app = create_app(Settings(store=tmp_path / "store", base_uri=f"http://127.0.0.1:{port}/", write_token=None))
    with serve(app, port) as root:
        response = httpx.post(f"{root}api/libraries/VN-W/records", content=marcxml("W1", "Số đỏ"),
                              headers={"Authorization": "Bearer anything"})
        assert response.status_code == 403


def test_record_text_is_escaped_and_pages_carry_security_headers(server):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    posted = server.post("/api/libraries/VN-W/records", content=marcxml("X1", f"Tiêu đề {SCRIPT}", SCRIPT),
                         headers=auth)
    assert posted.status_code == 200 and posted.json()["converted"] == 1
    for path in ("/", "/doc/instance/VN-W-X1.html"):
        page = server.get(path)
        assert page.status_code == 200
        assert SCRIPT not in page.text
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    instance = server.get("/doc/instance/VN-W-X1.html").text
    assert "&lt;script&gt;" in instance


def test_pages_show_a_change_at_once(server):
    """Documents and the labels of linked resources are kept in memory per store version: the first
    request after a write sees it."""
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def post(name: str) -> None:
        record = Record(leader=Leader("00000nam a2200000 a 4500"))
        record.add_field(Field(tag="001", data="W3"))
        record.add_field(Field(tag="100", indicators=["0", " "], subfields=[
            Subfield("a", name), Subfield("0", "http://id.loc.gov/authorities/names/n80000001")]))
        record.add_field(Field(tag="245", indicators=["1", "0"], subfields=[Subfield("a", "Lục Vân Tiên")]))
        body = record_to_xml(record).decode("utf-8")
        collection = f'<collection xmlns="http://www.loc.gov/MARC21/slim">{body}</collection>'.encode()
        assert server.post("/api/libraries/VN-W/records", content=collection, headers=auth).status_code == 200

    post("Nguyễn Đình Chiểu")
    query = {"query": "SELECT ?w WHERE { ?i <http://id.loc.gov/ontologies/bibframe/instanceOf> ?w }"}
    found = server.get("/sparql", params=query, headers={"Accept": "application/sparql-results+json"})
    work = found.json()["results"]["bindings"][0]["w"]["value"].replace(str(server.base_url), "/")
    page = work.replace("/id/", "/doc/", 1)
    before = [server.get(page + ".html").text for _ in range(2)]
    assert before[0] == before[1] and "Nguyễn Đình Chiểu" in before[0]
    post("Nguyễn Đình Chiểu (1822–1888)")
    assert "Nguyễn Đình Chiểu (1822–1888)" in server.get(page + ".html").text
    assert "1822–1888" in server.get(page + ".ttl").text
