"""The OAI-PMH harvester (`lod harvest`), end to end: our own provider on a real server, and recorded real
repositories (MIT DSpace, Sickle's samples, EUR DSpace) replayed by a small server on 127.0.0.1."""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from typer.testing import CliRunner

from lod.cli import app as cli
from lod.config import Settings
from lod.dataset import minter_for, register_library
from lod.ingest import ingest, withdraw
from lod.oai.harvester import STATE_FILE, Harvest, HarvestError, harvest, read_state, source_key
from lod.store import Store
from lod.web.app import create_app
from lod.web.oai import OaiSettings, oai_settings
from tests.test_oai_provider import MINTED, SAMPLES, sample_store

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PAGE = 7


class Stopped(Exception):
    """Stands for an interruption (Ctrl-C, a lost connection) in the middle of a harvest."""


def target_store(path: Path, library: str) -> tuple[Store, object]:
    store = Store(path)
    minter = minter_for(store, "http://127.0.0.1:8000/")
    register_library(store, minter, {"isil": library, "name_vi": f"Thư viện thu hoạch {library}"})
    return store, minter


def live(store: Store, library: str) -> list[str]:
    return [e.record_id for e in store.journal.entries(library, deleted=False)]


@contextmanager
def served(path: Path, serve, port: int, requests: list | None = None):
    """Our provider over the store at `path`, lists split every PAGE records; the store is free again after."""
    app = create_app(Settings(store=path, base_uri=f"http://127.0.0.1:{port}/"))
    app.dependency_overrides[oai_settings] = lambda: OaiSettings(page_size=PAGE)
    if requests is not None:
        @app.middleware("http")
        async def note(request, call_next):
            requests.append(dict(request.query_params))
            return await call_next(request)
    with serve(app, port) as root:
        yield f"{root}oai"
    del app
    gc.collect()  # the server's store handle goes, and with it RocksDB's lock


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A store of the samples that our provider will serve (written between harvests)."""
    path = tmp_path_factory.mktemp("source")
    store = sample_store(path)
    store.flush()
    del store
    gc.collect()
    return path


# --- our own provider ------------------------------------------------------------------------------


def test_harvest_everything_then_only_what_changed(source, tmp_path, serve, free_port):
    port = free_port()
    target, minter = target_store(tmp_path / "target", "VN-AGG")
    with served(source, serve, port) as url:
        first = harvest(Harvest(url, "VN-AGG", batch=PAGE), target, minter, tmp_path)
    held = Store(source, read_only=True)
    expected = [e for e in held.journal.entries(deleted=False)]
    del held
    assert first.headers == len(expected) and first.pages == -(-len(expected) // PAGE)
    assert first.converted == len(expected) and first.failed == 0
    assert len(live(target, "VN-AGG")) == len(expected)
    assert read_state(tmp_path)[source_key(url, "oai_dc", None)]["latest"] == first.latest

    # the source changes: one record withdrawn, one record's title corrected
    store = Store(source)
    gone = next(e for e in store.journal.entries("VN-TVKHTH"))
    withdraw(store, minter_for(store, MINTED), "VN-TVKHTH", [gone.record_id])
    changed_id, changed_file = _retitled(source.parent / "changed.xml", "Tôi thấy hoa vàng trên cỏ xanh (bản sửa)")
    assert ingest([changed_file], "VN-TVQG", store, minter_for(store, MINTED)).converted == 1
    store.flush()
    # incremental: what the source says changed at or after the last datestamp seen (datestamps have
    # whole seconds, so records stamped in that same second come again, by design)
    since = len(list(store.journal.entries(since=first.latest)))
    del store
    gc.collect()

    requests: list[dict] = []
    with served(source, serve, port, requests) as url:
        second = harvest(Harvest(url, "VN-AGG", batch=PAGE), target, minter, tmp_path)
    asked = [r for r in requests if r.get("verb") == "ListRecords"]
    assert asked[0]["from"] == first.latest  # incremental: from the last datestamp seen
    assert second.headers == since and second.deleted == 1
    records = live(target, "VN-AGG")
    assert len(records) == len(expected) - 1
    assert not any(r.endswith(f"VN-TVKHTH/{gone.record_id}") for r in records)
    oai_id = next(r for r in records if r.endswith(f"VN-TVQG/{changed_id}"))
    graph = target.journal.get("VN-AGG", oai_id).graph
    titles = [row["t"].value for row in target.query(
        f"SELECT ?t WHERE {{ GRAPH <{graph}> {{ ?i <http://schema.org/name> ?t }} }}")]
    assert "Tôi thấy hoa vàng trên cỏ xanh (bản sửa)" in " ".join(titles)


def _retitled(path: Path, title: str) -> tuple[str, Path]:
    """The first sample record of the National Library with another title, as a MARCXML file."""
    tree = etree.parse(str(SAMPLES / "VN-TVQG" / "records.xml"))
    marc = "{http://www.loc.gov/MARC21/slim}"
    record = tree.getroot().find(f"{marc}record")
    record.find(f"{marc}datafield[@tag='245']/{marc}subfield[@code='a']").text = title
    for other in tree.getroot().findall(f"{marc}record")[1:]:
        tree.getroot().remove(other)
    tree.write(str(path), encoding="utf-8", xml_declaration=True)
    return record.findtext(f"{marc}controlfield[@tag='001']"), path


def test_an_interrupted_harvest_resumes_from_its_token(source, tmp_path, serve, free_port):
    port = free_port()
    target, minter = target_store(tmp_path / "target", "VN-TVQG")
    job = Harvest("", "VN-TVQG", prefix="marcxml", set="VN-TVQG", batch=PAGE)
    requests: list[dict] = []
    with served(source, serve, port, requests) as url:
        job.url = url

        def stop_after_two(report):
            if report.pages == 2:
                raise Stopped

        with pytest.raises(Stopped):
            harvest(job, target, minter, tmp_path, on_page=stop_after_two)
        pending = read_state(tmp_path)[source_key(url, "marcxml", "VN-TVQG")]["pending"]
        assert pending and pending["token"]
        assert len(live(target, "VN-TVQG")) == 2 * PAGE  # what was harvested is kept
        requests.clear()
        resumed = harvest(job, target, minter, tmp_path)
    assert resumed.resumed and not resumed.restarted
    assert requests[0].get("resumptionToken") == pending["token"]
    held = Store(source, read_only=True)
    expected = [e.record_id for e in held.journal.entries("VN-TVQG", deleted=False)]
    assert resumed.headers == len(expected) - 2 * PAGE
    assert sorted(r.rsplit("/", 1)[1] for r in live(target, "VN-TVQG")) == sorted(expected)
    assert read_state(tmp_path)[source_key(url, "marcxml", "VN-TVQG")]["pending"] is None


def test_a_refused_token_starts_the_cut_harvest_again(source, tmp_path, serve, free_port):
    port = free_port()
    target, minter = target_store(tmp_path / "target", "VN-DHQGHN")
    with served(source, serve, port) as url:
        key = source_key(url, "oai_dc", "VN-DHQGHN")
        (tmp_path / STATE_FILE).write_text(json.dumps({key: {"pending": {
            "token": "expired", "from": None, "until": None, "latest": None}}}), encoding="utf-8")
        report = harvest(Harvest(url, "VN-DHQGHN", set="VN-DHQGHN"), target, minter, tmp_path)
    assert report.resumed and report.restarted
    assert report.converted == report.headers > 0
    assert len(live(target, "VN-DHQGHN")) == report.headers


def test_the_command_line_harvests_and_keeps_its_report(source, tmp_path, serve, free_port):
    port = free_port()
    store = tmp_path / "store"
    with served(source, serve, port) as url:
        result = CliRunner().invoke(cli, ["harvest", url, "--library", "VN-TVVP", "--set", "VN-TVVP",
                                          "--store", str(store), "--report", str(tmp_path / "report.json")])
        assert result.exit_code == 0, result.output
        again = CliRunner().invoke(cli, ["harvest", url, "--library", "VN-TVVP", "--set", "VN-TVVP",
                                         "--store", str(store)])
        assert again.exit_code == 0, again.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["converted"] == report["headers"] > 0 and report["since"] is None
    kept = json.loads((store / "reports" / "VN-TVVP.json").read_text(encoding="utf-8"))
    assert kept["since"] == report["latest"]  # the second run asked from the last datestamp
    assert len(live(Store(store, read_only=True), "VN-TVVP")) == report["converted"]


# --- recorded real repositories ------------------------------------------------------------------


def replay(routes: dict[frozenset, Path], refused_token: Path | None = None) -> Starlette:
    """A repository that answers only the requests it has recordings of (404 to any other)."""

    async def oai(request: Request) -> Response:
        asked = frozenset(request.query_params.multi_items())
        path = routes.get(asked)
        if path is None and refused_token is not None and "resumptionToken" in request.query_params:
            path = refused_token
        if path is None:
            return Response(f"not recorded: {sorted(asked)}", status_code=404)
        return Response(path.read_bytes(), media_type="text/xml")

    return Starlette(routes=[Route("/oai", oai)])


def _corpus(folder: str) -> Path:
    path = CORPUS / folder
    if not path.is_dir():
        pytest.skip(f"{path} is absent (../shared/corpus holds the recorded repositories)")
    return path


def _query(text: str) -> frozenset:
    return frozenset(parse_qsl(text, keep_blank_values=True))


@pytest.fixture(scope="module")
def mit(serve, free_port):
    folder = _corpus("mit-dspace-oai") / "_extracted"
    index = json.loads((folder / "INDEX.json").read_text(encoding="utf-8"))
    routes = {_query(urlsplit(item["uri"]).query): folder / item["file"] for item in index}
    port = free_port()
    with serve(replay(routes), port) as root:
        yield f"{root}oai"


@pytest.fixture(scope="module")
def sickle_samples(serve, free_port):
    folder = _corpus("sickle-oai-samples")
    routes = {_query("verb=Identify"): folder / "Identify.xml",
              _query("verb=ListRecords&metadataPrefix=oai_dc"): folder / "ListRecords.xml"}
    for name in ("ListRecords2.xml", "ListRecords3.xml", "ListRecords4.xml"):
        routes[_query(f"verb=ListRecords&resumptionToken={name}")] = folder / name  # its tokens name the files
    port = free_port()
    with serve(replay(routes, refused_token=folder / "badResumptionToken.xml"), port) as root:
        yield f"{root}oai"


@pytest.fixture(scope="module")
def eur(serve, free_port):
    folder = _corpus("pyoai-dspace-eur")
    routes = {}
    for fake in ("fake1", "fake2"):
        lines = (folder / fake / "mapping.txt").read_text(encoding="utf-8").split()
        routes.update({_query(query): folder / fake / name for query, name in zip(lines[::2], lines[1::2],
                                                                                    strict=True)})
    port = free_port()
    with serve(replay(routes), port) as root:
        yield f"{root}oai"


def test_recorded_mit_list_records_of_a_set(mit, tmp_path):
    target, minter = target_store(tmp_path / "target", "US-MIT")
    report = harvest(Harvest(mit, "US-MIT", set="com_1721.1_140587"), target, minter, tmp_path)
    print(f"\nMIT DSpace, one set by ListRecords: {report.headers} records, {report.converted} converted, "
          f"{report.failed} failed, {report.seconds:.2f} s")
    assert report.pages == 1 and report.headers == 58
    assert report.converted == 58 and report.failed == 0
    assert len(live(target, "US-MIT")) == 58
    assert all(r.startswith("oai:dspace.mit.edu:1721.1/") for r in live(target, "US-MIT"))


def test_recorded_mit_identifiers_then_each_record(mit, tmp_path):
    """MIT's own harvester lists identifiers and gets each record: the `get` method replays its recordings."""
    target, minter = target_store(tmp_path / "target", "US-MIT")
    report = harvest(Harvest(mit, "US-MIT", since="2017-12-14", until="2019-04-05", method="get"), target,
                     minter, tmp_path)
    print(f"\nMIT DSpace, ListIdentifiers + GetRecord: {report.headers} headers ({report.deleted} deleted), "
          f"{report.converted} records converted in {report.requests} requests, {report.seconds:.2f} s")
    assert report.headers == 25 and report.deleted == 9 and report.requests == 1 + 16
    # one listed record was never fetched in the recording: it fails alone, the harvest goes on
    assert report.converted == 15 and report.failed == 1
    assert [e["id"] for e in report.errors] == ["oai:dspace.mit.edu:1721.1/115850"]
    assert len(live(target, "US-MIT")) == 15
    assert read_state(tmp_path)[source_key(mit, "oai_dc", None)]["latest"] == report.latest


