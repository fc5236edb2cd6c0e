"""The record journal follows ingest: creations, updates, deletions, and nothing for unchanged records."""

from __future__ import annotations

from pymarc import Field, Leader, Record, Subfield, record_to_xml

from lod.ingest import ingest, withdraw
from lod.store import Store
from lod.uris import Minter


def write_marcxml(path, records: list[tuple[str, str, str]]) -> None:
    """records: (control number, title, leader/05 status)."""
    parts = []
    for control, title, status in records:
        record = Record(leader=Leader(f"00000{status}am a2200000 a 4500"))
        record.add_field(Field(tag="001", data=control))
        record.add_field(Field(tag="245", indicators=["1", "0"], subfields=[Subfield("a", title)]))
        parts.append(record_to_xml(record).decode("utf-8"))
    path.write_text('<collection xmlns="http://www.loc.gov/MARC21/slim">' + "".join(parts) + "</collection>",
                    encoding="utf-8")


def test_changes_follow_what_ingest_did(tmp_path):
    store = Store(tmp_path / "store")
    minter = Minter("http://lod.test/")
    file = tmp_path / "records.xml"
    write_marcxml(file, [("A1", "Số đỏ", "n"), ("A2", "Tắt đèn", "n")])
    ingest([file], "VN-X", store, minter)
    ingest([file], "VN-X", store, minter)
    assert [(c.record_id, c.action) for c in store.journal.changes()] == [("A1", "create"), ("A2", "create")]

    write_marcxml(file, [("A1", "Số đỏ : tiểu thuyết", "c"), ("A2", "Tắt đèn", "d")])
    ingest([file], "VN-X", store, minter)
    assert [(c.record_id, c.action) for c in store.journal.changes(after=2)] == [("A1", "update"), ("A2", "delete")]
    assert store.journal.get("VN-X", "A2").deleted
    assert "tiểu thuyết" in store.journal.get("VN-X", "A1").source.decode("utf-8")

    withdraw(store, minter, "VN-X", ["A1"])
    assert store.journal.changes(after=4)[0].action == "delete"
    assert store.journal.counts() == {"VN-X": {"records": 0, "deleted": 2}}
    assert len([e for e in store.journal.entries(library="VN-X", deleted=False)]) == 0


def test_journal_survives_reopening(tmp_path):
    path = tmp_path / "store"
    store = Store(path)
    file = tmp_path / "records.xml"
    write_marcxml(file, [("B1", "Chí Phèo", "n")])
    ingest([file], "VN-Y", store, Minter("http://lod.test/"))
    del store
    reopened = Store(path, read_only=True)
    assert reopened.journal.get("VN-Y", "B1").graph.endswith("/graph/record/VN-Y/B1")
