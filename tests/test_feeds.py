"""The change feed (/changes, ActivityStreams 2.0 change discovery) and the Atom feeds of new acquisitions,
end to end: a real server over the samples after some changes, read with httpx and feedparser."""

from __future__ import annotations

import gc
from pathlib import Path

import feedparser
import httpx
import pytest
from lxml import etree

from lod.config import Settings
from lod.dataset import minter_for
from lod.ingest import ingest, withdraw
from lod.web.app import create_app
from lod.web.feeds import AS2, FeedSettings, feed_settings
from tests.test_oai_provider import MINTED, SAMPLES, sample_store

PAGE = 10
ENTRIES = 5
MARC = "{http://www.loc.gov/MARC21/slim}"
TRICKY = "Sách & báo <b>in đậm</b> \"trích\""  # record text that must come out as text, never markup
NEW_ID = "KHTH-NEW-0001"


@pytest.fixture(scope="module")
def site(tmp_path_factory, serve, free_port):
    """The samples, then one record withdrawn, one retitled and one added (with markup characters); served."""
    path = tmp_path_factory.mktemp("feeds")
    store = sample_store(path)
    minter = minter_for(store, MINTED)
    gone = next(store.journal.entries("VN-TVVP")).record_id
    withdraw(store, minter, "VN-TVVP", [gone])
    ingest([_changed(path.parent / "retitled.xml", None)], "VN-TVKHTH", store, minter)
    ingest([_changed(path.parent / "added.xml", NEW_ID)], "VN-TVKHTH", store, minter)
    changes = store.journal.changes(limit=100_000)
    store.flush()
    del store
    gc.collect()
    port = free_port()
    app = create_app(Settings(store=path, base_uri=f"http://127.0.0.1:{port}/"))
    app.dependency_overrides[feed_settings] = lambda: FeedSettings(page_size=PAGE, entries=ENTRIES)
    with serve(app, port) as root:
        yield root, changes, gone


def _changed(path: Path, new_id: str | None) -> Path:
    """The first sample record of VN-TVKHTH titled TRICKY (under another control number when `new_id`)."""
    tree = etree.parse(str(SAMPLES / "VN-TVKHTH" / "records.xml"))
    records = tree.getroot().findall(f"{MARC}record")
    records[0].find(f"{MARC}datafield[@tag='245']/{MARC}subfield[@code='a']").text = TRICKY
    if new_id:
        records[0].find(f"{MARC}controlfield[@tag='001']").text = new_id
    for other in records[1:]:
        tree.getroot().remove(other)
    tree.write(str(path), encoding="utf-8", xml_declaration=True)
    return path


def test_the_collection_says_how_many_changes_and_where_the_pages_are(site):
    root, changes, _ = site
    response = httpx.get(f"{root}changes", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert AS2 in response.headers["content-type"]
    body = response.json()
    assert body["@context"] == AS2 and body["type"] == "OrderedCollection"
    assert body["totalItems"] == len(changes)
    assert body["first"]["id"] == f"{root}changes/1"
    assert body["last"]["id"] == f"{root}changes/{-(-len(changes) // PAGE)}"


def test_the_pages_hold_every_change_in_order(site):
    root, changes, gone = site
    url, items, pages = f"{root}changes/1", [], 0
    while url:
        page = httpx.get(url, timeout=30).json()
        assert page["type"] == "OrderedCollectionPage" and page["partOf"]["id"] == f"{root}changes"
        assert page["startIndex"] == len(items)
        items += page["orderedItems"]
        pages += 1
        url = page.get("next", {}).get("id")
    assert pages == -(-len(changes) // PAGE) > 1
    assert [item["type"] for item in items] == [{"create": "Create", "update": "Update", "delete": "Delete"}[c.action]
                                                for c in changes]
    assert [item["endTime"] for item in items] == [c.time for c in changes]
    assert all(item["object"]["id"].startswith(f"{root}id/instance/") for item in items)
    assert all(item["actor"]["id"].startswith(f"{root}id/library/") for item in items)
    assert {"Create", "Update", "Delete"} <= {item["type"] for item in items}
    deletion = next(item for item in items if item["type"] == "Delete")
    assert deletion["object"]["id"].endswith(gone) and "name" not in deletion["object"]
    update = next(item for item in items if item["type"] == "Update")
    assert update["object"]["name"].startswith(TRICKY)


def test_a_change_leads_to_the_resource(site):
    root, _, _ = site
    items = httpx.get(f"{root}changes/1", timeout=30).json()["orderedItems"]
    created = items[0]["object"]["id"]
    response = httpx.get(created, headers={"Accept": "text/turtle"}, follow_redirects=True, timeout=30)
    assert response.status_code == 200 and created.encode() in response.content
    last = httpx.get(f"{root}changes", timeout=30).json()["last"]["id"]
    deleted = next(i for i in httpx.get(last, timeout=30).json()["orderedItems"] if i["type"] == "Delete")
    assert httpx.get(deleted["object"]["id"], timeout=30).status_code == 404


def test_pages_out_of_range_are_404(site):
    root, changes, _ = site
    assert httpx.get(f"{root}changes/0", timeout=30).status_code == 404
    assert httpx.get(f"{root}changes/first", timeout=30).status_code == 404
    assert httpx.get(f"{root}changes/{len(changes)}", timeout=30).status_code == 404
    complete = httpx.get(f"{root}changes/1", timeout=30)
    assert "max-age" in complete.headers["cache-control"]  # a full page never changes


def test_new_acquisitions_overall(site):
    root, changes, gone = site
    response = httpx.get(f"{root}feeds/new.atom", timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title.startswith("Tài liệu mới")
    assert len(feed.entries) == ENTRIES
    published = [entry.published for entry in feed.entries]
    assert published == sorted(published, reverse=True)
    assert all(entry.link.startswith(f"{root}id/instance/") and entry.title for entry in feed.entries)
    assert feed.entries[0].link == f"{root}id/instance/VN-TVKHTH-{NEW_ID}"  # the latest addition first
    assert not any(entry.link.endswith(gone) for entry in feed.entries)


def test_new_acquisitions_of_one_library(site):
    root, changes, _ = site
    feed = feedparser.parse(httpx.get(f"{root}feeds/new/VN-TVVP.atom", timeout=30).content)
    assert not feed.bozo
    assert "Vĩnh Phúc" in feed.feed.title
    assert len(feed.entries) == ENTRIES
    assert all(entry.tags[0].term == "VN-TVVP" for entry in feed.entries)
    assert all("/id/instance/VN-TVVP-" in entry.link for entry in feed.entries)
    assert httpx.get(f"{root}feeds/new/VN-NONE.atom", timeout=30).status_code == 404


def test_record_text_stays_text_in_the_atom_feed(site):
    root, _, _ = site
    body = httpx.get(f"{root}feeds/new/VN-TVKHTH.atom", timeout=30).content
    assert b"<b>" not in body  # escaped, never markup
    newest = feedparser.parse(body).entries[0]
    assert newest.title.startswith(TRICKY)
