"""Search on a real tantivy index built from a real Oxigraph store of the bundled samples: Vietnamese
folding, exact matches first, facets, pages, ISBNs, and an index that follows ingest and withdrawal."""

from __future__ import annotations

import json
import shutil
import tempfile
import unicodedata
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import yaml

from lod.dataset import minter_for, register_library
from lod.ingest import ingest, withdraw
from lod.search import Filters, SearchIndex, rebuild, search, suggest, sync
from lod.search.index import STATE_FILE
from lod.store import Store

SAMPLES = Path(__file__).resolve().parents[1] / "lod" / "samples"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BASE = "http://127.0.0.1:8000/"


_TEMPLATE: list[tempfile.TemporaryDirectory] = []  # the samples ingested once per test run


def samples_store(folder: Path) -> Store:
    """A store of the four sample libraries, as `lod demo` makes it (ingested once, then copied)."""
    if not _TEMPLATE:
        _TEMPLATE.append(tempfile.TemporaryDirectory())
        store = Store(Path(_TEMPLATE[0].name) / "store")
        minter = minter_for(store, BASE)
        for library in yaml.safe_load((SAMPLES / "libraries.yaml").read_text(encoding="utf-8")):
            register_library(store, minter, library)
            ingest([SAMPLES / library["isil"]], library["isil"], store, minter)
        store.flush()
        del store  # closed before it is copied
    shutil.copytree(Path(_TEMPLATE[0].name) / "store", folder)
    return Store(folder)


def marcxml(*records: dict) -> str:
    """A MARCXML collection of small records: {id, title, author, isbn, year, subject}."""
    out = ['<collection xmlns="http://www.loc.gov/MARC21/slim">']
    for r in records:
        year = r.get("year", "2020")
        fields = [f'<controlfield tag="001">{r["id"]}</controlfield>',
                  f'<controlfield tag="008">240101s{year}    vm            000 0 vie d</controlfield>']
        if r.get("isbn"):
            fields.append(_datafield("020", "  ", [("a", r["isbn"])]))
        if r.get("author"):
            fields.append(_datafield("100", "0 ", [("a", r["author"])]))
        fields.append(_datafield("245", "10", [("a", r["title"])]))
        fields.append(_datafield("264", " 1", [("a", "Hà Nội :"), ("b", "Nhà xuất bản Thử nghiệm,"), ("c", year)]))
        if r.get("subject"):
            fields.append(_datafield("650", " 7", [("a", r["subject"]), ("2", "Bộ TK TVQG")]))
        out.append(f'<record><leader>00000nam a2200000 a 4500</leader>{"".join(fields)}</record>')
    out.append("</collection>")
    return "\n".join(out)


def _datafield(tag: str, indicators: str, subfields: list[tuple[str, str]]) -> str:
    inner = "".join(f'<subfield code="{code}">{escape(value)}</subfield>' for code, value in subfields)
    return f'<datafield tag="{tag}" ind1="{indicators[0]}" ind2="{indicators[1]}">{inner}</datafield>'


