"""Records marked restricted are never published: not in SPARQL, pages, dumps or the journal's feeds."""

from __future__ import annotations

import gzip

import httpx
import pytest
from pymarc import Field, Leader, Record, Subfield, record_to_xml

from lod.config import Settings
from lod.dumps import write_dumps
from lod.ingest import ingest
from lod.store import Store
from lod.uris import Minter
from lod.web.app import create_app

SECRET = "Hồ sơ mật quốc phòng"
PUBLIC = "Lịch sử Vĩnh Phúc"


def marc(control: str, title: str, restricted: bool) -> str:
    record = Record(leader=Leader("00000nam a2200000 a 4500"))
    record.add_field(Field(tag="001", data=control))
    record.add_field(Field(tag="245", indicators=["1", "0"], subfields=[Subfield("a", title)]))
    if restricted:
        record.add_field(Field(tag="506", indicators=["1", " "], subfields=[Subfield("a", "Hạn chế truy cập")]))
    return record_to_xml(record).decode("utf-8")


def write(path, records) -> None:
    body = "".join(marc(*r) for r in records)
    path.write_text(f'<collection xmlns="http://www.loc.gov/MARC21/slim">{body}</collection>', encoding="utf-8")


@pytest.fixture
def store_with_secret(tmp_path):
    path = tmp_path / "store"
    store = Store(path)
    minter = Minter("http://127.0.0.1:8000/")
    source = tmp_path / "records.xml"
    write(source, [("P1", PUBLIC, False), ("S1", SECRET, True), ("S2", "Trước công khai, sau hạn chế", False)])
    ingest([source], "VN-SEC", store, minter)
    write(source, [("P1", PUBLIC, False), ("S1", SECRET, True), ("S2", "Trước công khai, sau hạn chế", True)])
    report = ingest([source], "VN-SEC", store, minter)
    assert report.restricted == 2
    return path


def test_restricted_records_leave_no_triples(store_with_secret):
    store = Store(store_with_secret, read_only=True)
    assert not [g for g in store.graphs() if g.endswith(("/S1", "/S2"))]
    rows = list(store.query('SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), "mật")) }'))
    assert rows == []


def test_restricted_records_are_gone_from_the_journal_and_its_feeds(store_with_secret):
    store = Store(store_with_secret, read_only=True)
    assert store.journal.get("VN-SEC", "S1") is None, "a record restricted from the start is never noted"
    became = store.journal.get("VN-SEC", "S2")
    assert became.deleted and became.source is None
    assert [c.action for c in store.journal.changes() if c.record_id == "S2"] == ["create", "delete"]
    public_sources = [e.source for e in store.journal.entries(deleted=False)]
    assert all(SECRET.encode("utf-8") not in (s or b"") for s in public_sources)


def test_restricted_records_are_not_in_dumps(store_with_secret, tmp_path):
    store = Store(store_with_secret, read_only=True)
    for entry in write_dumps(store, tmp_path / "dumps"):
        data = (tmp_path / "dumps" / entry["file"]).read_bytes()
        text = gzip.decompress(data).decode("utf-8") if entry["file"].endswith(".gz") else data.decode("utf-8")
        assert "S1" not in text.replace("P1", "") or "/S1" not in text
        assert SECRET not in text and "hạn chế" not in text


def test_restricted_records_are_not_served(store_with_secret, serve, free_port):
    path = store_with_secret
    port = free_port()
    app = create_app(Settings(store=path, base_uri=f"http://127.0.0.1:{port}/"))
    with serve(app, port) as root:
        with httpx.Client(base_url=root, timeout=30) as client:
            assert client.get("/id/instance/VN-SEC-S1").status_code in (404, 410)
            assert client.get("/id/instance/VN-SEC-S2").status_code in (404, 410)
            assert client.get("/id/instance/VN-SEC-P1").status_code == 303
            found = client.get("/sparql", params={"query": "SELECT ?o WHERE { ?s ?p ?o }"},
                               headers={"Accept": "text/csv"})
            assert found.status_code == 200
            assert PUBLIC in found.text and SECRET not in found.text
            assert SECRET not in client.get("/").text


@pytest.fixture
def served_secret(store_with_secret, serve, free_port):
    port = free_port()
    app = create_app(Settings(store=store_with_secret, base_uri=f"http://127.0.0.1:{port}/"))
    with serve(app, port) as root, httpx.Client(base_url=root, timeout=30) as client:
        yield client


def test_restricted_records_are_not_found_by_search(served_secret):
    public = served_secret.get("/search", params={"q": "lich su vinh phuc"}, headers={"Accept": "application/json"})
    assert public.status_code == 200 and "VN-SEC-P1" in public.text
    for words in ("ho so mat quoc phong", SECRET, "truoc cong khai sau han che"):
        found = served_secret.get("/search", params={"q": words}, headers={"Accept": "application/json"})
        assert found.status_code == 200
        assert "VN-SEC-S1" not in found.text and "VN-SEC-S2" not in found.text


def test_restricted_records_are_not_suggested(served_secret):
    for prefix in ("Hồ sơ mật", "ho so", "Trước công"):
        suggested = served_secret.get("/suggest", params={"q": prefix})
        assert suggested.status_code == 200
        assert SECRET not in suggested.text and "sau hạn chế" not in suggested.text


def test_restricted_records_are_not_harvestable(served_secret):
    listed = served_secret.get("/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    assert listed.status_code == 200
    assert PUBLIC in listed.text and SECRET not in listed.text and "sau hạn chế" not in listed.text
    # the record that was public and became restricted is announced as deleted, with nothing of it
    assert 'status="deleted"' in listed.text
    record = served_secret.get("/oai", params={"verb": "GetRecord", "metadataPrefix": "marcxml",
                                               "identifier": "S1"})
    assert SECRET not in record.text


def test_restricted_records_are_not_in_the_change_feeds(served_secret):
    changes = served_secret.get("/changes/1")
    if changes.status_code == 404:
        changes = served_secret.get("/changes")
    assert changes.status_code == 200
    assert SECRET not in changes.text and "VN-SEC-S1" not in changes.text
    atom = served_secret.get("/feeds/new.atom")
    assert atom.status_code == 200
    assert SECRET not in atom.text and "sau hạn chế" not in atom.text


def test_restricted_records_are_not_counted_in_statistics(served_secret):
    figures = served_secret.get("/stats.json")
    assert figures.status_code == 200
    rows = [row for row in figures.json()["libraries"] if row["isil"] == "VN-SEC"]
    assert rows and rows[0]["records"] == 1 and rows[0]["instances"] == 1
    assert SECRET not in served_secret.get("/stats").text
