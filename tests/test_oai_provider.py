"""The OAI-PMH provider at /oai, end to end: a real server over the ingested samples, harvested with a
real OAI-PMH client (Sickle); every response checked against the protocol's XML Schema."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest
import yaml
from lxml import etree
from rdflib import Graph
from rdflib.compare import isomorphic
from sickle import Sickle
from sickle.oaiexceptions import BadArgument, CannotDisseminateFormat, IdDoesNotExist, NoRecordsMatch

from lod.config import Settings
from lod.dataset import minter_for, register_library
from lod.ingest import ingest, withdraw
from lod.store import Store
from lod.web.app import create_app
from lod.web.oai import OaiSettings, oai_settings

SAMPLES = Path(__file__).resolve().parents[1] / "lod" / "samples"
SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "schemas"
MINTED = "http://127.0.0.1:8000/"  # the samples are minted under the default base and served elsewhere
OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
MARC = "http://www.loc.gov/MARC21/slim"
NS = {"o": OAI, "oai_dc": OAI_DC, "dc": DC, "marc": MARC}
DC_ELEMENTS = {"title", "creator", "subject", "description", "publisher", "contributor", "date", "type", "format",
               "identifier", "source", "language", "relation", "coverage", "rights"}
PAGE = 7  # records per list page here, so that every list of the samples is split
WITHDRAWN = ("VN-TVVP", 2)  # the library and position of the sample record withdrawn before serving


def sample_store(path: Path, base: str = MINTED) -> Store:
    """The bundled samples of every library, registered and ingested (as `lod demo` does); returned open."""
    store = Store(path)
    minter = minter_for(store, base)
    for library in yaml.safe_load((SAMPLES / "libraries.yaml").read_text(encoding="utf-8")):
        register_library(store, minter, library)
        report = ingest([SAMPLES / library["isil"]], library["isil"], store, minter)
        assert report.converted, report.errors[:1]
    return store


@pytest.fixture(scope="module")
def provider(tmp_path_factory, serve, free_port):
    """(URL of /oai, the journal's entries) for the samples, one record withdrawn."""
    path = tmp_path_factory.mktemp("oai")
    store = sample_store(path)
    library, position = WITHDRAWN
    record_id = [e.record_id for e in store.journal.entries(library)][position]
    withdraw(store, minter_for(store, MINTED), library, [record_id])
    entries = list(store.journal.entries())
    store.flush()
    del store
    app = create_app(Settings(store=path, base_uri=f"http://127.0.0.1:{(port := free_port())}/"))
    app.dependency_overrides[oai_settings] = lambda: OaiSettings(page_size=PAGE, admin_email="catalogue@example.org")
    with serve(app, port) as root:
        yield f"{root}oai", entries


@pytest.fixture(scope="module")
def oai_schema() -> etree.XMLSchema:
    if not (SCHEMAS / "OAI-PMH.xsd").exists():
        pytest.skip(f"the OAI-PMH schema is not at {SCHEMAS} (../shared/corpus is absent)")
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "OAI-PMH.xsd")))


