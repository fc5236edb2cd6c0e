"""MARC 21 to BIBFRAME and Schema.org, area by area of LC's conversion specification, on records built
here and on LC's own test records in ../shared/corpus/marc2bibframe2."""

from __future__ import annotations

import pytest

from lod.convert import Converter
from lod.readers import read_path
from lod.records import SourceRecord
from lod.terms import IRI, Literal
from lod.uris import Minter
from tests.test_ingest import CORPUS
from tests.test_mapping import BASE, BF, RDF_TYPE, RDFS_LABEL, SDO, convert, df, marc, objects

MADS = "http://www.loc.gov/mads/rdf/v1#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
REL = "http://id.loc.gov/vocabulary/relators/"
EDTF = "http://id.loc.gov/datatypes/edtf"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"


def one(triples, s, p):
    found = objects(triples, s, p)
    assert len(found) == 1, (p, found)
    return found[0]


def nodes(triples, s, p, cls=None):
    return [o for o in objects(triples, s, p) if cls is None or IRI(cls) in objects(triples, o, RDF_TYPE)]


def corpus_record(path: str, control: str | None = None) -> SourceRecord:
    folder = CORPUS / "marc2bibframe2"
    if not folder.is_dir():
        pytest.skip("../shared/corpus/marc2bibframe2 is not here (the shared test corpus sits beside the project)")
    for item in read_path(folder / path):
        if isinstance(item, SourceRecord) and (control is None or item.id == control):
            return item
    raise AssertionError(f"no record {control} in {path}")


def test_isbd_punctuation_is_stripped_from_every_value():
    result = convert(marc("P1", df("245", "10", "a", "Truyện Kiều :", "b", "bản mới /", "c", "Nguyễn Du."),
                          df("260", "  ", "a", "H. :", "b", "Văn học,", "c", "2019."),
                          df("300", "  ", "a", "320 tr. ;", "c", "21 cm.")))
    t = result.triples
    title = one(t, result.instance, BF + "title")
    assert one(t, title, BF + "mainTitle") == Literal("Truyện Kiều", "vi")
    assert one(t, title, BF + "subtitle") == Literal("bản mới", "vi")
    provision = nodes(t, result.instance, BF + "provisionActivity", BF + "Publication")
    labels = {o.value for p in provision for a in objects(t, p, BF + "agent") for o in objects(t, a, RDFS_LABEL)}
    assert labels == {"Văn học"}
    assert Literal("21 cm") in objects(t, result.instance, BF + "dimensions")


def test_008_gives_dates_place_language_audience_and_nature_of_contents():
    # a book, 1983 reprint of 1950 ("r"), Connecticut, juvenile (j), bibliographies (b) and dictionary (d)
    fixed = list("830101r19831950ctu" + " " * 22)
    fixed[22], fixed[24], fixed[25], fixed[33], fixed[35:38] = "j", "b", "d", "1", "eng"
    fixed = "".join(fixed)
    assert len(fixed) == 40
    record = marc("F1", df("245", "10", "a", "A title"), leader="00000nam a2200000 a 4500")
    record.marc.remove_fields("008")
    from pymarc import Field

    record.marc.add_field(Field(tag="008", data=fixed))
    result = convert(record)
    t = result.triples
    coded = [p for p in objects(t, result.instance, BF + "provisionActivity") if p.endswith("#provision-coded")]
    assert objects(t, coded[0], BF + "date") == [Literal("1983", None, EDTF)]
    assert objects(t, coded[0], BF + "place") == [IRI("http://id.loc.gov/vocabulary/countries/ctu")]
    assert IRI("http://id.loc.gov/vocabulary/languages/eng") in objects(t, result.work, BF + "language")
    assert objects(t, result.work, BF + "intendedAudience") == [IRI("http://id.loc.gov/vocabulary/maudience/juv")]
    genres = set(objects(t, result.work, BF + "genreForm"))
    assert {IRI("http://id.loc.gov/vocabulary/marcgt/bib"), IRI("http://id.loc.gov/vocabulary/marcgt/dic"),
            IRI("http://id.loc.gov/vocabulary/marcgt/fic")} <= genres
    # coded values carry labels in both languages for the pages
    assert Literal("thiếu nhi và thanh thiếu niên", "vi") in objects(
        t, IRI("http://id.loc.gov/vocabulary/maudience/juv"), RDFS_LABEL)