def test_recorded_mit_a_listed_record_that_does_not_exist(mit, tmp_path):
    target, minter = target_store(tmp_path / "target", "US-MIT")
    report = harvest(Harvest(mit, "US-MIT", since="2021-11-09T03:30:00Z", until="2021-11-09T04:00:00Z",
                             method="get"), target, minter, tmp_path)
    assert report.headers == 28 and report.failed == 1 and report.converted == 27
    assert "idDoesNotExist" in report.errors[0]["reason"]
    assert len(live(target, "US-MIT")) == 27


def test_recorded_mit_deletions_only(mit, tmp_path):
    target, minter = target_store(tmp_path / "target", "US-MIT")
    report = harvest(Harvest(mit, "US-MIT", since="2017-12-14", until="2017-12-14"), target, minter, tmp_path)
    assert report.headers == report.deleted == 1 and report.converted == 1  # read as a deletion: nothing held
    assert live(target, "US-MIT") == []


def test_recorded_sickle_samples_follow_tokens(sickle_samples, tmp_path):
    target, minter = target_store(tmp_path / "target", "XX-TEST")
    report = harvest(Harvest(sickle_samples, "XX-TEST"), target, minter, tmp_path)
    assert report.pages == 4 and report.headers == 8 and report.deleted == 4
    # the last page's first header (a deletion) has no identifier: that record fails alone
    assert report.failed == 1 and "without an identifier" in report.errors[0]["reason"]
    assert live(target, "XX-TEST") == ["oai:test.example.com:1585322"]


