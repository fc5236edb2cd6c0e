"""Search and suggest end to end: a real uvicorn server over a real store of the samples, served under
another base than the one its URIs were minted under, read with httpx, rdflib and headless Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph, URIRef

from lod.config import Settings
from lod.web.app import create_app
from tests.html_page import page as parse_page
from tests.test_search import add_records, marcxml, samples_store

MARKUP_TITLE = '<script>alert("x")</script> & Sách <b>mẫu</b>'


@pytest.fixture(scope="module")
def root(tmp_path_factory, serve, free_port) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("search-site")
    store = samples_store(folder / "store")
    add_records(store, folder / "in", "VN-TVVP", {"id": "MARKUP1", "title": MARKUP_TITLE, "author": "Vô Danh"})
    del store  # the server opens it read-write: release RocksDB's lock first
    port = free_port()
    with serve(create_app(Settings(store=folder / "store", base_uri=f"http://127.0.0.1:{port}/")), port) as url:
        yield url


@pytest.fixture()
def client(root) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=root, timeout=30) as c:
        yield c


def found(client: httpx.Client, q: str, **params) -> dict:
    response = client.get("/search", params={"q": q, **params}, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


# --- JSON ----------------------------------------------------------------------------------------


def test_json_lists_each_hit_by_its_uri_under_the_served_base(client, root):
    body = found(client, "ha noi")
    assert body["total"] > 0 and body["hits"]
    assert all(hit["uri"].startswith(root + "id/") for hit in body["hits"])
    assert not any("127.0.0.1:8000" in hit["uri"] for hit in body["hits"])
    assert client.get("/search", params={"q": "ha noi", "format": "json"}).json()["hits"] == body["hits"]


def test_spellings_find_the_same_over_http(client):
    variants = [{h["uri"] for h in found(client, q, size=100)["hits"]} for q in ("ha noi", "Ha Noi", "Hà Nội")]
    assert variants[0] and variants[0] == variants[1] == variants[2]


def test_a_hit_can_be_followed_as_linked_data(client, root):
    top = found(client, "nguyen du")["hits"][0]
    assert (top["type"], top["label"]) == ("agent", "Nguyễn Du")
    with httpx.Client(timeout=30, follow_redirects=True) as crawler:
        response = crawler.get(top["uri"], headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    assert (URIRef(top["uri"]), None, None) in graph


def test_pages_and_next_link(client):
    first = found(client, "", size=5)
    assert first["next"]
    second = client.get(first["next"]).json()
    assert second["page"] == 2 and len(second["hits"]) == 5
    assert not {h["uri"] for h in first["hits"]} & {h["uri"] for h in second["hits"]}


def test_facets_in_json_and_their_filters(client):
    body = found(client, "", size=1)
    libraries = {f["value"]: f for f in body["facets"]["library"]}
    assert libraries["VN-TVQG"]["label"] == "Thư viện Quốc gia Việt Nam"
    narrowed = found(client, "", library="VN-TVQG", size=100)
    assert narrowed["total"] == libraries["VN-TVQG"]["count"]
    assert all("VN-TVQG" in hit["libraries"] for hit in narrowed["hits"])
    decades = body["facets"]["year"]
    assert decades and all(d["to"] == d["from"] + 9 for d in decades)
    old = found(client, "", type="instance", **{"from": 1800, "to": 1899})
    assert old["total"] and all(any(1800 <= y <= 1899 for y in h["years"]) for h in old["hits"])


def test_refusals(client):
    assert client.get("/search", params={"q": "x"}, headers={"Accept": "text/csv"}).status_code == 406
    bad = client.get("/search", params={"q": "x", "page": "two"})
    assert bad.status_code == 400 and "page" in bad.text


# --- HTML ----------------------------------------------------------------------------------------


def test_html_page_lists_hits_and_facets(client):
    response = client.get("/search", params={"q": "truyen kieu"}, headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept"
    page = parse_page(response.text)
    hits = [(href, text) for href, text in page.links if href.startswith("/id/")]
    assert ("Truyện Kiều" in [text for _, text in hits[:5]]), hits[:5]
    facet_links = [href for href, _ in page.links if href.startswith("/search?") and "type=" in href]
    assert facet_links
    # following a facet link narrows the hits to that type
    narrowed = client.get(facet_links[0] + "&format=json").json()
    assert narrowed["total"] and len({h["type"] for h in narrowed["hits"]}) == 1


def test_html_page_in_english(client):
    response = client.get("/search", params={"q": "truyen kieu", "lang": "en"}, headers={"Accept": "text/html"})
    assert '<html lang="en">' in response.text and "results for" in response.text
    page = parse_page(response.text)
    assert ("/search?q=truyen+kieu&lang=en&type=work", "Work") in page.links
    assert any(href.startswith("/id/") and href.endswith("?lang=en") for href, _ in page.links)
    assert client.get("/suggest", params={"q": "nguyen d", "lang": "en"}).json()["suggestions"][0]["type_label"] \
        == "Person or organisation"


def test_record_text_is_escaped(client):
    body = found(client, "Sách mẫu vô danh")
    assert MARKUP_TITLE in [hit["label"] for hit in body["hits"]]
    html = client.get("/search", params={"q": "Sách mẫu vô danh"}, headers={"Accept": "text/html"}).text
    assert "<script>alert" not in html and "<b>mẫu</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sách &lt;b&gt;mẫu&lt;/b&gt;" in html


def test_every_page_has_the_search_box(client):
    for path in ("/", "/search", "/sparql"):
        page = parse_page(client.get(path, headers={"Accept": "text/html"}).text)
        assert any(i.get("name") == "q" and "data-suggest" in i for i in page.inputs), path
        assert "/static/search.js" in page.sources, path
    script = client.get("/static/search.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]


# --- suggest -------------------------------------------------------------------------------------


def test_suggest(client, root):
    body = client.get("/suggest", params={"q": "nguyen d"}).json()
    top = body["suggestions"][0]
    assert (top["label"], top["type"]) == ("Nguyễn Du", "agent")
    assert top["uri"].startswith(root + "id/agent/") and top["href"].startswith("/id/agent/")
    assert client.get("/suggest", params={"q": ""}).json()["suggestions"] == []
    titles = [s["label"] for s in client.get("/suggest", params={"q": "de men phieu"}).json()["suggestions"]]
    assert "Dế Mèn phiêu lưu ký" in titles


# --- the suggest box in a browser ----------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_suggest_box_in_a_browser(root):
    """Typed into the header's box, suggestions appear; the arrow key and Enter open the one chosen."""
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the test extra)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
            # only the server under test: anything else the page asks for is refused
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(root)
                          else route.abort())
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(root)
            box = page.locator("header input[data-suggest]")
            box.press_sequentially("nguyen d", delay=30)
            first = page.locator("header ul.suggestions li a").first
            first.wait_for(timeout=10_000)
            assert first.inner_text().startswith("Nguyễn Du")
            assert box.get_attribute("aria-expanded") == "true"
            box.press("ArrowDown")
            box.press("Enter")
            page.wait_for_url("**/doc/agent/**", timeout=10_000)
            assert "Nguyễn Du" in page.locator("h1").inner_text()
            assert not errors, errors
        finally:
            browser.close()


