"""Dublin Core (simple, DCMI terms, DSpace qualified) to BIBFRAME and Schema.org."""

from __future__ import annotations

import pytest

from lod.convert import Converter
from lod.readers import read_path
from lod.records import DCValue, SourceRecord
from lod.terms import IRI, Literal
from lod.uris import Minter
from tests.test_ingest import CORPUS
from tests.test_mapping import BASE, BF, RDF_TYPE, RDFS_LABEL, SDO, convert, objects

RDF_VALUE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#value"
EDTF = "http://id.loc.gov/datatypes/edtf"
REL = "http://id.loc.gov/vocabulary/relators/"


def dc(*values: tuple[str, str] | tuple[str, str, str]) -> SourceRecord:
    return SourceRecord("dc", "items.xml", 1, "oai:repo:1", dc=[DCValue(*v) for v in values])


def identifiers(t, instance) -> dict[str, str]:
    found = {}
    for node in objects(t, instance, BF + "identifiedBy"):
        kinds = [str(c)[len(BF):] for c in objects(t, node, RDF_TYPE)]
        found[kinds[0]] = objects(t, node, RDF_VALUE)[0].value
    return found


def test_dcterms_names_are_read_as_their_dublin_core_elements():
    result = convert(dc(("dcterms.title", "Địa chí Vĩnh Phúc", "vi"), ("dcterms.abstract", "Tóm tắt", "vi"),
                        ("alternative", "Vinh Phuc gazetteer", "en"), ("dcterms.issued", "2012"),
                        ("dcterms.spatial", "Vĩnh Phúc"), ("dcterms.extent", "1024 tr.")))
    t = result.triples
    assert objects(t, result.work, RDFS_LABEL) == [Literal("Địa chí Vĩnh Phúc", "vi")]
    assert objects(t, result.work, SDO + "abstract") == [Literal("Tóm tắt", "vi")]
    assert Literal("Vinh Phuc gazetteer", "en") in objects(t, result.instance, SDO + "alternateName")
    assert objects(t, result.instance, SDO + "numberOfPages") == [Literal("1024", None, "http://www.w3.org/2001/XMLSchema#integer")]
    places = objects(t, result.work, SDO + "spatialCoverage")
    assert [o.value for p in places for o in objects(t, p, SDO + "name")] == ["Vĩnh Phúc"]


def test_types_become_bibframe_and_schema_classes():
    cases = (("Text", "Text", "CreativeWork"), ("Luận án tiến sĩ", "Text", "Thesis"),
             ("StillImage", "StillImage", "ImageObject"), ("Bản đồ", "Cartography", "Map"),
             ("info:eu-repo/semantics/article", "Text", "ScholarlyArticle"), ("Dataset", "Dataset", "Dataset"))
    for value, work_class, schema_class in cases:
        result = convert(dc(("title", "T"), ("type", value)))
        assert IRI(BF + work_class) in objects(result.triples, result.work, RDF_TYPE), value
        assert IRI(SDO + schema_class) in objects(result.triples, result.instance, RDF_TYPE), value


def test_identifiers_urls_handles_dois_isbns_issns():
    result = convert(dc(("title", "T"), ("identifier", "http://hdl.handle.net/1765/315"),
                        ("identifier", "doi:10.5281/zenodo.1234"), ("identifier", "90-9014980-5"),
                        ("identifier", "issn:2583-1887"), ("identifier", "1234567890"),
                        ("identifier", "https://repository.vnu.edu.vn/handle/VNU_123/7301")))
    t = result.triples
    assert identifiers(t, result.instance) == {"Hdl": "1765/315", "Doi": "10.5281/zenodo.1234",
                                                "Isbn": "9090149805", "Issn": "2583-1887"}
    locators = set(objects(t, result.instance, BF + "electronicLocator"))
    assert IRI("https://repository.vnu.edu.vn/handle/VNU_123/7301") in locators
    assert IRI("https://doi.org/10.5281/zenodo.1234") in objects(t, result.instance, SDO + "sameAs")
    # a ten-digit number with a wrong check digit is not taken for an ISBN
    assert "1234567890" not in [o.value for o in objects(t, result.instance, SDO + "isbn")]


def test_languages_are_normalised_and_dates_parsed():
    result = convert(dc(("title", "T"), ("language", "vi_VN"), ("language", "English"), ("language", "fre"),
                        ("date.issued", "01/06/2015"), ("date.created", "1886-1887"),
                        ("date.accessioned", "2023-02-08T03:12:44Z")))
    t = result.triples
    assert {str(o).rsplit("/", 1)[1] for o in objects(t, result.work, BF + "language")} == {"vie", "eng", "fre"}
    assert sorted(o.value for o in objects(t, result.work, SDO + "inLanguage")) == ["en", "fr", "vi"]
    provision = objects(t, result.instance, BF + "provisionActivity")[0]
    assert objects(t, provision, BF + "date") == [Literal("2015-06-01", None, EDTF)]
    assert objects(t, result.instance, SDO + "datePublished") == [Literal("2015")]
    admin = objects(t, result.instance, BF + "adminMetadata")[0]
    assert objects(t, admin, BF + "creationDate") == [Literal("2023-02-08", None, EDTF)]


def test_creators_and_contributors_are_agents_with_roles():
    result = convert(dc(("title", "T"), ("creator", "Nguyễn, Thị Hoa"), ("contributor.advisor", "Trần Văn Nam"),
                        ("contributor.editor", "Lê Minh"), ("contributor.translator", "Phạm An"),
                        ("contributor", "Hoàng Lan")))
    t = result.triples
    roles = {}
    for contribution in objects(t, result.work, BF + "contribution"):
        agent = objects(t, contribution, BF + "agent")[0]
        label = objects(t, agent, RDFS_LABEL)[0].value
        roles[label] = {str(r)[len(REL):] for r in objects(t, contribution, BF + "role")}
    assert roles == {"Nguyễn, Thị Hoa": {"aut"}, "Trần Văn Nam": {"ths"}, "Lê Minh": {"edt"},
                     "Phạm An": {"trl"}, "Hoàng Lan": {"ctb"}}
    author = objects(t, result.work, SDO + "author")[0]
    assert objects(t, author, SDO + "familyName") == [Literal("Nguyễn")]
    assert len(objects(t, result.work, SDO + "translator")) == 1


def test_every_dublin_core_corpus_record_converts():
    folders = [CORPUS / name for name in ("zenodo-oai-dc", "mit-dspace-oai", "dspace-samples", "sickle-oai-samples")]
    if not all(f.is_dir() for f in folders):
        pytest.skip("../shared/corpus is not here (the shared test corpus sits beside the project)")
    converter = Converter(Minter(BASE), "VN-TEST")
    count = 0
    for folder in folders:
        for record in read_path(folder):
            if isinstance(record, SourceRecord) and record.format == "dc" and not record.deleted and record.id:
                result = converter.convert(record)
                assert IRI(BF + "Instance") in objects(result.triples, result.instance, RDF_TYPE)
                count += 1
    assert count > 300
