"""Feeds of what changed: the journal's changes as ActivityStreams 2.0 change discovery at /changes (an
OrderedCollection of Create, Update and Delete activities, in fixed pages, oldest first), and Atom feeds of
newly added titles ("new acquisitions"), overall at /feeds/new.atom and per library at /feeds/new/{ISIL}.atom.

Change number n is on page ceil(n / page size) and stays there, so every page but the last never changes
and can be cached; a client that read up to a page reads on from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from feedgen.feed import FeedGenerator

from lod.dataset import library_descriptions
from lod.journal import Change
from lod.oai import records
from lod.rebase import Rebase
from lod.store import Store
from lod.terms import iri_text
from lod.web import SITE_NAME, PlainError, RebaseDep, StoreDep

router = APIRouter()

AS2 = "https://www.w3.org/ns/activitystreams"
AS2_TYPE = f'application/ld+json; profile="{AS2}"'
ATOM_TYPE = "application/atom+xml; charset=utf-8"
BF = "http://id.loc.gov/ontologies/bibframe/"
SCHEMA = "http://schema.org/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
ACTIVITIES = {"create": "Create", "update": "Update", "delete": "Delete"}


@dataclass(frozen=True)
class FeedSettings:
    """Activities per /changes page and entries per Atom feed (tests may override this dependency)."""

    page_size: int = 100
    entries: int = 50


def feed_settings() -> FeedSettings:
    return FeedSettings()


FeedSettingsDep = Annotated[FeedSettings, Depends(feed_settings)]


# --- what a record is about ------------------------------------------------------------------------


def summaries(store: Store, changes: list[Change], base: str) -> dict[tuple[str, str], dict]:
    """Per (library, record id): its instance's URI, title and authors, read from the record's graph.

    A record whose graph is gone (deleted) gets the URI its instance was minted under.
    """
    graphs = {}
    for change in changes:
        entry = store.journal.get(change.library, change.record_id)
        graphs[(change.library, change.record_id)] = entry.graph if entry else None
    found = {key: {"uri": records.instance_uri(base, *key), "title": None, "authors": []} for key in graphs}
    by_graph = {graph: key for key, graph in graphs.items() if graph}
    if not by_graph:
        return found
    rows = store.query(f"""
        SELECT ?g ?i (SAMPLE(?name) AS ?title) (GROUP_CONCAT(DISTINCT ?author; separator="\\n") AS ?authors) WHERE {{
          VALUES ?g {{ {" ".join(iri_text(g) for g in by_graph)} }}
          GRAPH ?g {{
            ?i a <{BF}Instance> .
            OPTIONAL {{ ?i <{SCHEMA}name>|<{RDFS}label> ?name }}
            OPTIONAL {{ ?i <{BF}instanceOf>/<{SCHEMA}author>/<{SCHEMA}name> ?author }}
          }}
          FILTER(STRSTARTS(STR(?i), {json.dumps(base + "id/instance/")}) && !CONTAINS(STR(?i), "#"))
        }} GROUP BY ?g ?i""")
    for row in rows:
        key = by_graph[row["g"].value]
        authors = row["authors"].value.split("\n") if row["authors"] and row["authors"].value else []
        found[key] = {"uri": row["i"].value, "title": row["title"].value if row["title"] else None,
                      "authors": sorted(authors)}
    return found


def _library_uris(store: Store) -> dict[str, str]:
    return {lib["isil"]: lib["uri"] for lib in library_descriptions(store)}


# --- ActivityStreams change discovery ----------------------------------------------------------------


@router.api_route("/changes", methods=["GET", "HEAD"])
def collection(store: StoreDep, rebase: RebaseDep, settings: FeedSettingsDep) -> Response:
    total = records.last_seq(store)
    pages = max(1, -(-total // settings.page_size))
    root = f"{rebase.served}changes"
    body = {"@context": AS2, "id": root, "type": "OrderedCollection", "totalItems": total,
            "first": {"id": f"{root}/1", "type": "OrderedCollectionPage"},
            "last": {"id": f"{root}/{pages}", "type": "OrderedCollectionPage"}}
    return _as2(body)


@router.api_route("/changes/{page}", methods=["GET", "HEAD"])
def collection_page(page: str, store: StoreDep, rebase: RebaseDep, settings: FeedSettingsDep) -> Response:
    total = records.last_seq(store)
    pages = max(1, -(-total // settings.page_size))
    number = int(page) if page.isdigit() else 0
    if not 1 <= number <= pages:
        raise PlainError(404, f"No page {page!r}: the change list has pages 1 to {pages} (see /changes).")
    changes = store.journal.changes(after=(number - 1) * settings.page_size, limit=settings.page_size)
    root = f"{rebase.served}changes"
    body = {"@context": AS2, "id": f"{root}/{number}", "type": "OrderedCollectionPage",
            "partOf": {"id": root, "type": "OrderedCollection"}, "startIndex": (number - 1) * settings.page_size,
            "orderedItems": _activities(store, rebase, changes)}
    if number > 1:
        body["prev"] = {"id": f"{root}/{number - 1}", "type": "OrderedCollectionPage"}
    if number < pages:
        body["next"] = {"id": f"{root}/{number + 1}", "type": "OrderedCollectionPage"}
    # Every page but the last is complete for good.
    cache = "public, max-age=86400" if number < pages else "no-cache"
    return _as2(body, {"Cache-Control": cache})


def _activities(store: Store, rebase: Rebase, changes: list[Change]) -> list[dict]:
    about = summaries(store, changes, rebase.stored)
    libraries = _library_uris(store)
    activities = []
    for change in changes:
        record = about[(change.library, change.record_id)]
        thing = {"id": rebase.to_served(record["uri"]), "type": "Object"}
        if record["title"] and change.action != "delete":
            thing["name"] = record["title"]
        activity = {"type": ACTIVITIES.get(change.action, "Update"), "object": thing, "endTime": change.time}
        if change.library in libraries:
            activity["actor"] = {"id": rebase.to_served(libraries[change.library]), "type": "Organization"}
        activities.append(activity)
    return activities


def _as2(body: dict, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, indent=1), media_type=AS2_TYPE,
                    headers={"Access-Control-Allow-Origin": "*", **(headers or {})})


# --- Atom: new acquisitions --------------------------------------------------------------------------


@router.api_route("/feeds/new.atom", methods=["GET", "HEAD"])
def new_titles(store: StoreDep, rebase: RebaseDep, settings: FeedSettingsDep) -> Response:
    return _atom(store, rebase, settings, None)


@router.api_route("/feeds/new/{isil}.atom", methods=["GET", "HEAD"])
def new_titles_of(isil: str, store: StoreDep, rebase: RebaseDep, settings: FeedSettingsDep) -> Response:
    if isil not in _library_uris(store):
        raise PlainError(404, f"No library {isil!r} in the registry: see /libraries.")
    return _atom(store, rebase, settings, isil)


def _atom(store: Store, rebase: Rebase, settings: FeedSettings, isil: str | None) -> Response:
    libraries = {lib["isil"]: lib for lib in library_descriptions(store)}
    added = records.additions(store, isil, settings.entries)
    about = summaries(store, added, rebase.stored)
    path = f"feeds/new/{isil}.atom" if isil else "feeds/new.atom"
    feed = FeedGenerator()
    feed.id(f"{rebase.served}{path}")
    name = libraries[isil]["name_vi"] if isil else SITE_NAME
    feed.title(f"Tài liệu mới · {name}")
    feed.subtitle("Biểu ghi mới bổ sung vào mục lục liên hợp (new acquisitions)")
    feed.author({"name": name})
    feed.link(href=f"{rebase.served}{path}", rel="self", type="application/atom+xml")
    feed.link(href=f"{rebase.served}libraries" + (f"#{isil}" if isil else ""), rel="alternate", type="text/html")
    feed.language("vi")
    feed.updated(added[0].time if added else (records.earliest(store) or "1970-01-01T00:00:00Z"))
    for change in added:
        _entry(feed, change, about[(change.library, change.record_id)], libraries.get(change.library), store,
               rebase)
    return Response(feed.atom_str(pretty=True), media_type=ATOM_TYPE)


def _entry(feed: FeedGenerator, change: Change, record: dict, library: dict | None, store: Store,
           rebase: Rebase) -> None:
    entry = feed.add_entry(order="append")
    uri = rebase.to_served(record["uri"])
    entry.id(uri)
    entry.title(record["title"] or change.record_id)
    entry.link(href=uri, rel="alternate")
    entry.published(change.time)
    held = store.journal.get(change.library, change.record_id)
    entry.updated(held.datestamp if held else change.time)
    for author in record["authors"] or [library["name_vi"] if library else change.library]:
        entry.author({"name": author})
    where = (library or {}).get("name_vi") or change.library
    entry.summary(f"{' ; '.join(record['authors'])} — {where}" if record["authors"] else where)
    entry.category(term=change.library, label=where)