def test_index_follows_writes_through_the_server(tmp_path, serve, free_port):
    """Records ingested and withdrawn over the write API are found, and then not, at once."""
    store = samples_store(tmp_path / "store")
    del store
    port, token = free_port(), "search-test-token"
    app = create_app(Settings(store=tmp_path / "store", base_uri=f"http://127.0.0.1:{port}/", write_token=token))
    auth = {"Authorization": f"Bearer {token}"}
    record = marcxml({"id": "API1", "title": "Vợ nhặt", "author": "Kim Lân", "year": "1962"})
    with serve(app, port) as url, httpx.Client(base_url=url, timeout=60) as client:
        assert found(client, "vo nhat")["total"] == 0
        assert client.post("/api/libraries/VN-TVVP/records", content=record.encode(), headers=auth).status_code == 200
        hits = found(client, "vo nhat", type="instance")["hits"]
        assert [h["label"] for h in hits] == ["Vợ nhặt"] and hits[0]["libraries"] == ["VN-TVVP"]
        assert client.get("/suggest", params={"q": "vo nh"}).json()["suggestions"][0]["label"] == "Vợ nhặt"
        assert client.delete("/api/libraries/VN-TVVP/records/API1", headers=auth).status_code == 200
        assert found(client, "vo nhat")["total"] == 0