def fetch(url: str, schema: etree.XMLSchema, method: str = "GET", **args: str) -> etree._Element:
    """One request, its response checked against the OAI-PMH schema."""
    if method == "POST":
        response = httpx.post(url, data=args, timeout=30)
    else:
        response = httpx.get(url, params=args, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    assert schema.validate(root), (args, schema.error_log)
    return root


def error_code(root: etree._Element) -> str | None:
    error = root.find("o:error", NS)
    return error.get("code") if error is not None else None


def walk(url: str, schema: etree.XMLSchema, verb: str, **args: str) -> list[etree._Element]:
    """Every page of a list, following resumption tokens; each page schema-checked."""
    pages = [fetch(url, schema, verb=verb, **args)]
    while (token := pages[-1].find(f"o:{verb}/o:resumptionToken", NS)) is not None and token.text:
        pages.append(fetch(url, schema, verb=verb, resumptionToken=token.text))
    return pages


def identifier(url: str, library: str, record_id: str) -> str:
    return f"oai:127.0.0.1:{library}/{quote(record_id, safe='-._~:/@')}"


# --- the verbs and their schema ------------------------------------------------------------------


def test_identify_names_the_repository(provider, oai_schema):
    url, entries = provider
    root = fetch(url, oai_schema, verb="Identify")
    assert root.findtext("o:Identify/o:baseURL", namespaces=NS) == url
    assert root.findtext("o:Identify/o:deletedRecord", namespaces=NS) == "persistent"
    assert root.findtext("o:Identify/o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert root.findtext("o:Identify/o:earliestDatestamp", namespaces=NS) == min(e.datestamp for e in entries)
    assert root.find("o:request", NS).get("verb") == "Identify"


def test_sets_are_the_libraries(provider, oai_schema):
    url, entries = provider
    root = fetch(url, oai_schema, verb="ListSets")
    specs = [s.text for s in root.iterfind("o:ListSets/o:set/o:setSpec", NS)]
    assert specs == sorted({e.library for e in entries})
    names = root.xpath("//o:set[o:setSpec='VN-TVQG']/o:setDescription/oai_dc:dc/dc:title/text()", namespaces=NS)
    assert "National Library of Vietnam" in names


def test_list_metadata_formats_for_the_repository_and_for_one_record(provider, oai_schema):
    url, entries = provider
    prefixes = fetch(url, oai_schema, verb="ListMetadataFormats").xpath("//o:metadataPrefix/text()", namespaces=NS)
    assert sorted(prefixes) == ["marcxml", "oai_dc", "rdf"]
    dc_record = next(e for e in entries if e.format == "dc")
    root = fetch(url, oai_schema, verb="ListMetadataFormats", identifier=identifier(url, dc_record.library,
                                                                                      dc_record.record_id))
    assert sorted(root.xpath("//o:metadataPrefix/text()", namespaces=NS)) == ["oai_dc", "rdf"]


@pytest.mark.parametrize("prefix", ["oai_dc", "marcxml", "rdf"])
def test_list_records_pages_through_everything_once(provider, oai_schema, prefix):
    url, entries = provider
    pages = walk(url, oai_schema, "ListRecords", metadataPrefix=prefix)
    expected = [e for e in entries if prefix != "marcxml" or e.format in ("marc", "")]
    headers = [h for page in pages for h in page.iterfind("o:ListRecords/o:record/o:header", NS)]
    assert [h.findtext("o:identifier", namespaces=NS) for h in headers] == \
        [identifier(url, e.library, e.record_id) for e in expected]
    assert len(pages) == -(-len(expected) // PAGE) > 1
    last = pages[-1].find("o:ListRecords/o:resumptionToken", NS)
    assert last is not None and not last.text and last.get("completeListSize") == str(len(expected))
    deleted = [h for h in headers if h.get("status") == "deleted"]
    assert len(deleted) == sum(e.deleted for e in expected) == 1


def test_list_identifiers_by_set_and_dates(provider, oai_schema):
    url, entries = provider
    for library in {e.library for e in entries}:
        pages = walk(url, oai_schema, "ListIdentifiers", metadataPrefix="oai_dc", set=library)
        found = [h.findtext("o:identifier", namespaces=NS) for p in pages for h in p.iterfind(".//o:header", NS)]
        assert found == [identifier(url, e.library, e.record_id) for e in entries if e.library == library]
    last = max(e.datestamp for e in entries)
    pages = walk(url, oai_schema, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": last})
    assert sum(len(p.findall(".//o:header", NS)) for p in pages) == sum(e.datestamp == last for e in entries)
    day = last[:10]
    pages = walk(url, oai_schema, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": day, "until": day})
    assert sum(len(p.findall(".//o:header", NS)) for p in pages) == len(entries)


def test_post_is_answered_like_get(provider, oai_schema):
    url, _ = provider
    root = fetch(url, oai_schema, method="POST", verb="ListRecords", metadataPrefix="oai_dc", set="VN-TVQG")
    assert len(root.findall(".//o:record", NS)) == PAGE


@pytest.mark.parametrize(("args", "code"), [
    ({"verb": "Harvest"}, "badVerb"),
    ({}, "badVerb"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "colour": "red"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01", "until": "2020-01-01T00:00:00Z"},
     "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-01-01", "until": "2020-01-01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-1-5"}, "badArgument"),
    ({"verb": "Identify\x01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2999-01-01"}, "noRecordsMatch"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "VN-NONE"}, "noRecordsMatch"),
    ({"verb": "ListIdentifiers", "resumptionToken": "bm90IGEgdG9rZW4"}, "badResumptionToken"),
    ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken"),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:127.0.0.1:VN-TVQG/none"}, "idDoesNotExist"),
    ({"verb": "Identify", "set": "VN-TVQG"}, "badArgument"),
])
def test_errors(provider, oai_schema, args, code):
    url, _ = provider
    root = fetch(url, oai_schema, **args)
    assert error_code(root) == code
    request = root.find("o:request", NS)
    if code in ("badVerb", "badArgument"):
        assert not request.attrib  # a request in error is not echoed


def test_a_repeated_argument_is_bad(provider, oai_schema):
    url, _ = provider
    response = httpx.get(f"{url}?verb=Identify&verb=Identify", timeout=30)
    root = etree.fromstring(response.content)
    assert oai_schema.validate(root) and error_code(root) == "badArgument"


# --- the records' metadata ------------------------------------------------------------------------


def test_get_record_in_every_format(provider, oai_schema):
    url, entries = provider
    marc = next(e for e in entries if e.format == "marc" and not e.deleted)
    oai_id = identifier(url, marc.library, marc.record_id)
    dc = fetch(url, oai_schema, verb="GetRecord", identifier=oai_id, metadataPrefix="oai_dc")
    check_oai_dc(dc.find(".//o:metadata/oai_dc:dc", NS))
    assert dc.xpath("//dc:title/text()", namespaces=NS)
    record = fetch(url, oai_schema, verb="GetRecord", identifier=oai_id, metadataPrefix="marcxml")
    payload = record.find(".//o:metadata/marc:record", NS)
    assert payload.xpath("marc:controlfield[@tag='001']/text()", namespaces=NS) == [marc.record_id]
    if (SCHEMAS / "MARC21slim.xsd").exists():
        marc_schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "MARC21slim.xsd")))
        assert marc_schema.validate(etree.fromstring(etree.tostring(payload))), marc_schema.error_log


