"""Search and suggest end to end: a real uvicorn server over a real store of the samples, served under
another base than the one its URIs were minted under, read with httpx, rdflib and headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser

import httpx
import pytest
from rdflib import Graph, URIRef

from lod.config import Settings
from lod.web.app import create_app
from tests.test_search import add_records, samples_store

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


class Links(HTMLParser):
    """The links, forms and scripts of a page."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []  # href, text
        self.inputs: list[dict] = []
        self.scripts: list[str] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self._href, self._text = attrs.get("href"), []
        elif tag == "input":
            self.inputs.append(attrs)
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def parse(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


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
    page = parse(response.text)
    hits = [(href, text) for href, text in page.links if href.startswith("/id/")]
    assert ("Truyện Kiều" in [text for _, text in hits[:5]]), hits[:5]
    facet_links = [href for href, _ in page.links if href.startswith("/search?") and "type=" in href]
    assert facet_links
    # following a facet link narrows the hits to that type
    narrowed = client.get(facet_links[0] + "&format=json").json()
    assert narrowed["total"] and len({h["type"] for h in narrowed["hits"]}) == 1


def test_record_text_is_escaped(client):
    body = found(client, "Sách mẫu vô danh")
    assert MARKUP_TITLE in [hit["label"] for hit in body["hits"]]
    html = client.get("/search", params={"q": "Sách mẫu vô danh"}, headers={"Accept": "text/html"}).text
    assert "<script>alert" not in html and "<b>mẫu</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sách &lt;b&gt;mẫu&lt;/b&gt;" in html


def test_every_page_has_the_search_box(client):
    for path in ("/", "/search", "/sparql"):
        page = parse(client.get(path, headers={"Accept": "text/html"}).text)
        assert any(i.get("name") == "q" and "data-suggest" in i for i in page.inputs), path
        assert "/static/search.js" in page.scripts, path
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


class DevTools:
    """Just enough of the Chrome DevTools Protocol to drive one page."""

    def __init__(self, websocket_url: str):
        from websockets.sync.client import connect

        self._socket = connect(websocket_url, max_size=None, open_timeout=20)
        self._next = 0

    def call(self, method: str, **params) -> dict:
        self._next += 1
        self._socket.send(json.dumps({"id": self._next, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=20))
            if message.get("id") == self._next:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def wait_for(self, expression: str, seconds: float = 15):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")

    def close(self) -> None:
        self._socket.close()


@contextmanager
def browser(free_port) -> Iterator[DevTools]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("headless Chromium is not installed (Debian package chromium)")
    port = free_port()
    with tempfile.TemporaryDirectory() as profile:
        process = subprocess.Popen(
            [executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1",
             f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            yield DevTools(_page_socket(port))
        finally:
            process.terminate()
            process.wait(timeout=20)


def _page_socket(port: int) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            pages = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=2).json()
            for page in pages:
                if page.get("type") == "page":
                    return page["webSocketDebuggerUrl"]
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError("Chromium's DevTools did not answer")


def test_suggest_box_in_a_browser(root, free_port):
    with browser(free_port) as page:
        page.call("Page.enable")
        page.call("Page.navigate", url=root)
        page.wait_for("document.readyState === 'complete' && !!document.querySelector('header input[data-suggest]')")
        page.evaluate("document.querySelector('header input[data-suggest]').focus()")
        page.call("Input.insertText", text="nguyen d")
        shown = page.wait_for("Array.from(document.querySelectorAll('header ul.suggestions li a'))"
                              ".map(a => a.firstChild.textContent)")
        assert shown[0] == "Nguyễn Du", shown
        assert page.evaluate("document.querySelector('header input[data-suggest]').getAttribute('aria-expanded')") \
            == "true"
        # the arrow key chooses a suggestion, Enter opens its page
        page.call("Input.dispatchKeyEvent", type="keyDown", key="ArrowDown", code="ArrowDown",
                  windowsVirtualKeyCode=40)
        page.call("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13)
        path = page.wait_for("location.pathname.startsWith('/doc/agent/') && location.pathname")
        assert path.startswith("/doc/agent/")
        assert "Nguyễn Du" in page.wait_for("document.querySelector('h1') && document.querySelector('h1').textContent")
        page.close()
