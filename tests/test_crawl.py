"""As a linked data crawler would: start from the home page and the sitemap, dereference every resource
with rdflib, follow the links its RDF gives, and get valid RDF in every format (and a page for people)."""

from __future__ import annotations

from collections import deque
from xml.etree import ElementTree as ET

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from tests.html_page import page
from tests.test_publish_resources import build_sample_store

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
           "application/rdf+xml": "xml"}
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
LIMIT = 150  # resources the crawl visits at most: enough to cover the sample's kinds, bounded in time


class Crawler:
    """A small crawler: rdflib dereferences each URI (303 and all), the links are the IRIs it finds."""

    def __init__(self, root: str):
        self.root = root
        self.client = httpx.Client(timeout=30)
        self.checked: dict[str, int] = {}  # format → documents parsed

    def mine(self, iri: str) -> bool:
        return iri.startswith(self.root + "id/")

    def home_links(self) -> list[str]:
        links = page(self.client.get(self.root).text).links
        return [self.root + href[1:].split("?")[0] for href, _ in links if href and href.startswith("/id/")]

    def sitemap(self) -> list[str]:
        index = ET.fromstring(self.client.get(self.root + "sitemap.xml").content)
        pages = []
        for loc in index.iter(f"{SITEMAP}loc"):
            pages += [page.text for page in ET.fromstring(self.client.get(loc.text).content).iter(f"{SITEMAP}loc")]
        return pages

    def visit(self, uri: str) -> set[str]:
        """Every format of one resource, parsed and compared; returns the resources it links to."""
        graph = Graph().parse(uri)  # rdflib's own Accept header, through the 303
        assert (URIRef(uri), None, None) in graph, uri
        self._count("rdflib default")
        for media, name in FORMATS.items():
            response = self.client.get(uri, headers={"Accept": media}, follow_redirects=True)
            assert response.status_code == 200 and response.headers["content-type"].startswith(media), (uri, media)
            parsed = Graph().parse(data=response.content, format=name)
            assert isomorphic(parsed, graph), (uri, media, set(parsed) ^ set(graph))
            self._count(media)
        html = self.client.get(uri, headers={"Accept": "text/html"}, follow_redirects=True)
        assert html.status_code == 200 and "<h1>" in html.text, uri
        self._count("text/html")
        return {str(t).split("#")[0] for triple in graph for t in triple if isinstance(t, URIRef) and self.mine(str(t))}

    def crawl(self, seeds: list[str], limit: int) -> list[str]:
        todo, seen, visited = deque(seeds), set(seeds), []
        while todo and len(visited) < limit:
            uri = todo.popleft()
            visited.append(uri)
            for linked in sorted(self.visit(uri) - seen):
                seen.add(linked)
                todo.append(linked)
        return visited

    def _count(self, media: str) -> None:
        self.checked[media] = self.checked.get(media, 0) + 1


@pytest.fixture(scope="module")
def root(tmp_path_factory, serve_built):
    with serve_built(build_sample_store, tmp_path_factory.mktemp("samples")) as served:
        yield served


def test_crawl_from_the_home_page_follows_links_across_the_dataset(root):
    crawler = Crawler(root)
    seeds = list(dict.fromkeys(crawler.home_links()))
    if not any("/id/work/" in seed for seed in seeds):
        pytest.skip("the sample records did not convert (the mappings are being changed?)")
    visited = crawler.crawl(seeds, LIMIT)
    kinds = {uri[len(root) + 3:].split("/")[0] for uri in visited}
    print(f"\ncrawl: {len(visited)} resources from {len(seeds)} links on the home page; kinds {sorted(kinds)}; "
          f"documents checked per format: {crawler.checked}")
    assert len(visited) >= 100
    assert len(set(visited) - set(seeds)) >= 90  # reached by following links, not given
    assert {"work", "instance", "item", "agent", "subject", "library"} <= kinds
    assert all(crawler.checked[media] == len(visited) for media in FORMATS)


def test_every_sitemap_page_leads_to_its_rdf(root):
    crawler = Crawler(root)
    pages = crawler.sitemap()
    assert len(pages) > 100
    for url in pages:
        response = crawler.client.head(url)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html"), url
        turtle = _alternate(response.headers["link"], "text/turtle")
        graph = Graph().parse(root + turtle.lstrip("/"), format="turtle")
        resource = URIRef(url.replace("/doc/", "/id/", 1).removesuffix(".html"))
        assert (resource, None, None) in graph, url
    print(f"\nsitemap: {len(pages)} pages, each with its Turtle alternate parsed")


def _alternate(header: str, media: str) -> str:
    for part in header.split(","):
        if f'type="{media}"' in part:
            return part.split(";")[0].strip().strip("<>")
    raise AssertionError(f"no {media} alternate in {header}")
