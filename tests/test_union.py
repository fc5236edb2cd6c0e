"""The union catalogue as people see it: a work's page lists the libraries holding it, a library's page
its holdings."""

from __future__ import annotations

import re

import httpx
import pytest

from lod.config import Settings
from lod.store import Store
from lod.web.app import create_app
from tests.test_publish_resources import build_sample_store

SHARED = """SELECT ?work (COUNT(DISTINCT ?lib) AS ?n) WHERE {
  ?work <http://id.loc.gov/ontologies/bibframe/hasInstance>/<http://id.loc.gov/ontologies/bibframe/hasItem>/
        <http://id.loc.gov/ontologies/bibframe/heldBy> ?lib } GROUP BY ?work ORDER BY DESC(?n) ?work LIMIT 1"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, serve, free_port):
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    path = tmp_path_factory.mktemp("union") / "store"
    build_sample_store(path, base)
    row = next(iter(Store(path, read_only=True).query(SHARED)))
    shared = (row["work"].value, int(row["n"].value))
    with serve(create_app(Settings(store=path, base_uri=base)), port) as root, \
            httpx.Client(base_url=root, timeout=60) as client:
        yield client, shared, base


def test_a_shared_work_lists_every_library_holding_it(site):
    client, (work, count), base = site
    assert count >= 2
    page = client.get(work.replace(base, "/").replace("/id/", "/doc/") + ".html", params={"lang": "en"})
    assert page.status_code == 200
    held = page.text.split("Held by", 1)[1].split("</section>", 1)[0]
    assert len(re.findall(r'href="/id/library/', held)) == count


def test_a_library_page_shows_its_holdings(site):
    client, _, _ = site
    page = client.get("/doc/library/VN-TVQG.html", params={"lang": "en"})
    assert page.status_code == 200
    holdings = page.text.split("Holdings", 1)[1].split("</section>", 1)[0]
    figures = dict(re.findall(r"<dt>(\w+)</dt><dd>([\d,]+)</dd>", holdings))
    assert int(figures["Records"].replace(",", "")) >= 15
    assert int(figures["Items"].replace(",", "")) >= 15