def test_serial_008_gives_frequency_and_type():
    from pymarc import Field

    record = marc("S1", df("245", "00", "a", "Tạp chí Thư viện Việt Nam"), leader="00000nas a2200000 a 4500")
    record.marc.remove_fields("008")
    record.marc.add_field(Field(tag="008", data="050101c20059999vm bx p       0   a0vie d"))
    result = convert(record)
    t = result.triples
    assert objects(t, result.instance, BF + "frequency") == [IRI("http://id.loc.gov/vocabulary/frequencies/bmn")]
    assert IRI("http://id.loc.gov/vocabulary/marcgt/per") in objects(t, result.work, BF + "genreForm")
    assert IRI(SDO + "Periodical") in objects(t, result.instance, RDF_TYPE)
    coded = [p for p in objects(t, result.instance, BF + "provisionActivity") if p.endswith("#provision-coded")]
    assert objects(t, coded[0], BF + "date") == [Literal("2005/..", None, EDTF)]


def test_content_media_and_carrier_types_from_codes_or_vietnamese_terms():
    result = convert(marc("C1", df("245", "10", "a", "Sách"),
                          df("336", "  ", "a", "văn bản", "2", "rdacontent"),
                          df("337", "  ", "a", "không qua thiết bị trung gian", "b", "n", "2", "rdamedia"),
                          df("338", "  ", "b", "nc", "2", "rdacarrier")))
    t = result.triples
    assert objects(t, result.work, BF + "content") == [IRI("http://id.loc.gov/vocabulary/contentTypes/txt")]
    assert objects(t, result.instance, BF + "media") == [IRI("http://id.loc.gov/vocabulary/mediaTypes/n")]
    assert IRI("http://id.loc.gov/vocabulary/carriers/nc") in objects(t, result.instance, BF + "carrier")
    assert IRI(BF + "Carrier") in objects(t, IRI("http://id.loc.gov/vocabulary/carriers/nc"), RDF_TYPE)


def test_vietnamese_relator_terms_become_relator_codes():
    terms = {"chủ biên.": "edt", "dịch.": "trl", "biên soạn": "com", "người hướng dẫn khoa học": "ths"}
    fields = [df("700", "0 ", "a", f"Người {n}", "e", term) for n, term in enumerate(terms)]
    fields.append(df("700", "0 ", "a", "Trần Văn Giáp", "e", "biên soạn, dịch"))
    result = convert(marc("R1", df("245", "10", "a", "Tuyển tập"), *fields))
    t = result.triples
    roles = {}
    for contribution in objects(t, result.work, BF + "contribution"):
        agent = one(t, contribution, BF + "agent")
        roles[one(t, agent, RDFS_LABEL).value] = {str(r)[len(REL):] for r in objects(t, contribution, BF + "role")}
    assert roles == {**{f"Người {n}": {code} for n, code in enumerate(terms.values())},
                     "Trần Văn Giáp": {"com", "trl"}}
    # Schema.org: a property of its own where one fits, a Role naming the relator otherwise
    assert len(objects(t, result.work, SDO + "editor")) == 1
    assert len(objects(t, result.work, SDO + "translator")) == 2
    role_nodes = nodes(t, result.work, SDO + "contributor", SDO + "Role")
    named = {str(r)[len(REL):] for node in role_nodes for r in objects(t, node, SDO + "roleName")}
    assert {"com", "ths"} <= named


def test_names_keep_their_order_and_split_only_at_the_cataloguers_comma():
    direct = convert(marc("N1", df("100", "0 ", "a", "Nguyễn Nhật Ánh,", "d", "1955-"),
                          df("245", "10", "a", "Mắt biếc")))
    inverted = convert(marc("N2", df("100", "1 ", "a", "Nguyễn, Du,", "d", "1765-1820."),
                            df("245", "10", "a", "Truyện Kiều")))
    t = direct.triples
    agent = one(t, one(t, direct.work, SDO + "author"), SDO + "name")
    assert agent == Literal("Nguyễn Nhật Ánh")
    person = one(t, direct.work, SDO + "author")
    assert objects(t, person, SDO + "familyName") == [] and objects(t, person, SDO + "givenName") == []
    assert objects(t, person, SDO + "birthDate") == [Literal("1955")]
    t = inverted.triples
    person = one(t, inverted.work, SDO + "author")
    assert objects(t, person, SDO + "familyName") == [Literal("Nguyễn")]
    assert objects(t, person, SDO + "deathDate") == [Literal("1820")]


