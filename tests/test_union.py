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


def test_instances_sharing_an_isbn_meet_on_one_cluster_and_stay_apart(tmp_path):
    from lod.ingest import withdraw
    from lod.uris import Minter

    path = tmp_path / "store"
    build_sample_store(path, "http://127.0.0.1:8000/")
    store = Store(path)
    same_as = "<http://www.w3.org/2002/07/owl#sameAs>"
    clusters = {row["hub"].value: int(row["n"].value) for row in store.query(
        f"SELECT ?hub (COUNT(DISTINCT ?i) AS ?n) WHERE {{ ?i {same_as} ?hub "
        "FILTER(STRSTARTS(STR(?hub), 'http://127.0.0.1:8000/id/instance/isbn-')) } GROUP BY ?hub")}
    assert len(clusters) >= 5 and all(n >= 2 for n in clusters.values())
    hub = max(clusters, key=clusters.get)
    members = [row["i"].value for row in store.query(f"SELECT ?i WHERE {{ ?i {same_as} <{hub}> }}")]
    # each member is its own library's instance, in its own record graph
    graphs = {row["g"].value for row in store.query(
        f"SELECT ?g WHERE {{ GRAPH ?g {{ ?i {same_as} <{hub}> }} }}")}
    assert len(graphs) == len(members) == clusters[hub]
    isil, record_id = sorted(graphs)[0].split("/graph/record/")[1].split("/", 1)
    assert withdraw(store, Minter("http://127.0.0.1:8000/"), isil, [record_id]) == (1, [])
    left = [row["i"].value for row in store.query(f"SELECT ?i WHERE {{ ?i {same_as} <{hub}> }}")]
    assert len(left) == len(members) - 1
