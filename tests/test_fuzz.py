"""Bad input never crashes or hangs a reader: every broken record is a reported error, and XML readers
refuse external entities and entity expansion."""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lod.readers import read_path
from lod.records import ReadError, SkippedFile, SourceRecord

SAMPLES = Path(__file__).resolve().parents[1] / "lod" / "samples"
ISO = (SAMPLES / "VN-TVVP" / "records.mrc").read_bytes()
MARCXML = (SAMPLES / "VN-TVQG" / "records.xml").read_bytes()
OAI = (SAMPLES / "VN-DHQGHN" / "oai-listrecords.xml").read_bytes()
FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])


def read_all(path: Path, format: str = "auto") -> list:
    started = time.monotonic()
    items = list(read_path(path, format))
    assert time.monotonic() - started < 10, "a reader took too long over a small file"
    for item in items:
        assert isinstance(item, SourceRecord | ReadError | SkippedFile)
        if isinstance(item, ReadError):
            assert item.reason and item.record >= 1
    return items


def mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for position, value in edits:
        out[position % len(out)] = value
    return bytes(out)


EDITS = st.lists(st.tuples(st.integers(min_value=0, max_value=10**7), st.integers(0, 255)), min_size=1, max_size=40)


@FUZZ
@given(edits=EDITS)
def test_damaged_iso2709_never_crashes(tmp_path_factory, edits):
    path = tmp_path_factory.mktemp("fuzz") / "records.mrc"
    path.write_bytes(mutate(ISO, edits))
    read_all(path, "marc")


@FUZZ
@given(edits=EDITS)
def test_damaged_marcxml_never_crashes(tmp_path_factory, edits):
    path = tmp_path_factory.mktemp("fuzz") / "records.xml"
    path.write_bytes(mutate(MARCXML, edits))
    read_all(path)


@FUZZ
@given(edits=EDITS)
def test_damaged_oai_never_crashes(tmp_path_factory, edits):
    path = tmp_path_factory.mktemp("fuzz") / "oai.xml"
    path.write_bytes(mutate(OAI, edits))
    read_all(path)


@FUZZ
@given(data=st.binary(min_size=0, max_size=4096))
def test_random_bytes_never_crash(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "random.dat"
    path.write_bytes(data)
    read_all(path)
    read_all(path, "marc")


@FUZZ
@given(cut=st.integers(min_value=1, max_value=len(ISO) - 1))
def test_truncated_iso2709_keeps_the_whole_records(tmp_path_factory, cut):
    path = tmp_path_factory.mktemp("fuzz") / "records.mrc"
    path.write_bytes(ISO[:cut])
    items = read_all(path, "marc")
    whole = ISO[:cut].count(b"\x1d")
    assert len([i for i in items if isinstance(i, SourceRecord)]) >= whole - 1


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    xml = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<collection xmlns="http://www.loc.gov/MARC21/slim"><record><leader>00000nam a2200000 a 4500</leader>'
           '<controlfield tag="001">X1</controlfield><datafield tag="245" ind1="1" ind2="0">'
           '<subfield code="a">&x;</subfield></datafield></record></collection>')
    path = tmp_path / "xxe.xml"
    path.write_text(xml)
    for item in read_all(path):
        if isinstance(item, SourceRecord):
            assert "TOP-SECRET" not in str(item.marc)


def test_entity_expansion_bombs_are_refused(tmp_path):
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">'
                                              for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE r [{entities}]>'
           '<collection xmlns="http://www.loc.gov/MARC21/slim"><record><leader>00000nam a2200000 a 4500</leader>'
           '<controlfield tag="001">B1</controlfield><datafield tag="245" ind1="1" ind2="0">'
           '<subfield code="a">&a9;</subfield></datafield></record></collection>')
    path = tmp_path / "bomb.xml"
    path.write_text(xml)
    started = time.monotonic()
    items = read_all(path)
    assert time.monotonic() - started < 5
    for item in items:
        if isinstance(item, SourceRecord):
            assert len(str(item.marc)) < 100_000


def test_an_oversized_xml_record_is_a_clear_error(tmp_path):
    huge = "Truyện Kiều " * 2_000_000  # a 24 MB title
    xml = ('<collection xmlns="http://www.loc.gov/MARC21/slim"><record><leader>00000nam a2200000 a 4500</leader>'
           '<controlfield tag="001">H1</controlfield><datafield tag="245" ind1="1" ind2="0">'
           f'<subfield code="a">{huge}</subfield></datafield></record>'
           '<record><leader>00000nam a2200000 a 4500</leader><controlfield tag="001">H2</controlfield>'
           '<datafield tag="245" ind1="1" ind2="0"><subfield code="a">Số đỏ</subfield></datafield></record>'
           '</collection>')
    path = tmp_path / "huge.xml"
    path.write_text(xml, encoding="utf-8")
    items = read_all(path)
    errors = [i for i in items if isinstance(i, ReadError)]
    records = [i for i in items if isinstance(i, SourceRecord)]
    assert [r.id for r in records] == ["H2"]
    assert errors and errors[0].id in ("H1", None) and "limit" in errors[0].reason