def test_880_parallel_script_lands_on_the_same_title_and_agent_tagged_with_its_script():
    record = marc(
        "880A",
        df("100", "1 ", "6", "880-01", "a", "Li, Bai,", "d", "701-762."),
        df("245", "10", "6", "880-02", "a", "Li Bai shi xuan /", "c", "Li Bai zhu."),
        df("880", "1 ", "6", "100-01/$1", "a", "李白,", "d", "701-762."),
        df("880", "10", "6", "245-02/$1", "a", "李白诗选 /", "c", "李白著."),
    )
    record.marc.remove_fields("008")
    from pymarc import Field

    record.marc.add_field(Field(tag="008", data="190315s2019    cc            000 1 chi d"))
    result = convert(record)
    t = result.triples
    title = one(t, result.instance, BF + "title")
    assert set(objects(t, title, BF + "mainTitle")) == {
        Literal("Li Bai shi xuan", "zh-latn"), Literal("李白诗选", "zh-hani")}
    agents = {o for s, p, o in t if p == BF + "agent" and "contribution" in s}
    assert len(agents) == 1
    assert set(objects(t, agents.pop(), RDFS_LABEL)) == {
        Literal("Li, Bai, 701-762"), Literal("李白, 701-762", "zh-hani")}


def test_corpus_880_record_gives_russian_and_japanese_alternates():
    record = corpus_record("ConvSpec-880/marc.xml", "1")
    t = Converter(Minter(BASE), "VN-TEST").convert(record).triples
    tags = {o.lang for _, _, o in t if isinstance(o, Literal) and o.lang and "-" in o.lang}
    assert any(tag.endswith("-cyrl") for tag in tags) and any(tag.endswith(("-hani", "-jpan")) for tag in tags)


def test_uniform_titles_and_name_title_entries_become_related_works():
    result = convert(marc("U1", df("100", "0 ", "a", "Nguyễn Du,", "d", "1765-1820."),
                          df("240", "10", "a", "Truyện Kiều.", "l", "English"),
                          df("245", "14", "a", "The tale of Kiều"),
                          df("700", "02", "a", "Nguyễn Du,", "d", "1765-1820.", "t", "Văn chiêu hồn.")))
    t = result.triples
    uniform = [n for n in objects(t, result.work, BF + "title") if "#uniform-title-" in n]
    assert [one(t, n, BF + "mainTitle") for n in uniform] == [Literal("Truyện Kiều. English")]
    assert IRI("http://id.loc.gov/vocabulary/languages/eng") in objects(t, result.work, BF + "language")
    relation = one(t, result.work, BF + "relation")
    assert IRI("http://id.loc.gov/vocabulary/relationship/part") in objects(t, relation, BF + "relationship")
    related = one(t, relation, BF + "associatedResource")
    assert "/id/work/" in related and one(t, related, RDFS_LABEL) == Literal("Nguyễn Du, 1765-1820. Văn chiêu hồn")
    assert objects(t, result.work, SDO + "hasPart") == [related]


def test_series_from_490_and_830():
    result = convert(marc("S2", df("245", "10", "a", "Sách"),
                          df("490", "1 ", "a", "Tủ sách Tuổi thơ ;", "v", "12"),
                          df("830", " 0", "a", "Tủ sách Tuổi thơ ;", "v", "12.", "x", "1859-0713")))
    t = result.triples
    assert objects(t, result.instance, BF + "seriesStatement") == [Literal("Tủ sách Tuổi thơ", "vi")]
    relation = one(t, result.work, BF + "relation")
    assert objects(t, relation, BF + "relationship") == [IRI("http://id.loc.gov/vocabulary/relationship/series")]
    series = one(t, relation, BF + "associatedResource")
    assert series == IRI(BASE + "id/work/issn-1859-0713")
    assert IRI(BF + "Series") in objects(t, series, RDF_TYPE)
    assert objects(t, result.work, SDO + "isPartOf") == [series]


