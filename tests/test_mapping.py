"""The mapping engine and the mappings in mappings/, on records built here."""

from __future__ import annotations

from pathlib import Path

from pymarc import Field, Leader, Record, Subfield

from lod.convert import MAPPINGS, Converter
from lod.mapping.compile import load_mapping
from lod.mapping.functions import isbd, isbn, name
from lod.records import DCValue, SourceRecord
from lod.terms import IRI, Literal, nquads
from lod.uris import Minter

BASE = "http://lod.test/"
BF = "http://id.loc.gov/ontologies/bibframe/"
SDO = "http://schema.org/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def marc(control: str, *fields: Field, leader: str = "00000nam a2200000 a 4500") -> SourceRecord:
    record = Record(leader=Leader(leader))
    record.add_field(Field(tag="001", data=control))
    record.add_field(Field(tag="008", data="190315s2019    vm            000 1 vie d"))
    for f in fields:
        record.add_field(f)
    return SourceRecord("marc", "test.xml", 1, control, marc=record)


def df(tag: str, ind: str, *pairs: str) -> Field:
    subfields = [Subfield(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    return Field(tag=tag, indicators=[ind[0], ind[1]], subfields=subfields)


KIEU = (
    df("020", "  ", "a", "978-604-2-12345-2"),
    df("100", "0 ", "a", "Nguyễn Du,", "d", "1765-1820."),
    df("245", "10", "a", "Truyện Kiều /", "c", "Nguyễn Du ; Đào Duy Anh khảo đính."),
    df("264", " 1", "a", "Hà Nội :", "b", "Văn học,", "c", "2019."),
    df("300", "  ", "a", "320 tr. ;", "c", "21 cm."),
    df("650", " 7", "a", "Văn học Việt Nam", "x", "Truyện thơ", "2", "Bộ TK TVQG"),
    df("700", "0 ", "a", "Đào Duy Anh,", "e", "khảo đính."),
    df("700", "0 ", "a", "Lê Văn Hạ,", "e", "người dịch", "4", "trl"),
    df("852", "  ", "a", "VN-TVQG", "b", "Kho mở", "h", "895.92212", "i", "NG-D", "p", "VV123"),
)


def convert(record: SourceRecord, isil: str = "VN-TVQG"):
    return Converter(Minter(BASE), isil).convert(record)


def objects(triples, s, p) -> list:
    return [o for (ts, tp, o) in triples if ts == s and tp == p]


def test_clean_functions_strip_isbd_punctuation_but_keep_initials():
    assert isbd("Truyện Kiều /") == "Truyện Kiều"
    assert isbd("Hà Nội :") == "Hà Nội"
    assert isbd("2019.") == "2019"
    assert name("Nguyễn Du,") == "Nguyễn Du"
    assert name("Tarbell, H. S.") == "Tarbell, H. S."
    assert isbn("978-604-2-12345-2 (bìa mềm)") == "9786042123452"


def test_every_mapping_file_compiles():
    for files, entities in MAPPINGS.values():
        for name_ in files:
            assert load_mapping(name_, entities).rules


def test_marc_record_becomes_work_instance_and_item_in_vietnamese():
    result = convert(marc("TVQG001", *KIEU))
    t = result.triples
    assert (result.instance, IRI(BF + "instanceOf"), result.work) in t
    assert Literal("Truyện Kiều", "vi") in objects(t, result.instance, RDFS_LABEL)
    titles = objects(t, result.instance, BF + "title")
    assert [o for s in titles for o in objects(t, s, BF + "mainTitle")] == [Literal("Truyện Kiều", "vi")]
    assert IRI(SDO + "Book") in objects(t, result.instance, RDF_TYPE)
    assert "9786042123452" in [o.value for o in objects(t, result.instance, SDO + "isbn")]
    items = objects(t, result.instance, BF + "hasItem")
    assert len(items) == 1
    assert objects(t, items[0], BF + "heldBy") == [IRI(BASE + "id/library/VN-TVQG")]
    assert result.graph == BASE + "graph/record/VN-TVQG/TVQG001"


def test_roles_come_from_codes_and_from_vietnamese_terms():
    result = convert(marc("TVQG001", *KIEU))
    t = result.triples
    roles = {}
    for contribution in objects(t, result.work, BF + "contribution"):
        agent = objects(t, contribution, BF + "agent")[0]
        label = objects(t, agent, RDFS_LABEL)[0].value
        roles[label] = sorted({str(r).rsplit("/", 1)[1] for r in objects(t, contribution, BF + "role")})
    assert roles == {"Nguyễn Du, 1765-1820": ["aut"], "Đào Duy Anh": ["ann"], "Lê Văn Hạ": ["trl"]}
    assert len(objects(t, result.work, SDO + "translator")) == 1
    assert len(objects(t, result.work, SDO + "author")) == 1


def test_no_blank_nodes_and_conversion_is_deterministic():
    first = nquads(convert(marc("TVQG001", *KIEU)).triples, "http://g/")
    second = nquads(convert(marc("TVQG001", *KIEU)).triples, "http://g/")
    assert first == second
    assert "_:" not in first


def test_same_work_from_two_libraries_meets_on_one_uri_with_separate_instances():
    a = convert(marc("TVQG001", *KIEU), "VN-TVQG")
    b = convert(marc("VP-77", *KIEU), "VN-VPC")
    assert a.work == b.work
    assert a.instance != b.instance
    assert a.graph != b.graph


def test_generic_titles_never_merge_works():
    generic = (df("100", "0 ", "a", "Hồ Chí Minh"), df("245", "10", "a", "Toàn tập."))
    a = convert(marc("A1", *generic), "VN-TVQG")
    b = convert(marc("B1", *generic), "VN-VPC")
    assert a.work != b.work


def test_names_differing_only_in_tone_marks_stay_apart():
    a = convert(marc("A1", df("100", "0 ", "a", "Lê Văn Hà"), df("245", "10", "a", "Thơ Hà Nội")))
    b = convert(marc("A2", df("100", "0 ", "a", "Lê Văn Hạ"), df("245", "10", "a", "Thơ Hà Nội")))
    agents_a = {o for s, p, o in a.triples if p == BF + "agent"}
    agents_b = {o for s, p, o in b.triples if p == BF + "agent"}
    assert agents_a and agents_b and not agents_a & agents_b


def test_subject_scheme_from_dollar_2_and_authority_ids_key_agents():
    viaf = df("100", "1 ", "a", "Nguyễn, Du", "0", "(viaf)59084426")
    record = marc("A1", viaf, df("245", "10", "a", "Kiều"), *KIEU[5:6])
    t = convert(record).triples
    assert any(s == BASE + "id/agent/viaf-59084426" for s, _, _ in t)
    subjects = [o for s, p, o in t if p == BF + "subject"]
    assert subjects and all("/id/subject/bo-tk-tvqg-" in s for s in subjects)
    labels = [o.value for s in subjects for o in objects(t, s, RDFS_LABEL)]
    assert labels == ["Văn học Việt Nam--Truyện thơ"]


def test_dublin_core_thesis_maps_to_both_vocabularies():
    values = [
        DCValue("title", "Nghiên cứu địa danh Vĩnh Phúc", "vi"),
        DCValue("contributor.author", "Nguyễn Thị Hoa"),
        DCValue("contributor.advisor", "Trần Văn Nam"),
        DCValue("type", "Luận văn Thạc sĩ"),
        DCValue("date.issued", "2015-06-01"),
        DCValue("language.iso", "vi"),
        DCValue("identifier.uri", "http://repository.vnu.edu.vn/handle/VNU_123/4567"),
    ]
    record = SourceRecord("dc", "items.xml", 1, "oai:repository.vnu.edu.vn:VNU_123/4567", dc=values)
    result = convert(record, "VN-DHQGHN")
    t = result.triples
    assert IRI(SDO + "Thesis") in objects(t, result.instance, RDF_TYPE)
    assert Literal("Nghiên cứu địa danh Vĩnh Phúc", "vi") in objects(t, result.work, SDO + "name")
    assert objects(t, result.instance, SDO + "datePublished") == [Literal("2015")]
    assert objects(t, result.work, BF + "language") == [IRI("http://id.loc.gov/vocabulary/languages/vie")]
    assert len(objects(t, result.work, SDO + "author")) == 1


def test_mappings_folder_is_where_the_engine_reads():
    assert (Path(__file__).resolve().parents[1] / "mappings" / "marc-bibframe.yaml").exists()
