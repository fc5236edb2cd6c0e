"""Ingest, end to end from files to the store: the samples, every corpus folder, the broken files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner

from lod.cli import app
from lod.dataset import known_library
from lod.ingest import ingest, withdraw
from lod.store import Store
from lod.uris import Minter

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "lod" / "samples"
CORPUS = ROOT.parent / "shared" / "corpus"
BASE = "http://127.0.0.1:8000/"
RECORD_FOLDERS = [
    "marc2bibframe2", "marc2bibframe2-dataset", "loc-books-sample", "lobid-resources", "openlibrary", "pymarc",
    "ruby-marc", "qa-catalogue", "metafacture", "marc4j", "yaz-marc-files", "natlibfi-fixtures", "mit-dspace-oai",
    "pyoai-dspace-eur", "zenodo-oai-dc", "sickle-oai-samples", "dspace-samples",
]


def sample_folders() -> list[Path]:
    return sorted(p for p in SAMPLES.glob("VN-*") if p.is_dir())


def corpus(folder: str) -> Path:
    path = CORPUS / folder
    if not path.is_dir():
        pytest.skip(f"../shared/corpus/{folder} is not here (the shared test corpus sits beside the project)")
    return path


def ingest_samples(store: Store, minter: Minter) -> dict[str, object]:
    return {folder.name: ingest([folder], folder.name, store, minter) for folder in sample_folders()}


@pytest.fixture
def minter() -> Minter:
    return Minter(BASE)


def test_samples_are_bundled():
    folders = sample_folders()
    assert len(folders) >= 3, "the package ships one folder of records per sample library"


def test_samples_ingest_without_failures(tmp_path, minter):
    store = Store(tmp_path / "store")
    reports = ingest_samples(store, minter)
    marc = sum(r.converted for r in reports.values())
    assert marc >= 55, "at least 40 MARC and 15 Dublin Core sample records"
    for isil, report in reports.items():
        assert report.failed == 0, (isil, report.errors)
        assert report.read == report.converted + report.failed
    shared = store.query(
        "SELECT ?work (COUNT(DISTINCT ?lib) AS ?n) WHERE { ?work <http://id.loc.gov/ontologies/bibframe/hasInstance> "
        "?i . ?i <http://id.loc.gov/ontologies/bibframe/hasItem>/<http://id.loc.gov/ontologies/bibframe/heldBy> ?lib }"
        " GROUP BY ?work HAVING (COUNT(DISTINCT ?lib) > 1)"
    )
    assert len(list(shared)) >= 5, "titles held by several libraries meet on one work"


def test_vietnamese_text_arrives_in_nfc_with_language_tags(tmp_path, minter):
    store = Store(tmp_path / "store")
    ingest_samples(store, minter)
    rows = list(store.query(
        'SELECT ?label WHERE { ?i a <http://id.loc.gov/ontologies/bibframe/Instance> ; '
        '<http://www.w3.org/2000/01/rdf-schema#label> ?label . FILTER(langMatches(lang(?label), "vi")) }'))
    assert len(rows) >= 40
    import unicodedata

    assert all(unicodedata.is_normalized("NFC", r["label"].value) for r in rows)


def test_ingesting_twice_leaves_the_same_quads(tmp_path, minter):
    store = Store(tmp_path / "store")
    ingest_samples(store, minter)
    first = len(store)
    ingest_samples(store, minter)
    assert len(store) == first


def test_withdrawing_a_record_removes_exactly_its_graph(tmp_path, minter):
    store = Store(tmp_path / "store")
    ingest_samples(store, minter)
    graphs = sorted(g for g in store.graphs() if "/graph/record/" in g)
    victim = graphs[0]
    isil, record_id = map(unquote, victim.split("/graph/record/")[1].split("/", 1))
    others = {g: len(list(store.graph_quads(g))) for g in graphs[1:6]}
    before, size = len(store), len(list(store.graph_quads(victim)))
    removed, missing = withdraw(store, minter, isil, [record_id])
    assert (removed, missing) == (1, [])
    assert not store.has_graph(victim)
    # the dataset description graph is rewritten (its date changes), so compare the record graphs
    assert len(store) - before in range(-size - 1, -size + 2)
    assert {g: len(list(store.graph_quads(g))) for g in others} == others
    assert withdraw(store, minter, isil, [record_id]) == (0, [record_id])


def test_unknown_library_is_registered_with_a_warning(tmp_path, minter, caplog):
    store = Store(tmp_path / "store")
    folder = sample_folders()[0]
    ingest([folder], "VN-NEW01", store, minter)
    assert known_library(store, minter, "VN-NEW01")
    assert "VN-NEW01" in caplog.text


@pytest.mark.parametrize("folder", RECORD_FOLDERS)
def test_every_corpus_folder_ingests_its_good_records(tmp_path, minter, folder):
    path = corpus(folder)
    store = Store(tmp_path / "store")
    report = ingest([path], "VN-TEST", store, minter)
    assert report.read > 0
    assert report.read == report.converted + report.failed
    assert not [e for e in report.errors if e["reason"].startswith("conversion failed")], report.errors[:3]
    assert report.converted > 0
    assert len(store) > report.converted * 3


@pytest.mark.parametrize(
    ("folder", "file", "good", "bad"),
    [
        ("ruby-marc", "three-records-second-bad.xml", 2, 1),
        ("pymarc", "bad_records.mrc", 0, None),
        ("pymarc", "utf8_invalid.mrc", 0, None),
    ],
)
def test_broken_files_fail_their_bad_records_only(tmp_path, minter, folder, file, good, bad):
    path = corpus(folder) / file
    if not path.exists():
        pytest.skip(f"{file} is not in ../shared/corpus/{folder}")
    report = ingest([path], "VN-TEST", Store(tmp_path / "store"), minter)
    assert report.read == report.converted + report.failed
    assert report.failed >= 1
    if bad is not None:
        assert (report.converted, report.failed) == (good, bad)
    for error in report.errors:
        assert error["file"].endswith(file) and error["record"] >= 1 and error["reason"]


def test_cli_ingest_writes_the_report(tmp_path):
    report_file = tmp_path / "report.json"
    folder = sample_folders()[0]
    result = CliRunner().invoke(app, ["ingest", str(folder), "--library", folder.name,
                                      "--store", str(tmp_path / "store"), "--report", str(report_file)])
    assert result.exit_code == 0, result.output
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert {"read", "converted", "failed", "quads", "errors"} <= report.keys()
    assert report["read"] == report["converted"] + report["failed"] > 0
    assert report["quads"] > 0


def test_cli_ingest_can_leave_the_search_index_to_lod_index(tmp_path):
    folder, store = sample_folders()[0], tmp_path / "store"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--library", folder.name, "--store", str(store),
                                      "--no-index"])
    assert result.exit_code == 0, result.output
    assert not (store / "search").exists()
    result = CliRunner().invoke(app, ["index", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert (store / "search").is_dir() and "indexed" in result.output


def test_cli_query_reads_the_store(tmp_path):
    folder = sample_folders()[0]
    store = tmp_path / "store"
    CliRunner().invoke(app, ["ingest", str(folder), "--library", folder.name, "--store", str(store)])
    result = CliRunner().invoke(app, ["query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--store", str(store),
                                      "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert int(result.stdout.splitlines()[1]) > 100


def test_a_second_writer_is_told_about_the_lock(tmp_path):
    path = tmp_path / "store"
    holder = Store(path)  # noqa: F841 — keeps the write lock while the CLI runs
    folder = sample_folders()[0]
    run = subprocess.run([sys.executable, "-m", "lod", "ingest", str(folder), "--library", folder.name,
                          "--store", str(path)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2
    assert "lock" in run.stderr


def test_conversion_workers_give_the_same_store(tmp_path, minter):
    path = corpus("marc2bibframe2-dataset")
    stores = {}
    for workers in (1, 2):
        store = Store(tmp_path / f"store{workers}")
        report = ingest([path], "VN-TEST", store, minter, workers=workers)
        stores[workers] = (report.read, report.converted, report.failed, sorted(store.graphs()), len(store))
    assert stores[1] == stores[2]
