"""The site's own pages and files: the home page, the dumps (listing and files), the sitemaps, robots.txt
and the JSON-LD context."""

from __future__ import annotations

import hashlib
import re

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from lod.describe import local_path, recent_works
from lod.dumps import dump_path, read_index
from lod.publish import jsonld, sitemap
from lod.publish.void import DESCRIPTION, TITLE
from lod.web import PlainError, RebaseDep, SettingsDep, StoreDep, TemplatesDep, render
from lod.web.resources import StatsDep, lang_links, page_lang, per_version

router = APIRouter()

DUMP_TYPES = {".gz": "application/gzip", ".json": "application/json", ".nq": "application/n-quads",
              ".nt": "application/n-triples", ".ttl": "text/turtle", ".jsonld": "application/ld+json"}
SITEMAP_NAME = re.compile(r"sitemap-([a-z]+)-([0-9]{1,6})\.xml")
XML = "application/xml"


@router.api_route("/", methods=["GET", "HEAD"])
def home(request: Request, store: StoreDep, rebase: RebaseDep, templates: TemplatesDep, figures: StatsDep) -> Response:
    lang = page_lang(request)
    suffix = "?lang=en" if lang == "en" else ""
    libs = [{"isil": lib.isil, "name": lib.name, "href": local_path(lib.uri, rebase.stored) + suffix}
            for lib in figures.libraries]
    works = [{**work, "href": work["href"] + suffix}
             for work in per_version(request.app, store, "recent", lambda s: recent_works(s, rebase.stored))]
    counts = {**figures.entities, "quads": figures.statements}
    embedded = {"@context": jsonld.SCHEMA_CONTEXT_NAME, "@type": "DataCatalog", "@id": f"{rebase.served}dataset",
                "name": TITLE[lang], "description": DESCRIPTION[lang], "url": rebase.served,
                "dataset": {"@type": "Dataset", "@id": f"{rebase.served}id/dataset/all", "name": TITLE[lang],
                            "url": f"{rebase.served}dataset"}}
    return render(templates, "home.html", counts=counts, libraries=libs, works=works, base=rebase.served,
                  lang=lang, lang_links=lang_links(request), schema_org=embedded)


@router.api_route("/dumps/", methods=["GET", "HEAD"])
def dumps(request: Request, settings: SettingsDep, rebase: RebaseDep, templates: TemplatesDep) -> Response:
    files = [{**entry, "size": _size(entry.get("bytes", 0))} for entry in read_index(settings.dumps_dir)]
    return render(templates, "dumps.html", files=files, stored_base=rebase.stored, rebased=rebase.active,
                  lang=page_lang(request), lang_links=lang_links(request))


@router.api_route("/dumps/{name}", methods=["GET", "HEAD"])
def dump_file(name: str, settings: SettingsDep) -> Response:
    path = dump_path(settings.dumps_dir, name)
    if path is None:
        raise PlainError(404, f"No dump file named {name!r}: see /dumps/ for the list.")
    return FileResponse(path, media_type=DUMP_TYPES.get(path.suffix, "application/octet-stream"))


@router.api_route("/sitemap.xml", methods=["GET", "HEAD"])
def sitemap_index(rebase: RebaseDep, settings: SettingsDep, figures: StatsDep) -> Response:
    parts = sitemap.chunks(figures.entities, settings.sitemap_chunk)
    return Response(sitemap.index(rebase.served, parts, figures.modified), media_type=XML)


@router.api_route("/sitemap-{name}", methods=["GET", "HEAD"])
def sitemap_file(name: str, store: StoreDep, rebase: RebaseDep, settings: SettingsDep, figures: StatsDep) -> Response:
    match = SITEMAP_NAME.fullmatch(f"sitemap-{name}")
    if match is None or (match[1], int(match[2])) not in sitemap.chunks(figures.entities, settings.sitemap_chunk):
        raise PlainError(404, "No such sitemap: see /sitemap.xml for the list.")
    body = sitemap.urlset(store, rebase.stored, rebase.served, match[1], int(match[2]), settings.sitemap_chunk)
    return Response(body, media_type=XML)


@router.api_route("/robots.txt", methods=["GET", "HEAD"])
def robots(rebase: RebaseDep) -> Response:
    # Pages and documents are for crawling; query URLs run work on the server at the crawler's choosing.
    text = f"User-agent: *\nAllow: /\nDisallow: /sparql?\n\nSitemap: {rebase.served}sitemap.xml\n"
    return Response(text, media_type="text/plain")


@router.api_route("/context.jsonld", methods=["GET", "HEAD"])
def context(request: Request) -> Response:
    body = jsonld.context_text().encode("utf-8")
    etag = '"' + hashlib.blake2s(body, digest_size=12).hexdigest() + '"'
    # JSON-LD processors in browsers fetch contexts across origins.
    headers = {"ETag": etag, "Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=86400"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/ld+json", headers=headers)


def _size(count: int) -> str:
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"
