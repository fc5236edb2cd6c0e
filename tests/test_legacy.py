"""Vietnamese text: tone marks stacked out of order, and the legacy encodings TCVN3 (ABC) and VNI.

../shared/corpus/legacy-vietnamese-encodings holds real strings from Library of Congress records,
line-aligned in Unicode and in each legacy encoding (spelt in Latin-1 letters, as such text reaches us).
"""

from __future__ import annotations

import unicodedata

import pytest

from lod.convert import Converter
from lod.legacy import decode, is_syllable, repair, repair_fields
from lod.mapping.fields import FieldView
from lod.readers import read_path
from lod.records import SourceRecord
from lod.text import nfc
from lod.uris import Minter
from tests.test_ingest import SAMPLES, corpus

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
# The corpus's VNI lines were made with a table that writes ỹ as ì and ỷ as ë; those letters cannot
# come back, so the expected text is read through the same loss.
VNI_TABLE_LOSS = str.maketrans({"ỹ": "ì", "Ỹ": "Ì", "ỷ": "ë", "Ỷ": "Ë"})


def lines(name: str) -> list[str]:
    return (corpus("legacy-vietnamese-encodings") / name).read_text(encoding="utf-8").split("\n")


def aligned(encoding: str) -> list[tuple[str, str]]:
    unicode_lines = lines("loc_vi_strings.utf8-nfc.txt")
    legacy = lines(f"loc_vi_strings.{encoding}.as-latin1-glyphs.utf8.txt")
    assert len(unicode_lines) == len(legacy) > 300
    expected = [nfc(line) for line in unicode_lines]
    if encoding == "vni":
        expected = [line.translate(VNI_TABLE_LOSS) for line in expected]
    return [(want, got) for want, got in zip(expected, legacy, strict=True) if not got.isascii()]


def test_stacked_tone_marks_and_detached_marks_are_repaired():
    assert nfc("Nguye\u0303\u0302n") == "Nguyễn"  # tilde typed before the circumflex
    assert nfc("xua\u0301\u0302t") == "xuất"
    assert nfc("Nha \u0300xuất bản") == "Nhà xuất bản"  # the tone cut off from its vowel by a space
    assert nfc("o\u0323\u0302") == "ộ"


def test_lc_vietnamese_strings_come_out_composed():
    raw = lines("loc_vi_strings.utf8-as-in-loc-record.txt")
    assert sum(1 for line in raw if not unicodedata.is_normalized("NFC", line)) > 300
    repaired = [nfc(line) for line in raw]
    stray = [line for line in repaired if any(unicodedata.combining(ch) for ch in line)]
    assert stray == [], stray[:5]


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_lines_are_repaired_where_certain_and_never_wrongly(encoding):
    pairs = aligned(encoding)
    right = left = 0
    for want, got in pairs:
        text, found, certain = repair(got)
        if certain:
            assert found == encoding
            assert text == want, (got, text, want)
            right += 1
        else:
            assert text == got  # uncertain text is left as it was
            left += 1
    print(f"{encoding}: {right} of {len(pairs)} lines repaired alone, {left} left (too short to be sure)")
    assert right / len(pairs) > 0.85


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_a_record_in_a_legacy_encoding_is_repaired_whole(encoding):
    """In a record, short values (a name, a place) are repaired once the record's encoding is certain."""
    pairs = aligned(encoding)
    right = 0
    for start in range(0, len(pairs), 6):
        group = pairs[start : start + 6]
        fields = {"245": [FieldView("245", subfields=tuple(("a", got) for _, got in group))]}
        notes = repair_fields(fields)
        for (want, _), (_, text) in zip(group, fields["245"][0].subfields, strict=True):
            right += text == want
        assert notes
    assert right / len(pairs) > 0.97


def test_unicode_text_is_never_taken_for_a_legacy_encoding():
    for line in lines("loc_vi_strings.utf8-nfc.txt") + lines("duydev_sample-unicode.txt"):
        text, found, certain = repair(nfc(line))
        assert found is None and not certain, line
    # European text shares the Latin-1 letters both encodings are spelt in
    for line in ("Grüße aus Köln", "Éditions du Seuil, été 1968", "Muñoz, José María", "où l'on fait voir",
                 "Seán McMahon", "Ærø, Øresund"):
        text, _, certain = repair(line)
        assert text == line and not certain, line


def test_syllables():
    for word in ("Nguyễn", "người", "khuỷu", "quốc", "giữ", "hoà", "hòa", "Việt", "THƯ"):
        assert is_syllable(word), word
    for word in ("Nguyeãn", "ViÖt", "Baù", "quoác", "chíên", "Tuaán", "nh©n"):
        assert not is_syllable(word), word


def test_decode_reads_both_encodings():
    assert decode("Ng«i chïa", "tcvn3") == "Ngôi chùa"
    assert decode("Ngoâi chuøa", "vni") == "Ngôi chùa"


def test_sample_records_in_legacy_encodings_are_published_in_unicode():
    found = {}
    for isil, record_id in (("VN-TVVP", "TVVP000931"), ("VN-TVKHTH", "KHTH0002741")):
        record = next(r for r in read_path(SAMPLES / isil) if isinstance(r, SourceRecord) and r.id == record_id)
        conversion = Converter(Minter("http://lod.test/"), isil).convert(record)
        found[isil] = {o.value for _, p, o in conversion.triples if p == RDFS_LABEL}
        assert conversion.notes and all("repaired" in note for note in conversion.notes)
    assert {"Tắt đèn : tiểu thuyết", "Ngô Tất Tố, 1894-1954", "Hà Nội"} <= found["VN-TVVP"]
    assert {"Số đỏ : tiểu thuyết", "Vũ Trọng Phụng, 1912-1939", "Lê Cường"} <= found["VN-TVKHTH"]


def test_sample_record_with_stacked_marks_reads_back_composed():
    record = next(r for r in read_path(SAMPLES / "VN-TVQG") if isinstance(r, SourceRecord) and r.id == "TVQG000120")
    conversion = Converter(Minter("http://lod.test/"), "VN-TVQG").convert(record)
    labels = {o.value for _, p, o in conversion.triples if p == RDFS_LABEL}
    assert "Hồ, Chí Minh, 1890-1969" in labels
    assert "Nhà xuất bản Ngoại văn" in labels
    assert not any(unicodedata.combining(ch) for label in labels for ch in label)
