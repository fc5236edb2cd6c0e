"""Statistics per library (/stats as HTML, JSON, CSV), the library registry (/libraries as HTML and JSON)
and `lod library add/list`, end to end: a store made with the command line, a real server, real clients."""

from __future__ import annotations

import csv
import gc
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from lod.cli import app as cli
from lod.config import Settings
from lod.store import Store
from lod.web.app import create_app
from tests.test_oai_provider import SAMPLES

BF = "http://id.loc.gov/ontologies/bibframe/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LIBRARIES = SAMPLES / "libraries.yaml"
BROKEN = """<?xml version="1.0" encoding="UTF-8"?>
<collection xmlns="http://www.loc.gov/MARC21/slim">
  <record><leader>00000nam a2200000 a 4500</leader>
    <datafield tag="245" ind1="0" ind2="0"><subfield code="a">Không có số kiểm soát</subfield></datafield>
  </record>
</collection>
"""


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    """The registry from libraries.yaml and each library's samples, loaded with the command line; one more
    file of VN-TVVP with a record that cannot be converted (its last ingest report counts it)."""
    path = tmp_path_factory.mktemp("stats") / "store"
    run("library", "add", "--file", str(LIBRARIES), "--store", str(path))
    for library in yaml.safe_load(LIBRARIES.read_text(encoding="utf-8")):
        run("ingest", str(SAMPLES / library["isil"]), "--library", library["isil"], "--store", str(path))
    broken = path.parent / "broken.xml"
    broken.write_text(BROKEN, encoding="utf-8")
    run("ingest", str(SAMPLES / "VN-TVVP"), str(broken), "--library", "VN-TVVP", "--store", str(path))
    gc.collect()
    return path


@pytest.fixture(scope="module")
def site(store_path, serve, free_port):
    port = free_port()
    with serve(create_app(Settings(store=store_path, base_uri=f"http://127.0.0.1:{port}/")), port) as root:
        yield root


def expected_counts(path: Path) -> dict[str, dict[str, int]]:
    """Works, instances, items and digitised instances per library, counted from each record graph's quads."""
    store = Store(path, read_only=True)
    counts: dict[str, dict[str, set]] = {}
    for entry in store.journal.entries(deleted=False):
        quads = [(q.subject.value, q.predicate.value, q.object.value) for q in store.graph_quads(entry.graph)]
        mine = counts.setdefault(entry.library, {"works": set(), "instances": set(), "items": set(),
                                                 "digitised": set()})
        typed = {(s, o) for s, p, o in quads if p == RDF_TYPE and "#" not in s and "/id/" in s}
        mine["works"] |= {s for s, o in typed if o == BF + "Work"}
        mine["instances"] |= {s for s, o in typed if o == BF + "Instance"}
        mine["items"] |= {s for s, o in typed if o == BF + "Item"}
        located = {s for s, p, _ in quads if p == BF + "electronicLocator"}
        reproduced = {s for s, p, o in quads if p == BF + "hasReproduction" and o in located}
        mine["digitised"] |= mine["instances"] & (located | reproduced)
    return {library: {name: len(found) for name, found in kinds.items()} for library, kinds in counts.items()}


def test_stats_as_json_match_the_store(site, store_path):
    body = httpx.get(f"{site}stats.json", timeout=30).json()
    expected = expected_counts(store_path)
    journal = Store(store_path, read_only=True).journal
    held = journal.counts()
    rows = {row["isil"]: row for row in body["libraries"]}
    assert set(rows) == {lib["isil"] for lib in yaml.safe_load(LIBRARIES.read_text(encoding="utf-8"))}
    for isil, row in rows.items():
        assert row["records"] == held[isil]["records"]
        assert {k: row[k] for k in ("works", "instances", "items", "digitised")} == expected[isil], isil
        assert row["last_update"] == max(c.time for c in journal.changes(limit=100_000) if c.library == isil)
        assert row["uri"] == f"{site}id/library/{isil}"
    assert rows["VN-TVVP"]["failed"] == 1 and rows["VN-TVQG"]["failed"] == 0
    assert rows["VN-DHQGHN"]["digitised"] > 0
    total = body["total"]
    assert total["records"] == sum(row["records"] for row in rows.values())
    # works several libraries hold are counted once in the total
    assert 0 < total["works"] < sum(row["works"] for row in rows.values())


def test_stats_as_csv_and_html(site):
    response = httpx.get(f"{site}stats", headers={"Accept": "text/csv"}, timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "accept" in response.headers["vary"].lower()
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["isil"] for row in table][-1] == "*"
    assert {row["isil"] for row in table[:-1]} == {"VN-TVQG", "VN-TVVP", "VN-TVKHTH", "VN-DHQGHN"}
    by_json = {row["isil"]: row for row in httpx.get(f"{site}stats?format=json", timeout=30).json()["libraries"]}
    for row in table[:-1]:
        assert int(row["works"]) == by_json[row["isil"]]["works"]
    page = httpx.get(f"{site}stats", timeout=30)
    assert page.headers["content-type"].startswith("text/html")
    assert "Thư viện Quốc gia Việt Nam" in page.text and 'href="/stats.csv"' in page.text
    english = httpx.get(f"{site}stats?lang=en", timeout=30).text
    assert "Statistics by library" in english
    assert httpx.get(f"{site}stats.xml", timeout=30).status_code == 404
    assert httpx.get(f"{site}stats", headers={"Accept": "image/png"}, timeout=30).status_code == 406