def test_subjects_keep_scheme_subdivisions_and_a_mads_component_list():
    result = convert(marc("H1", df("245", "10", "a", "Sách"),
                          df("650", " 0", "a", "Libraries", "z", "Vietnam", "v", "Directories.",
                             "0", "(DLC)sh 85076502")))
    t = result.triples
    subject = one(t, result.work, BF + "subject")
    assert subject == IRI(BASE + "id/subject/lc-sh85076502")
    assert objects(t, subject, OWL_SAME_AS) == [IRI("http://id.loc.gov/authorities/subjects/sh85076502")]
    assert IRI(MADS + "ComplexSubject") in objects(t, subject, RDF_TYPE)
    assert one(t, subject, BF + "source") == IRI("http://id.loc.gov/vocabulary/subjectSchemes/lcsh")
    cell, labels, kinds = one(t, subject, MADS + "componentList"), [], []
    while cell != IRI(RDF + "nil"):
        component = one(t, cell, RDF + "first")
        labels.append(one(t, component, MADS + "authoritativeLabel").value)
        kinds.append(str(one(t, component, RDF_TYPE))[len(MADS):])
        cell = one(t, cell, RDF + "rest")
    assert labels == ["Libraries", "Vietnam", "Directories"]
    assert kinds == ["Topic", "Geographic", "GenreForm"]


def test_keywords_are_one_subject_each_and_genre_form_is_kept():
    result = convert(marc("K1", df("245", "10", "a", "Sách"),
                          df("653", "  ", "a", "Văn học", "a", "Truyện ngắn"),
                          df("655", " 7", "a", "Truyện ngắn", "2", "Bộ TK TVQG")))
    t = result.triples
    subjects = objects(t, result.work, BF + "subject")
    assert sorted(one(t, s, RDFS_LABEL).value for s in subjects) == ["Truyện ngắn", "Văn học"]
    genres = [g for g in objects(t, result.work, BF + "genreForm") if "/id/subject/" in g]
    assert [one(t, g, RDFS_LABEL) for g in genres] == [Literal("Truyện ngắn")]


def test_classification_numbers_by_scheme():
    result = convert(marc("D1", df("245", "10", "a", "Sách"),
                          df("050", "00", "a", "PL4378.9.N5", "b", "T3 2019"),
                          df("080", "  ", "a", "821.922"),
                          df("082", "04", "a", "895.922/334", "2", "23"),
                          df("084", "  ", "a", "V23", "2", "bbk")))
    t = result.triples
    by_type = {str(c)[len(BF):]: one(t, n, BF + "classificationPortion").value
               for n in objects(t, result.work, BF + "classification") for c in objects(t, n, RDF_TYPE)}
    assert by_type == {"ClassificationLcc": "PL4378.9.N5", "ClassificationUdc": "821.922",
                       "ClassificationDdc": "895.922334", "Classification": "V23"}


def test_holdings_become_items_held_by_the_library():
    result = convert(marc("I1", df("245", "10", "a", "Sách"),
                          df("852", "  ", "a", "VN-TVQG", "b", "Kho mở", "h", "895.92", "i", "NG-D", "p", "VV1"),
                          df("876", "  ", "p", "VV2", "z", "Bản đẹp")))
    t = result.triples
    items = objects(t, result.instance, BF + "hasItem")
    assert len(items) == 2
    for item in items:
        assert objects(t, item, BF + "heldBy") == [IRI(BASE + "id/library/VN-TVQG")]
        assert objects(t, item, BF + "itemOf") == [result.instance]
    barcodes = {one(t, b, RDF + "value").value for i in items for b in objects(t, i, BF + "identifiedBy")}
    assert barcodes == {"VV1", "VV2"}
    assert len(objects(t, result.instance, SDO + "offers")) == 1


def test_856_links_and_digitised_copies_are_told_apart():
    result = convert(marc("E1", df("245", "10", "a", "Sách"),
                          df("856", "40", "u", "https://example.vn/book"),
                          df("856", "41", "3", "Bản số hóa", "u", "https://example.vn/scan.pdf",
                             "q", "application/pdf"),
                          df("856", "42", "3", "Mục lục", "u", "https://example.vn/toc")))
    t = result.triples
    assert objects(t, result.instance, BF + "electronicLocator") == [IRI("https://example.vn/book")]
    digital = one(t, result.instance, BF + "hasReproduction")
    assert {IRI(BF + "Instance"), IRI(BF + "Electronic")} <= set(objects(t, digital, RDF_TYPE))
    assert objects(t, digital, BF + "electronicLocator") == [IRI("https://example.vn/scan.pdf")]
    media = one(t, result.instance, SDO + "associatedMedia")
    assert objects(t, media, SDO + "contentUrl") == [IRI("https://example.vn/scan.pdf")]
    related = one(t, result.instance, BF + "supplementaryContent")
    assert objects(t, related, RDFS_LABEL) == [Literal("Mục lục")]