def test_rdf_is_the_record_graph_under_the_served_base(provider, oai_schema, tmp_path):
    url, entries = provider
    entry = next(e for e in entries if e.format == "dc" and not e.deleted)
    root = fetch(url, oai_schema, verb="GetRecord", identifier=identifier(url, entry.library, entry.record_id),
                 metadataPrefix="rdf")
    payload = root.find(".//o:metadata/{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF", NS)
    served = Graph().parse(data=etree.tostring(payload), format="xml")
    served_base = url.removesuffix("oai")
    assert len(served) > 10
    assert all(not str(s).startswith(MINTED) for s, _, _ in served)
    assert any(str(s).startswith(f"{served_base}id/instance/") for s, _, _ in served)
    # the same statements as the store's named graph, once the base is put back
    text = etree.tostring(payload).decode().replace(served_base, MINTED)
    out = io.BytesIO()
    ox.serialize(ox.parse(text.encode(), format=ox.RdfFormat.RDF_XML), out, format=ox.RdfFormat.N_TRIPLES)
    assert isomorphic(Graph().parse(data=out.getvalue().decode(), format="nt"), _graph_of(entry.graph, served_base))


def _graph_of(graph: str, served_base: str) -> Graph:
    """The record's graph as the SPARQL endpoint gives it (under the served base), back under the minted one."""
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph.replace(MINTED, served_base)}> {{ ?s ?p ?o }} }}"
    response = httpx.get(f"{served_base}sparql", params={"query": query}, headers={"Accept": "application/n-triples"},
                         timeout=30)
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.text.replace(served_base, MINTED), format="nt")