def add_records(store: Store, folder: Path, library: str, *records: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{library}-{records[0]['id']}.xml"
    path.write_text(marcxml(*records), encoding="utf-8")
    report = ingest([path], library, store, minter_for(store, BASE))
    assert report.converted == len(records), report.errors


def uris(results) -> list[str]:
    return [hit.uri for hit in results.hits]


def labels(results) -> list[str]:
    return [hit.label for hit in results.hits]


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> tuple[Store, SearchIndex]:
    folder = tmp_path_factory.mktemp("samples") / "store"
    store = samples_store(folder)
    index = SearchIndex(folder / "search")
    sync(store, index)
    return store, index


# --- Vietnamese ----------------------------------------------------------------------------------


@pytest.mark.parametrize("variants", [
    ["ha noi", "Ha Noi", "Hà Nội", "HÀ NỘI", unicodedata.normalize("NFD", "Hà Nội")],
    ["nguyen du", "Nguyễn Du", "NGUYEN DU"],
    ["dat rung phuong nam", "Đất rừng phương Nam", "DAT RUNG PHUONG NAM"],
])
def test_case_and_diacritics_do_not_change_what_is_found(samples, variants):
    _, index = samples
    found = [set(uris(search(index, v, size=100))) for v in variants]
    assert found[0], f"{variants[0]!r} finds nothing"
    assert all(f == found[0] for f in found), variants


def test_nguyen_du_finds_the_poet_first(samples):
    _, index = samples
    top = search(index, "nguyen du").hits[0]
    assert (top.kind, top.label) == ("agent", "Nguyễn Du")


def test_d_with_stroke_is_folded(samples):
    _, index = samples
    for query in ("dang thuy tram", "doan gioi"):
        assert any("Đ" in hit.label for hit in search(index, query).hits), query


def test_whole_title_ranks_first(samples):
    """"Truyện Kiều" itself before the books that only mention it in their titles."""
    _, index = samples
    ranked = [(h.kind, h.label) for h in search(index, "truyen kieu", size=50).hits]
    exact = [i for i, (kind, label) in enumerate(ranked) if kind == "work" and label == "Truyện Kiều"]
    partial = [i for i, (kind, label) in enumerate(ranked) if kind == "work" and label != "Truyện Kiều"]
    assert exact and partial and max(exact) < min(partial), ranked


def test_exact_diacritics_rank_before_folded_equals(tmp_path):
    """Two titles that fold alike: each spelling finds both, its own first."""
    store, index = Store(None), SearchIndex(None)
    add_records(store, tmp_path, "VN-TEST",
                {"id": "A1", "title": "Đà Nẵng xưa và nay"},
                {"id": "A2", "title": "Da Nang xua va nay"})
    sync(store, index)
    accented = search(index, "Đà Nẵng", Filters(types=["instance"]))
    plain = search(index, "da nang", Filters(types=["instance"]))
    assert labels(accented) == ["Đà Nẵng xưa và nay", "Da Nang xua va nay"]
    assert labels(plain) == ["Da Nang xua va nay", "Đà Nẵng xưa và nay"]


def test_a_near_miss_is_offered_when_nothing_matches(samples):
    _, index = samples
    results = search(index, "nguyen nhta anh")  # one letter pair swapped
    assert results.approximate
    assert results.hits and results.hits[0].label == "Nguyễn Nhật Ánh"
    assert not search(index, "nguyen nhat anh").approximate


# --- identifiers, facets, pages ------------------------------------------------------------------


@pytest.mark.parametrize("isbn", ["978-604-1-00069-8", "9786041000698", "604-1-00069-8"])
def test_isbn_in_any_form_finds_the_records(samples, isbn):
    _, index = samples
    hits = search(index, isbn, Filters(types=["instance"])).hits
    assert len(hits) == 3, [h.label for h in hits]
    assert all(h.label.startswith("Tôi thấy hoa vàng trên cỏ xanh") for h in hits)
    assert {lib for h in hits for lib in h.libraries} == {"VN-TVQG", "VN-TVVP", "VN-TVKHTH"}


def test_facets_count_and_filter(samples):
    _, index = samples
    everything = search(index, "", size=1)
    facets = everything.facets
    assert {v for v, _ in facets["type"]} == {"work", "instance", "agent", "subject"}
    assert {v for v, _ in facets["library"]} == {"VN-TVQG", "VN-TVVP", "VN-TVKHTH", "VN-DHQGHN"}
    assert "vie" in {v for v, _ in facets["language"]} and "eng" in {v for v, _ in facets["language"]}
    assert facets["subject"] and everything.decades

    tvvp = dict(facets["library"])["VN-TVVP"]
    only = search(index, "", Filters(libraries=["VN-TVVP"]), size=100)
    assert only.total == tvvp
    assert all("VN-TVVP" in hit.libraries for hit in only.hits)
    # the chosen facet still counts its other values, so one can switch library
    assert len(only.facets["library"]) == 4

    books = search(index, "", Filters(types=["instance"], languages=["eng"]), size=100)
    assert books.total and all(h.kind == "instance" for h in books.hits)
    assert any(h.label == "The sorrow of war" for h in books.hits)
    assert not any(h.label == "Truyện Kiều" for h in books.hits)


def test_year_range(samples):
    _, index = samples
    old = search(index, "", Filters(types=["instance"], year_from=1800, year_to=1899), size=100)
    assert old.total and all(any(1800 <= y <= 1899 for y in h.years) for h in old.hits)
    assert "Đồng Khánh địa dư chí: phần tỉnh Sơn Tây (phủ Vĩnh Tường)" in labels(old)
    later = search(index, "", Filters(year_from=2000), size=100)
    assert not set(uris(old)) & set(uris(later))


def test_subject_facet_filters(samples):
    _, index = samples
    subject = "Văn học thiếu nhi--Việt Nam"
    results = search(index, "", Filters(types=["work"], subjects=[subject]), size=100)
    assert "Dế Mèn phiêu lưu ký" in labels(results)
    assert "Truyện Kiều" not in labels(results)


def test_pages_do_not_overlap(samples):
    _, index = samples
    first, second = search(index, "", size=10, page=1), search(index, "", size=10, page=2)
    assert first.total == second.total > 20
    assert len(first.hits) == len(second.hits) == 10
    assert not set(uris(first)) & set(uris(second))


def test_query_syntax_is_plain_text(samples):
    """What would be query language elsewhere is just words here: nothing to inject, nothing to break."""
    _, index = samples
    for text in ('kind:agent OR *', 'year:[0 TO 3000]', '"unbalanced', '((( ]]]', "a" * 5000):
        search(index, text)  # no exception
    assert search(index, "kind:agent").total == 0


# --- suggest -------------------------------------------------------------------------------------


def test_suggest_completes_the_last_word(samples):
    _, index = samples
    assert suggest(index, "nguyen d")[0].label == "Nguyễn Du"
    assert "Truyện Kiều" in [s.label for s in suggest(index, "Truyện K")]
    assert "Dế Mèn phiêu lưu ký" in [s.label for s in suggest(index, "de me")]
    assert {s.kind for s in suggest(index, "van hoc")} == {"subject"}
    assert suggest(index, "") == [] and suggest(index, "   ") == []


# --- following the store -------------------------------------------------------------------------


def test_index_follows_ingest_and_withdrawal(tmp_path):
    store = samples_store(tmp_path / "store")
    index = SearchIndex(tmp_path / "store" / "search")
    sync(store, index)
    assert search(index, "Mùa lá rụng trong vườn").total == 0

    add_records(store, tmp_path / "in", "VN-TVVP",
                {"id": "NEW1", "title": "Mùa lá rụng trong vườn", "author": "Ma Văn Kháng", "year": "1985"})
    report = sync(store, index)
    assert report.changes == 1
    found = search(index, "mua la rung trong vuon", Filters(types=["instance"]))
    assert labels(found) == ["Mùa lá rụng trong vườn"] and found.hits[0].libraries == ["VN-TVVP"]
    assert search(index, "ma van khang", Filters(types=["agent"])).total == 1

    # one library withdraws its copy of a work that three libraries describe: the work stays, held by two
    def holders() -> set[str]:
        hits = search(index, "Việt Nam sử lược", Filters(types=["work"])).hits
        return {lib for hit in hits if hit.label == "Việt Nam sử lược" for lib in hit.libraries}

    assert holders() == {"VN-TVQG", "VN-TVVP", "VN-TVKHTH"}
    minter = minter_for(store, BASE)
    removed, _ = withdraw(store, minter, "VN-TVVP", ["NEW1", "TVVP002290"])
    assert removed == 2
    sync(store, index)
    assert search(index, "Mùa lá rụng trong vườn").total == 0
    assert search(index, "ma van khang", Filters(types=["agent"])).total == 0
    assert holders() == {"VN-TVQG", "VN-TVKHTH"}

    # the synced index says what a rebuilt one says
    fresh = SearchIndex(tmp_path / "fresh")
    rebuild(store, fresh)
    assert len(fresh) == len(index)
    for query in ("viet nam su luoc", "nguyen du", "ha noi"):
        assert uris(search(fresh, query, size=100)) == uris(search(index, query, size=100))


def test_index_remembers_where_it_stopped(tmp_path):
    store = samples_store(tmp_path / "store")
    folder = tmp_path / "store" / "search"
    index = SearchIndex(folder)
    sync(store, index)
    seq, count = index.seq, len(index)
    assert seq > 0 and json.loads((folder / STATE_FILE).read_text())["seq"] == seq

    again = SearchIndex(folder)
    assert (again.seq, len(again)) == (seq, count)
    assert sync(store, again).changes == 0

    # an index written under another schema version is dropped and built again
    (folder / STATE_FILE).write_text(json.dumps({"version": -1, "seq": seq}))
    older = SearchIndex(folder)
    assert len(older) == 0
    sync(store, older)
    assert len(older) == count and older.seq == seq


def test_nfd_records_of_the_corpus_are_found_by_nfc_and_folded_queries(tmp_path):
    """loc-books-sample writes many titles decomposed (NFD); they are indexed composed."""
    sample = CORPUS / "loc-books-sample" / "sample_2000.mrc"
    if not sample.is_file():
        pytest.skip(f"the shared corpus is not at {CORPUS} (loc-books-sample)")
    words = (("Rožmberk", "rozmberk"), ("Unabhängigkeitserlangung", "unabhangigkeitserlangung"))
    records = sample.read_bytes().split(b"\x1d")[:-1]
    wanted = [unicodedata.normalize("NFD", composed).encode("utf-8") for composed, _ in words]
    chosen = records[:150] + [r for r in records[150:] if any(w in r for w in wanted)]
    (tmp_path / "part.mrc").write_bytes(b"".join(r + b"\x1d" for r in chosen))
    store = Store(tmp_path / "store")
    ingest([tmp_path / "part.mrc"], "VN-CORPUS", store, minter_for(store, BASE))
    index = SearchIndex(tmp_path / "store" / "search")
    sync(store, index)
    instances = Filters(types=["instance"])
    for composed, folded in words:
        assert unicodedata.normalize("NFD", composed) != composed
        by_nfc = set(uris(search(index, composed, instances)))
        assert len(by_nfc) == 1, composed
        assert by_nfc == set(uris(search(index, folded, instances)))
        assert by_nfc == set(uris(search(index, unicodedata.normalize("NFD", composed), instances)))


def test_update_index_and_the_index_command(tmp_path):
    """What `lod ingest` calls after loading, and `lod index`, on a store folder."""
    from typer.testing import CliRunner

    from lod.cli import app
    from lod.search import update_index

    store = samples_store(tmp_path / "store")
    first = update_index(store)
    assert first is not None and first.documents > 300
    novel = {"id": "UPD1", "title": "Bến không chồng", "author": "Dương Hướng"}
    add_records(store, tmp_path / "in", "VN-TVKHTH", novel)
    assert update_index(store).changes == 1
    assert update_index(Store(None)) is None  # an in-memory store keeps no index
    del store

    result = CliRunner().invoke(app, ["index", "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    index = SearchIndex(tmp_path / "store" / "search")
    assert labels(search(index, "ben khong chong", Filters(types=["instance"]))) == ["Bến không chồng"]