def test_authority_numbers_become_sameas_links_and_keys():
    result = convert(marc("A1", df("100", "1 ", "a", "Hồ, Chí Minh,", "d", "1890-1969.",
                                   "0", "(viaf)39374649", "1", "http://www.wikidata.org/entity/Q36014"),
                          df("245", "10", "a", "Nhật ký trong tù"),
                          df("700", "1 ", "a", "Palmer, Aileen.", "0", "(isni)0000 0000 1234 5678")))
    t = result.triples
    agent = IRI(BASE + "id/agent/viaf-39374649")
    assert set(objects(t, agent, OWL_SAME_AS)) == {
        IRI("http://viaf.org/viaf/39374649"), IRI("http://www.wikidata.org/entity/Q36014")}
    assert any(s == IRI(BASE + "id/agent/isni-0000000012345678") for s, _, _ in t)


def test_notes_are_typed():
    result = convert(marc("T1", df("245", "10", "a", "Luận văn"),
                          df("500", "  ", "a", "Đầu trang tên sách ghi: Đại học Quốc gia Hà Nội."),
                          df("502", "  ", "b", "Thạc sĩ", "c", "Đại học Khoa học Xã hội và Nhân văn", "d", "2015."),
                          df("504", "  ", "a", "Thư mục: tr. 120-125."),
                          df("505", "0 ", "a", "Chương 1. Tổng quan -- Chương 2. Kết quả."),
                          df("546", "  ", "a", "Chính văn bằng tiếng Việt, tóm tắt tiếng Anh.")))
    t = result.triples
    note_types = {one(t, n, BF + "noteType").value for n in objects(t, result.instance, BF + "note")}
    assert {"general", "bibliography"} <= note_types
    dissertation = one(t, result.work, BF + "dissertation")
    assert one(t, dissertation, BF + "degree") == Literal("Thạc sĩ")
    assert IRI(SDO + "Thesis") in objects(t, result.work, RDF_TYPE)
    assert one(t, result.instance, BF + "tableOfContents")
    assert one(t, one(t, result.work, BF + "note"), BF + "noteType") == Literal("language")


def test_linking_entries_become_related_resources():
    result = convert(marc(
        "L1", df("245", "00", "a", "Tạp chí mới"),
        df("780", "00", "t", "Tạp chí cũ", "x", "0866-7004"),
        df("773", "0 ", "t", "Kỷ yếu hội thảo", "g", "tr. 10-20"),
        df("765", "0 ", "a", "Austen, Jane.", "t", "Pride and prejudice", "w", "(OCoLC)12345")))
    t = result.triples
    found = {}
    for relation in objects(t, result.work, BF + "relation"):
        kinds = [str(r).rsplit("/", 1)[1] for r in objects(t, relation, BF + "relationship") if "/relationship/" in r]
        found[kinds[0]] = one(t, relation, BF + "associatedResource")
    assert set(found) == {"continuationof", "partof", "translationof"}
    assert found["continuationof"] == IRI(BASE + "id/work/issn-0866-7004")
    assert found["translationof"] == IRI(BASE + "id/work/rec-ocolc-12345")
    assert objects(t, result.work, SDO + "translationOfWork") == [found["translationof"]]


def test_lc_test_records_convert_area_by_area():
    folder = CORPUS / "marc2bibframe2"
    if not folder.is_dir():
        pytest.skip("../shared/corpus/marc2bibframe2 is not here (the shared test corpus sits beside the project)")
    converter = Converter(Minter(BASE), "VN-TEST")
    areas = sorted(p for p in folder.glob("ConvSpec-*") if p.is_dir())
    assert len(areas) >= 15
    for area in areas:
        records = [r for r in read_path(area) if isinstance(r, SourceRecord) and r.id]
        assert records, area
        for record in records:
            triples = converter.convert(record).triples
            assert len(triples) > 5, (area.name, record.id)
