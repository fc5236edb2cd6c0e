"""Incremental updates, as the aggregator sees them: a changed record replaces what it said, a deleted one
(MARC leader/05 = d, OAI-PMH status="deleted") is withdrawn, and a resource several libraries describe
keeps what the others said; the journal and the OAI-PMH provider tell each change."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from lod.dataset import minter_for
from lod.ingest import ingest, withdraw
from lod.oai.provider import Repository, respond
from lod.rebase import Rebase
from lod.store import Store
from tests.test_oai_provider import MINTED, SAMPLES, sample_store

MARC = "{http://www.loc.gov/MARC21/slim}"
OAI = "http://www.openarchives.org/OAI/2.0/"
GRAPHS = f"{MINTED}graph/record/"


@pytest.fixture
def store(tmp_path) -> Store:
    return sample_store(tmp_path / "store")


def first_record(library: str, path: Path, change) -> tuple[str, Path]:
    """The first MARCXML sample record of `library`, changed by `change(record)`, alone in a file at `path`."""
    tree = etree.parse(str(SAMPLES / library / "records.xml"))
    records = tree.getroot().findall(f"{MARC}record")
    for other in records[1:]:
        tree.getroot().remove(other)
    change(records[0])
    tree.write(str(path), encoding="utf-8", xml_declaration=True)
    return records[0].findtext(f"{MARC}controlfield[@tag='001']"), path


def statements(store: Store, graph: str) -> set[tuple[str, str, str]]:
    rows = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return {(r["s"].value, r["p"].value, str(r["o"])) for r in rows}


def oai_header(store: Store, library: str, record_id: str) -> etree._Element:
    repo = Repository(store, Rebase(MINTED, MINTED), "test", "catalogue@example.org")
    body = respond(repo, [("verb", "GetRecord"), ("metadataPrefix", "oai_dc"),
                          ("identifier", f"oai:127.0.0.1:{library}/{record_id}")])
    return etree.fromstring(body).find(f".//{{{OAI}}}header")


def test_reingesting_the_same_records_changes_nothing(store):
    before = len(store)
    seq = store.journal.changes(limit=100_000)[-1].seq
    again = ingest([SAMPLES / "VN-TVVP"], "VN-TVVP", store, minter_for(store, MINTED))
    assert again.converted and len(store) == before
    assert [c for c in store.journal.changes(after=seq) if c.library == "VN-TVVP"] == []


def test_a_changed_record_replaces_what_it_said(store, tmp_path):
    def retitle(record):
        record.find(f"{MARC}datafield[@tag='245']/{MARC}subfield[@code='a']").text = "Một nhan đề đã sửa"

    record_id, path = first_record("VN-TVQG", tmp_path / "changed.xml", retitle)
    graph = store.journal.get("VN-TVQG", record_id).graph
    old = statements(store, graph)
    old_titles = {o for _, p, o in old if p == "http://schema.org/name" and "Tôi thấy" in o}
    assert old_titles
    ingest([path], "VN-TVQG", store, minter_for(store, MINTED))
    new = statements(store, graph)
    assert not {t for t in old_titles if t in {o for _, _, o in new}}  # nothing of the old title is left
    assert any("Một nhan đề đã sửa" in o for _, _, o in new)
    assert store.journal.changes(after=0, limit=100_000)[-1].action == "update"
    assert oai_header(store, "VN-TVQG", record_id).get("status") is None


def test_leader_05_d_withdraws_the_record(store, tmp_path):
    def delete(record):
        leader = record.find(f"{MARC}leader")
        leader.text = leader.text[:5] + "d" + leader.text[6:]

    record_id, path = first_record("VN-TVKHTH", tmp_path / "deleted.xml", delete)
    graph = store.journal.get("VN-TVKHTH", record_id).graph
    assert store.has_graph(graph)
    report = ingest([path], "VN-TVKHTH", store, minter_for(store, MINTED))
    assert report.deleted == 1
    assert not store.has_graph(graph)
    entry = store.journal.get("VN-TVKHTH", record_id)
    assert entry.deleted and store.journal.changes(after=0, limit=100_000)[-1].action == "delete"
    assert oai_header(store, "VN-TVKHTH", record_id).get("status") == "deleted"


def test_an_oai_deletion_withdraws_the_record(store, tmp_path):
    source = SAMPLES / "VN-DHQGHN" / "oai-listrecords.xml"
    tree = etree.parse(str(source))
    record = tree.getroot().find(f".//{{{OAI}}}record")
    identifier = record.findtext(f"{{{OAI}}}header/{{{OAI}}}identifier")
    held = store.journal.get("VN-DHQGHN", identifier)
    assert held is not None and not held.deleted and store.has_graph(held.graph)
    header = record.find(f"{{{OAI}}}header")
    header.set("status", "deleted")
    record.remove(record.find(f"{{{OAI}}}metadata"))
    for other in tree.getroot().findall(f".//{{{OAI}}}record")[1:]:
        other.getparent().remove(other)
    tree.write(str(tmp_path / "deleted.xml"), encoding="utf-8", xml_declaration=True)
    ingest([tmp_path / "deleted.xml"], "VN-DHQGHN", store, minter_for(store, MINTED))
    assert not store.has_graph(held.graph) and store.journal.get("VN-DHQGHN", identifier).deleted
    assert oai_header(store, "VN-DHQGHN", identifier).get("status") == "deleted"


def shared_resources(store: Store) -> dict[str, set[str]]:
    """Resources (not sub-nodes) that records of more than one library describe: URI → libraries."""
    rows = store.query(f"""
        SELECT DISTINCT ?s ?library WHERE {{
          GRAPH ?g {{ ?s a ?type }}
          FILTER(STRSTARTS(STR(?g), "{GRAPHS}") && STRSTARTS(STR(?s), "{MINTED}id/") && !CONTAINS(STR(?s), "#"))
          BIND(STRBEFORE(STRAFTER(STR(?g), "{GRAPHS}"), "/") AS ?library)
        }}""")
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["s"].value, set()).add(row["library"].value)
    return {uri: libraries for uri, libraries in found.items() if len(libraries) > 1}


def test_a_shared_resource_keeps_what_other_libraries_said(store):
    shared = shared_resources(store)
    kinds = sorted({uri[len(MINTED) + 3:].split("/")[0] for uri in shared})
    print(f"\nresources described by records of more than one library in the samples: {len(shared)} ({kinds})")
    assert shared, "the samples hold titles of several libraries: some resource should be shared"
    uri = next(u for u, libs in sorted(shared.items()) if {"VN-TVQG", "VN-TVVP"} <= libs)
    graphs = {r["g"].value for r in store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{uri}> ?p ?o }} }}")}
    mine = [g for g in graphs if g.startswith(f"{GRAPHS}VN-TVQG/")]
    others = {g: statements(store, g) for g in graphs if not g.startswith(f"{GRAPHS}VN-TVQG/")}
    tvqg = [Path(g).name for g in mine]
    removed, _ = withdraw(store, minter_for(store, MINTED), "VN-TVQG", tvqg)
    assert removed == len(mine)
    assert all(not store.has_graph(g) for g in mine)
    assert {g: statements(store, g) for g in others} == others  # every other library's statements stay
    assert store.query(f"ASK {{ <{uri}> ?p ?o }}")
