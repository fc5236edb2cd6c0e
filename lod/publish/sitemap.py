"""Sitemaps for crawlers: an index naming one sitemap per kind and chunk, each of at most `size` URLs
(the protocol allows 50,000), listing the HTML document of every resource.

Chunks are read from the store on request with LIMIT/OFFSET over the same selection the dataset's entity
counts use, so the index (made from those counts) and the chunks agree.
"""

from __future__ import annotations

import json
import math
from xml.etree import ElementTree as ET

from lod.store import Store

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def chunks(entities: dict[str, int], size: int) -> list[tuple[str, int]]:
    """(kind, chunk number) of every sitemap file, from the count of resources of each kind."""
    return [(kind, n) for kind, count in entities.items() for n in range(1, math.ceil(count / size) + 1)]


def index(served_base: str, parts: list[tuple[str, int]], modified: str | None) -> bytes:
    root = ET.Element("sitemapindex", xmlns=NS)
    for kind, n in parts:
        entry = ET.SubElement(root, "sitemap")
        ET.SubElement(entry, "loc").text = f"{served_base}sitemap-{kind}-{n}.xml"
        if modified:
            ET.SubElement(entry, "lastmod").text = modified
    return _xml(root)


def urlset(store: Store, stored_base: str, served_base: str, kind: str, n: int, size: int) -> bytes:
    """Sitemap `n` (from 1) of `kind`: the HTML documents of its resources."""
    root = ET.Element("urlset", xmlns=NS)
    for uri in _resources(store, stored_base, kind, (n - 1) * size, size):
        key = uri[len(f"{stored_base}id/{kind}/"):]
        ET.SubElement(ET.SubElement(root, "url"), "loc").text = f"{served_base}doc/{kind}/{key}.html"
    return _xml(root)


def _resources(store: Store, base: str, kind: str, offset: int, limit: int) -> list[str]:
    prefix = json.dumps(f"{base}id/{kind}/")
    rows = store.query(
        f"""SELECT DISTINCT ?s WHERE {{ ?s a ?type FILTER(STRSTARTS(STR(?s), {prefix}) && !CONTAINS(STR(?s), "#")) }}
            ORDER BY ?s OFFSET {int(offset)} LIMIT {int(limit)}"""
    )
    return [r["s"].value for r in rows]


def _xml(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