def test_recorded_sickle_samples_refuse_an_old_token(sickle_samples, tmp_path):
    target, minter = target_store(tmp_path / "target", "XX-TEST")
    key = source_key(sickle_samples, "oai_dc", None)
    (tmp_path / STATE_FILE).write_text(json.dumps({key: {"pending": {
        "token": "ListRecords9.xml", "from": None, "until": None, "latest": None}}}), encoding="utf-8")
    report = harvest(Harvest(sickle_samples, "XX-TEST"), target, minter, tmp_path)
    assert report.resumed and report.restarted and report.pages == 4
    assert live(target, "XX-TEST") == ["oai:test.example.com:1585322"]


def test_recorded_eur_repository(eur, tmp_path):
    target, minter = target_store(tmp_path / "target", "NL-EUR")
    first = harvest(Harvest(eur, "NL-EUR", since="2003-04-10T00:00:00Z"), target, minter, tmp_path)
    second = harvest(Harvest(eur, "NL-EUR", since="2004-01-01T00:00:00Z"), target, minter, tmp_path)
    print(f"\nEUR DSpace: {first.headers} + {second.headers} records ({second.deleted} deleted), "
          f"{first.converted + second.converted} converted, {first.failed + second.failed} failed")
    assert first.headers == 16 and second.headers == 81 and second.deleted == 2
    assert first.failed == second.failed == 0
    assert sorted(live(target, "NL-EUR")) == sorted(_expected_eur())


def _expected_eur() -> set[str]:
    """The records the two recorded lists leave: all listed, less those the later list deletes."""
    folder = CORPUS / "pyoai-dspace-eur"
    oai = {"o": "http://www.openarchives.org/OAI/2.0/"}
    first, second = (etree.parse(str(folder / f)) for f in ("fake1/00005.xml", "fake2/00002.xml"))
    listed = set(first.xpath("//o:header/o:identifier/text()", namespaces=oai))
    listed |= set(second.xpath("//o:header[not(@status)]/o:identifier/text()", namespaces=oai))
    return listed - set(second.xpath("//o:header[@status='deleted']/o:identifier/text()", namespaces=oai))


def test_an_unrecorded_request_is_a_harvest_error(eur, tmp_path):
    target, minter = target_store(tmp_path / "target", "NL-EUR")
    with pytest.raises(HarvestError, match="404"):
        harvest(Harvest(eur, "NL-EUR", since="2010-01-01T00:00:00Z"), target, minter, tmp_path)