class Sections(HTMLParser):
    """The ids of the page's sections and the text of its h2 headings."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.headings: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        if tag == "section" and dict(attrs).get("id"):
            self.ids.append(dict(attrs)["id"])
        self._in_h2 = self._in_h2 or tag == "h2"

    def handle_endtag(self, tag):
        self._in_h2 = self._in_h2 and tag != "h2"

    def handle_data(self, data):
        if self._in_h2 and data.strip():
            self.headings.append(data.strip())


def test_the_library_registry(site, store_path):
    body = httpx.get(f"{site}libraries.json", timeout=30).json()
    registry = {lib["isil"]: lib for lib in yaml.safe_load(LIBRARIES.read_text(encoding="utf-8"))}
    assert [lib["isil"] for lib in body["libraries"]] == sorted(registry)
    held = Store(store_path, read_only=True).journal.counts()
    for lib in body["libraries"]:
        given = registry[lib["isil"]]
        assert (lib["name_vi"], lib["name_en"], lib["type"]) == (given["name_vi"], given["name_en"], given["type"])
        assert sorted(lib["services"]) == sorted(given["services"])
        assert lib["holdings"]["records"] == held[lib["isil"]]["records"]
        assert httpx.get(lib["oai_set"], timeout=30).text.count("<record>") > 0
        assert httpx.get(lib["feed"], timeout=30).status_code == 200
    page = httpx.get(f"{site}libraries", timeout=30)
    assert page.headers["content-type"].startswith("text/html")
    sections = Sections()
    sections.feed(page.text)
    assert sections.ids == sorted(registry)
    assert "Thư viện Quốc gia Việt Nam" in sections.headings
    english = Sections()
    english.feed(httpx.get(f"{site}libraries?lang=en", timeout=30).text)
    assert "National Library of Vietnam" in english.headings
    assert httpx.get(f"{site}libraries", headers={"Accept": "application/json"}, timeout=30).json() == body


def test_library_list_on_the_command_line(store_path):
    listed = json.loads(run("library", "list", "--json", "--store", str(store_path)))
    assert [lib["isil"] for lib in listed] == ["VN-DHQGHN", "VN-TVKHTH", "VN-TVQG", "VN-TVVP"]
    assert all(lib["records"] > 0 and lib["services"] for lib in listed)
    lines = run("library", "list", "--store", str(store_path)).splitlines()
    assert lines[2].split("\t")[:2] == ["VN-TVQG", "national"]


def test_library_add_checks_before_it_writes(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump([{"isil": "VN-OK", "name_vi": "Thư viện tốt", "type": "district"},
                                   {"isil": "not an isil", "name_vi": "Sai"},
                                   {"isil": "VN-X", "name_vi": "Loại sai", "type": "zoo"}], allow_unicode=True),
                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["library", "add", "--file", str(bad), "--store", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "not an ISIL" in result.output and "'zoo'" in result.output
    run("library", "add", "VN-HN01", "--name-vi", "Thư viện <Hà Nội> & bạn đọc", "--type", "district",
        "--service", "Đọc tại chỗ", "--service", "Mượn về nhà", "--store", str(tmp_path / "s"))
    listed = json.loads(run("library", "list", "--json", "--store", str(tmp_path / "s")))
    assert [(lib["isil"], lib["services"]) for lib in listed] == [("VN-HN01", ["Mượn về nhà", "Đọc tại chỗ"])]


def test_registry_text_is_escaped_on_the_page(tmp_path, serve, free_port):
    path = tmp_path / "s"
    run("library", "add", "VN-HN02", "--name-vi", "<script>alert(1)</script> Thư viện", "--store", str(path))
    gc.collect()
    port = free_port()
    with serve(create_app(Settings(store=path, base_uri=f"http://127.0.0.1:{port}/")), port) as root:
        text = httpx.get(f"{root}libraries", timeout=30).text
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_slow_figures_are_served_while_they_are_counted_again():
    """Figures that take long to count (a store of millions of records) never make a page wait after a
    change: the previous figures answer while the new ones are counted; quick figures are always current."""
    import time

    from lod.publish.version import PerVersion

    store = Store()

    def change(record_id: str) -> None:
        store.journal.write("VN-T", record_id, f"urn:graph:{record_id}", "marc", None, record_id)
        store.journal.commit()

    def slow_count(s: Store) -> int:
        time.sleep(0.3)
        return s.journal.last_change()[0]

    slow = PerVersion(slow_count, patience=0.1)
    quick = PerVersion(lambda s: s.journal.last_change()[0], patience=0.1)
    change("R1")
    assert slow.get(store) == 1 and quick.get(store) == 1
    change("R2")
    started = time.perf_counter()
    assert slow.get(store) == 1  # the previous figures, at once
    assert time.perf_counter() - started < 0.2
    assert quick.get(store) == 2
    deadline = time.monotonic() + 10
    while slow.get(store) != 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert slow.get(store) == 2


def test_figures_are_kept_for_the_next_start(tmp_path):
    """Figures kept in the store folder are not counted again by a restarted server, until a change."""
    from lod.publish.stats import Stats, stats
    from lod.publish.version import PerVersion

    store = Store(tmp_path / "store")
    counted = []

    def count(s: Store) -> Stats:
        counted.append(1)
        return stats(s, "http://127.0.0.1:8000/")

    store.journal.write("VN-T", "R1", "urn:graph:R1", "marc", None, "R1")
    store.journal.commit()
    saved = tmp_path / "store" / "figures" / "stats.json"
    first = PerVersion(count, saved=saved, decode=Stats.from_dict).get(store)
    again = PerVersion(count, saved=saved, decode=Stats.from_dict).get(store)
    assert len(counted) == 1 and again == first and saved.exists()
    store.journal.write("VN-T", "R2", "urn:graph:R2", "marc", None, "R2")
    store.journal.commit()
    PerVersion(count, saved=saved, decode=Stats.from_dict).get(store)
    assert len(counted) == 2