def test_a_dublin_core_record_has_no_marcxml(provider, oai_schema):
    url, entries = provider
    entry = next(e for e in entries if e.format == "dc")
    root = fetch(url, oai_schema, verb="GetRecord", identifier=identifier(url, entry.library, entry.record_id),
                 metadataPrefix="marcxml")
    assert error_code(root) == "cannotDisseminateFormat"


def test_a_withdrawn_record_is_a_deleted_header(provider, oai_schema):
    url, entries = provider
    gone = next(e for e in entries if e.deleted)
    root = fetch(url, oai_schema, verb="GetRecord", identifier=identifier(url, gone.library, gone.record_id),
                 metadataPrefix="oai_dc")
    assert root.find(".//o:header", NS).get("status") == "deleted"
    assert root.find(".//o:metadata", NS) is None


def check_oai_dc(dc: etree._Element) -> None:
    """oai_dc's rules: an oai_dc:dc of simple Dublin Core elements, each text only (no oai_dc XSD in the corpus)."""
    assert dc is not None and dc.tag == f"{{{OAI_DC}}}dc"
    assert len(dc), "an empty record"
    for child in dc:
        name = etree.QName(child)
        assert name.namespace == DC and name.localname in DC_ELEMENTS, child.tag
        assert len(child) == 0 and (child.text or "").strip()
        assert set(child.attrib) <= {"{http://www.w3.org/XML/1998/namespace}lang"}


def test_every_oai_dc_record_is_simple_dublin_core(provider, oai_schema):
    url, entries = provider
    pages = walk(url, oai_schema, "ListRecords", metadataPrefix="oai_dc")
    payloads = [dc for page in pages for dc in page.iterfind(".//o:metadata/oai_dc:dc", NS)]
    assert len(payloads) == sum(not e.deleted for e in entries)
    for dc in payloads:
        check_oai_dc(dc)
        assert dc.find("dc:title", NS) is not None and dc.find("dc:identifier", NS) is not None


# --- a real client --------------------------------------------------------------------------------


def test_sickle_harvests_everything(provider):
    url, entries = provider
    sickle = Sickle(url, max_retries=1, timeout=30)
    assert sickle.Identify().repositoryName
    assert {s.setSpec for s in sickle.ListSets()} == {e.library for e in entries}
    assert {f.metadataPrefix for f in sickle.ListMetadataFormats()} == {"oai_dc", "marcxml", "rdf"}
    for prefix in ("oai_dc", "marcxml", "rdf"):
        records = list(sickle.ListRecords(metadataPrefix=prefix, ignore_deleted=False))
        expected = [e for e in entries if prefix != "marcxml" or e.format in ("marc", "")]
        assert [r.header.identifier for r in records] == [identifier(url, e.library, e.record_id) for e in expected]
        assert [r.header.deleted for r in records] == [e.deleted for e in expected]
    titles = [r.metadata["title"] for r in sickle.ListRecords(metadataPrefix="oai_dc", set="VN-TVQG")]
    assert len(titles) == sum(e.library == "VN-TVQG" and not e.deleted for e in entries)
    assert "Tôi thấy hoa vàng trên cỏ xanh : truyện dài" in [t[0] for t in titles]
    headers = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", set="VN-DHQGHN"))
    assert len(headers) == sum(e.library == "VN-DHQGHN" for e in entries)
    record = sickle.GetRecord(identifier=headers[0].identifier, metadataPrefix="oai_dc")
    assert record.metadata["title"]


def test_sickle_hears_the_errors(provider):
    url, _ = provider
    sickle = Sickle(url, max_retries=1, timeout=30)
    with pytest.raises(NoRecordsMatch):
        list(sickle.ListRecords(metadataPrefix="oai_dc", **{"from": "2999-01-01"}))
    with pytest.raises(CannotDisseminateFormat):
        list(sickle.ListRecords(metadataPrefix="mods"))
    with pytest.raises(IdDoesNotExist):
        sickle.GetRecord(identifier="oai:127.0.0.1:VN-TVQG/none", metadataPrefix="oai_dc")
    with pytest.raises(BadArgument):
        list(sickle.ListRecords(metadataPrefix="oai_dc", until="tomorrow"))
