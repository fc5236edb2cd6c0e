"""The reconciliation service end to end, as OpenRefine calls it (W3C Reconciliation Service API 0.2):
a real server over the samples, queries posted as a form, answers read as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from lod.config import Settings
from lod.web.app import create_app
from tests.test_search import add_records, samples_store

BF = "http://id.loc.gov/ontologies/bibframe/"
WORK, INSTANCE, AGENT, TOPIC = (BF + name for name in ("Work", "Instance", "Agent", "Topic"))


@pytest.fixture(scope="module")
def root(tmp_path_factory, serve, free_port) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("reconcile-site")
    store = samples_store(folder / "store")
    add_records(store, folder / "in", "VN-TVVP", {"id": "MARKUP2", "title": "<i>Sổ tay</i> & ghi chép"})
    del store  # the server opens it read-write: release RocksDB's lock first
    port = free_port()
    with serve(create_app(Settings(store=folder / "store", base_uri=f"http://127.0.0.1:{port}/")), port) as url:
        yield url


@pytest.fixture()
def client(root) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=root, timeout=30) as c:
        yield c


def reconcile(client: httpx.Client, **queries: dict) -> dict:
    response = client.post("/reconcile", data={"queries": json.dumps(queries, ensure_ascii=False)})
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    return {key: answer["result"] for key, answer in response.json().items()}


def test_manifest(client, root):
    manifest = client.get("/reconcile").json()
    assert "0.2" in manifest["versions"]
    assert manifest["identifierSpace"] == root + "id/"
    assert {t["id"] for t in manifest["defaultTypes"]} == {WORK, INSTANCE, AGENT, TOPIC}
    assert manifest["view"]["url"] == root + "id/{{id}}"
    assert manifest["preview"]["url"].startswith(root + "reconcile/preview?id=")
    for kind in ("entity", "type", "property"):
        service = manifest["suggest"][kind]
        assert client.get(service["service_url"] + service["service_path"], params={"prefix": "a"}).status_code == 200


def test_jsonp_and_its_guard(client):
    answer = client.get("/reconcile", params={"callback": "jQuery123_456"})
    assert answer.headers["content-type"].startswith("application/javascript")
    assert answer.text.startswith("/**/jQuery123_456(") and answer.text.endswith(");")
    assert client.get("/reconcile", params={"callback": "alert(1)//"}).status_code == 400


def test_agents_in_any_name_order_and_spelling(client, root):
    results = reconcile(client,
                        q0={"query": "Nguyễn, Du", "type": AGENT},
                        q1={"query": "nguyen du", "type": AGENT},
                        q2={"query": "Tô Hoài", "type": AGENT, "limit": 5})
    for key in ("q0", "q1"):
        top = results[key][0]
        assert top["name"] == "Nguyễn Du" and top["match"] is True
        assert top["type"][0]["id"] == AGENT and top["id"].startswith("agent/")
    # typed with the diacritics of the record: a perfect score; folded only: a little less
    assert results["q0"][0]["score"] == 100 and results["q1"][0]["score"] < 100
    # two agents carry the same name (one from an authority record): nothing to match unattended
    names = [r["name"] for r in results["q2"]]
    assert names[:2] == ["Tô Hoài", "Tô Hoài"] and results["q2"][0]["match"] is False
    # an identifier is a path in the identifier space: followed, it is the resource
    with httpx.Client(timeout=30) as crawler:
        assert crawler.get(root + "id/" + results["q0"][0]["id"]).status_code == 303


def test_works(client):
    by_author = [{"pid": "author", "v": "Trần Trọng Kim"}]
    results = reconcile(client, q0={"query": "truyen kieu", "type": WORK},
                        q1={"query": "Việt Nam sử lược", "type": WORK, "properties": by_author})
    assert results["q0"][0]["name"] == "Truyện Kiều" and results["q0"][0]["match"]
    assert results["q0"][0]["score"] > results["q0"][1]["score"]
    assert results["q1"][0]["name"] == "Việt Nam sử lược" and results["q1"][0]["match"]


def test_bibliographic_records_by_isbn_title_and_author(client):
    """Three libraries hold this ISBN: the library (or nothing) tells them apart."""
    wanted = [{"pid": "isbn", "v": "978-604-1-00069-8"}, {"pid": "author", "v": "Nguyen Nhat Anh"}]
    results = reconcile(
        client,
        anywhere={"query": "Tôi thấy hoa vàng trên cỏ xanh", "type": INSTANCE, "properties": wanted},
        tvqg={"query": "Tôi thấy hoa vàng trên cỏ xanh", "type": INSTANCE,
              "properties": [*wanted, {"pid": "library", "v": "VN-TVQG"}]},
        isbn10={"query": "Toi thay hoa vang tren co xanh", "type": INSTANCE,
                "properties": [{"pid": "isbn", "v": "604-1-00069-8"}, {"pid": "library", "v": "VN-TVKHTH"}]},
        wrong_isbn={"query": "Tôi thấy hoa vàng trên cỏ xanh", "type": INSTANCE,
                    "properties": [{"pid": "isbn", "v": "978-0-300-04051-7"}]},
    )
    anywhere = results["anywhere"]
    assert len([r for r in anywhere if r["score"] >= 90]) == 3 and not any(r["match"] for r in anywhere)
    assert results["tvqg"][0]["match"] and results["tvqg"][0]["id"] == "instance/VN-TVQG-TVQG000101"
    assert results["isbn10"][0]["match"] and results["isbn10"][0]["id"].startswith("instance/VN-TVKHTH-")
    # the title says one book, the ISBN another: neither is matched unattended, and the title alone scores low
    wrong = results["wrong_isbn"]
    assert not any(r["match"] for r in wrong)
    assert all(r["score"] < 50 for r in wrong if r["name"].startswith("Tôi thấy hoa vàng"))


def test_isbn_alone_finds_the_record(client):
    results = reconcile(client, q0={"query": "", "type": INSTANCE,
                                    "properties": [{"pid": "isbn", "v": "0-7493-9711-X"}]})
    assert results["q0"] and all(r["name"] == "The sorrow of war" for r in results["q0"][:3])


def test_types_restrict_and_unknown_types_find_nothing(client):
    results = reconcile(client, subject={"query": "Truyện Kiều", "type": TOPIC},
                        short={"query": "Truyện Kiều", "type": "work"},
                        unknown={"query": "Truyện Kiều", "type": "http://example.org/Car"},
                        untyped={"query": "Truyện Kiều"})
    assert results["subject"] and all(r["type"][0]["id"] == TOPIC for r in results["subject"])
    assert results["short"] and all(r["type"][0]["id"] == WORK for r in results["short"])
    assert results["unknown"] == []
    # untyped, every kind competes; headings that are the name itself come first
    assert {r["type"][0]["id"] for r in results["untyped"]} >= {WORK, INSTANCE, TOPIC}
    assert all(r["name"] == "Truyện Kiều" for r in results["untyped"][:4])


def test_single_query_and_get(client):
    single = client.get("/reconcile", params={"query": "Nguyễn Du"}).json()
    assert single["result"][0]["name"] == "Nguyễn Du"
    batch = client.get("/reconcile", params={"queries": json.dumps({"q0": {"query": "Tắt đèn", "type": WORK}})})
    assert batch.json()["q0"]["result"][0]["name"] == "Tắt đèn"


def test_bad_requests(client):
    assert client.post("/reconcile", data={"queries": "{not json"}).status_code == 400
    assert client.post("/reconcile", data={"queries": json.dumps([1, 2])}).status_code == 400
    too_many = {f"q{i}": {"query": "x"} for i in range(101)}
    assert client.post("/reconcile", data={"queries": json.dumps(too_many)}).status_code == 400
    assert client.post("/reconcile", data={"queries": json.dumps({"q0": {"query": 5}})}).status_code == 400


def test_preview(client):
    top = reconcile(client, q0={"query": "Truyện Kiều", "type": WORK})["q0"][0]
    page = client.get("/reconcile/preview", params={"id": top["id"]})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    # OpenRefine shows it in a frame of its own page: this page, unlike the rest of the site, may be framed
    assert "frame-ancestors *" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in client.get("/search").headers["content-security-policy"]
    assert "Truyện Kiều" in page.text and "Nguyễn Du" in page.text
    # an identifier whose key carries percent-escapes, sent decoded as a client may do
    thesis = reconcile(client, q0={"query": "Dư địa chí", "type": INSTANCE})["q0"][0]
    assert "%" in thesis["id"]
    assert client.get("/reconcile/preview", params={"id": thesis["id"]}).status_code == 200
    from urllib.parse import unquote
    assert client.get("/reconcile/preview", params={"id": unquote(thesis["id"])}).status_code == 200
    assert client.get("/reconcile/preview", params={"id": "work/nothing-here"}).status_code == 404
    # record text is escaped in the preview
    markup = reconcile(client, q0={"query": "Sổ tay ghi chép", "type": INSTANCE})["q0"][0]
    html = client.get("/reconcile/preview", params={"id": markup["id"]}).text
    assert "<i>Sổ tay</i>" not in html and "&lt;i&gt;Sổ tay&lt;/i&gt; &amp; ghi chép" in html


def test_suggest_services(client):
    entities = client.get("/reconcile/suggest/entity", params={"prefix": "nguyen nhat"}).json()["result"]
    assert entities[0]["name"] == "Nguyễn Nhật Ánh" and entities[0]["id"].startswith("agent/")
    works = client.get("/reconcile/suggest/entity", params={"prefix": "de men", "type": WORK}).json()["result"]
    assert works and all(e["id"].startswith("work/") for e in works)
    assert works[0]["notable"][0]["id"] == WORK
    types = client.get("/reconcile/suggest/type", params={"prefix": "tac pham"}).json()["result"]
    assert [t["id"] for t in types] == [WORK]
    properties = client.get("/reconcile/suggest/property", params={"prefix": "tác"}).json()["result"]
    assert [p["id"] for p in properties] == ["author"]
    assert {p["id"] for p in client.get("/reconcile/suggest/property").json()["result"]} >= {"isbn", "author", "year"}
