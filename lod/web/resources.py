"""Identifiers and documents: `/id/{kind}/{key}` names a thing and answers 303 to the document about it,
`/doc/{kind}/{key}[.ext]` is that document, in HTML or an RDF format. The dataset's own description (DCAT
and VoID) is the document of every `/id/dataset/…` and is also served at `/dataset` and `/.well-known/void`.

Every document carries `Vary: Accept`, `Link` headers to its other formats, an ETag and, where the journal
tells, Last-Modified; a client that holds the current version gets 304.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from lod.describe import (
    KIND_NAMES,
    Description,
    curie,
    describe,
    document,
    from_triples,
    holders,
    incoming,
    knows,
    labels,
    local_path,
    modified,
    page_view,
    parse_time,
    schema_org,
)
from lod.dumps import read_index
from lod.formats import DOCUMENT_FORMATS, HTML, Format, by_name, negotiate
from lod.publish.stats import Stats, last_modified, stats
from lod.publish.version import PerVersion, VersionedCache, last_change
from lod.publish.void import Publication, description
from lod.rebase import Rebase
from lod.uris import KINDS
from lod.web import PlainError, RebaseDep, SettingsDep, StoreDep, TemplatesDep, not_acceptable, page_text

router = APIRouter()

FORMAT_LABELS = {"html": "HTML", "ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdf": "RDF/XML"}
LANGS = ("vi", "en")
DATASET_DOC = "/doc/dataset/all"
FIGURES = "figures"  # the folder, in the store's, of figures kept between runs
_cache_lock = threading.Lock()


def per_version(app: FastAPI, store, name: str, compute, decode=None):
    """A value computed from the store once per store version, kept on the app under `name`; with
    `decode`, kept in the store folder too (`figures/{name}.json`), for the next start."""
    with _cache_lock:
        caches = getattr(app.state, "per_version", None)
        if caches is None:
            caches = app.state.per_version = {}
        if name not in caches:
            folder = app.state.settings.store
            saved = folder / FIGURES / f"{name}.json" if folder is not None and decode is not None else None
            caches[name] = PerVersion(compute, saved=saved, decode=decode)
        cache = caches[name]
    return cache.get(store)


def dataset_figures(app: FastAPI, store, settings) -> Stats:
    """The dataset's figures, counted once per store version."""
    return per_version(app, store, "stats", lambda s: stats(s, settings.base_uri), Stats.from_dict)


def get_stats(request: Request, store: StoreDep, settings: SettingsDep) -> Stats:
    return dataset_figures(request.app, store, settings)


StatsDep = Annotated[Stats, Depends(get_stats)]


def page_lang(request: Request) -> str:
    """The interface language: `?lang=en` or Vietnamese."""
    lang = request.query_params.get("lang", "vi")
    return lang if lang in LANGS else "vi"


@router.api_route("/id/{kind}/{key:path}", methods=["GET", "HEAD"])
def identifier(kind: str, key: str, request: Request, store: StoreDep, rebase: RebaseDep,
               settings: SettingsDep) -> Response:
    uri = _stored_uri(kind, key, rebase.stored)
    doc = _doc_path(kind, key)
    # the dataset's figures cost scans of the whole store: only the dataset's own documents need them
    known = _dataset_keys(get_stats(request, store, settings)) if kind == "dataset" else None
    if (key not in known) if known is not None else not knows(store, uri):
        raise PlainError(404, f"Nothing is known about {rebase.to_served(uri)}.", {"Vary": "Accept"})
    headers = {"Vary": "Accept", "Link": _link_header(doc)}
    chosen = negotiate(request.headers.get("accept"), DOCUMENT_FORMATS)
    if chosen is None:
        raise not_acceptable(DOCUMENT_FORMATS, headers)
    location = f"{doc}.{chosen.name}"
    if chosen is HTML and page_lang(request) != "vi":
        location += "?" + urlencode({"lang": page_lang(request)})
    return Response(status_code=303, headers={**headers, "Location": location})


@router.api_route("/doc/{kind}/{name:path}", methods=["GET", "HEAD"])
async def doc(kind: str, name: str, request: Request, store: StoreDep, rebase: RebaseDep, templates: TemplatesDep,
              settings: SettingsDep) -> Response:
    """A document changes only with the store: made once per store version (in the thread pool, as it
    reads the store), then served from memory without leaving the event loop."""
    key, chosen = _split_extension(name)
    if kind == "dataset":
        return await run_in_threadpool(_dataset_document, request, store, key, chosen, rebase, templates, settings)
    path = _doc_path(kind, key)
    chosen, headers = _choose(request, path, chosen)
    seq, _ = last_change(store)
    cache: VersionedCache[Rendered] = request.app.state.documents
    wanted = (request.url.path, request.url.query, chosen.name)  # pages link to themselves in each language
    rendered = cache.get(seq, wanted)
    if rendered is None:
        rendered = await run_in_threadpool(_render, request, store, kind, key, chosen, rebase, templates)
        cache.put(seq, wanted, rendered)
    return _conditional(request, rendered.body, chosen, headers, rendered.changed)


def _dataset_document(request: Request, store, key: str, chosen: Format | None, rebase: Rebase, templates,
                      settings) -> Response:
    figures = get_stats(request, store, settings)
    if key not in _dataset_keys(figures):
        raise PlainError(404, f"Nothing is known about {rebase.served}id/dataset/{_quoted(key)}.")
    return _dataset_response(request, chosen, rebase, templates, settings, figures)


@dataclass(frozen=True)
class Rendered:
    body: bytes
    changed: datetime | None


def _render(request: Request, store, kind: str, key: str, chosen: Format, rebase: Rebase, templates) -> Rendered:
    known = request.app.state.labels
    description = describe(store, _stored_uri(kind, key, rebase.stored), known)
    if description is None:
        raise PlainError(404, f"Nothing is known about {rebase.served}id/{kind}/{_quoted(key)}.", {"Vary": "Accept"})
    changed = modified(store, description, rebase.stored, last_modified(store))
    if chosen is HTML:
        body = _page(request, store, description, rebase, templates, _doc_path(kind, key)).encode("utf-8")
    else:
        body = rebase.body_to_served(document(description, chosen, rebase.stored))
    return Rendered(body, changed)


@router.api_route("/dataset", methods=["GET", "HEAD"])
@router.api_route("/.well-known/void", methods=["GET", "HEAD"])
def dataset(request: Request, rebase: RebaseDep, templates: TemplatesDep, settings: SettingsDep,
            figures: StatsDep) -> Response:
    return _dataset_response(request, None, rebase, templates, settings, figures)


def _dataset_response(request: Request, chosen: Format | None, rebase: Rebase, templates, settings,
                      figures: Stats) -> Response:
    chosen, headers = _choose(request, DATASET_DOC, chosen)
    dumps = read_index(settings.dumps_dir)
    publication = Publication(rebase.stored, settings.licence, settings.publisher)
    triples = description(figures, dumps, publication)
    if chosen is HTML:
        body = page_text(templates, "dataset.html", **dataset_view(figures, dumps, publication, rebase,
                                                                     page_lang(request)),
                         alternates=_alternates(DATASET_DOC, chosen), lang=page_lang(request),
                         lang_links=lang_links(request)).encode("utf-8")
    else:
        whole = from_triples(publication.dataset(), triples, [])
        body = rebase.body_to_served(document(whole, chosen, rebase.stored))
    return _conditional(request, body, chosen, headers, parse_time(figures.modified))


def dataset_view(figures: Stats, dumps: list[dict], publication: Publication, rebase: Rebase, lang: str) -> dict:
    """The dataset page's data: the same figures and files the DCAT/VoID description gives."""
    by_library: dict[str | None, list[dict]] = {}
    for dump in dumps:
        by_library.setdefault(dump.get("library"), []).append(dump)
    return {
        "figures": figures,
        "entities": [{"label": KIND_NAMES[kind][LANGS.index(lang)], "count": n}
                     for kind, n in figures.entities.items()],
        "modified": figures.modified,
        "licence": publication.licence,
        "publisher": publication.publisher,
        "dumps": by_library.get(None, []),
        "libraries": [{"isil": lib.isil, "name": lib.name, "records": lib.records, "statements": lib.statements,
                       "href": local_path(lib.uri, rebase.stored),
                       "dumps": by_library.get(lib.isil, [])} for lib in figures.libraries],
        "classes": [{"uri": c, "curie": curie(c), "count": n} for c, n in figures.classes],
        "properties": [{"uri": p, "curie": curie(p), "count": n} for p, n in figures.properties],
        "examples": [{"href": local_path(uri, rebase.stored), "uri": rebase.to_served(uri)}
                     for uri in figures.examples],
        "sparql": f"{rebase.served}sparql",
        "void": f"{rebase.served}.well-known/void",
    }


def _dataset_keys(figures: Stats) -> set[str]:
    return {"all", "catalog", *(lib.isil for lib in figures.libraries)}


def _page(request: Request, store, description: Description, rebase: Rebase, templates, path: str) -> str:
    lang = page_lang(request)
    links = incoming(store, description.uri)
    names = labels(store, sorted({source for source, _ in links}), lang, request.app.state.labels)
    view = page_view(description, rebase.stored, rebase.served, lang, links, names)
    embedded = schema_org(description)
    template = f"{view['kind']}.html" if view["kind"] in KINDS else "resource.html"
    return page_text(templates, template, resource=view, alternates=_alternates(path, HTML), lang=lang,
                     holdings=_holdings(request, store, view, rebase, lang),
                     canonical=f"{rebase.served}{path[1:]}.html",
                     lang_links=lang_links(request), sparql_query=_sparql_link(view["uri"]),
                     schema_org=json.loads(rebase.to_served(json.dumps(embedded))) if embedded else None)


def _choose(request: Request, path: str, chosen: Format | None) -> tuple[Format, dict[str, str]]:
    """The format a document is sent in (its extension, else the Accept header) and the headers that say so."""
    headers = {"Vary": "Accept"}
    if chosen is None:
        chosen = negotiate(request.headers.get("accept"), DOCUMENT_FORMATS)
        if chosen is None:
            raise not_acceptable(DOCUMENT_FORMATS, {**headers, "Link": _link_header(path)})
        headers["Content-Location"] = f"{path}.{chosen.name}"
    headers["Link"] = _link_header(path, chosen)
    return chosen, headers


def _holdings(request: Request, store, view: dict, rebase: Rebase, lang: str) -> dict | None:
    """A work's holding libraries; a library's figures (records, works, items, digitised, last update)."""
    if view["kind"] == "work":
        libraries = holders(store, rebase.to_stored(view["uri"]))
        names = labels(store, libraries, lang, request.app.state.labels)
        return {"libraries": [{"href": local_path(uri, rebase.stored), "text": names.get(uri, uri)}
                              for uri in libraries]}
    if view["kind"] == "library":
        from lod.web.stats import library_figures  # the statistics page builds on this module

        uri = rebase.to_stored(view["uri"])
        figures = library_figures(request.app, store, request.app.state.settings)
        found = next((lib for lib in figures.libraries if lib.uri == uri), None)
        return {"figures": found} if found else None
    return None


def _sparql_link(uri: str) -> str:
    """The SPARQL protocol URL of a query that lists the resource's statements and its parts' (two levels
    down, as deep as the converter nests them)."""
    part = f'STRSTARTS(STR(?subject), "{uri}#")'
    query = (f"SELECT DISTINCT ?subject ?property ?value WHERE {{\n"
             f"  {{ BIND(<{uri}> AS ?subject) }}\n"
             f"  UNION {{ <{uri}> ?link ?subject FILTER({part}) }}\n"
             f"  UNION {{ <{uri}> ?link ?node . ?node ?link2 ?subject\n"
             f"          FILTER({part} && STRSTARTS(STR(?node), \"{uri}#\")) }}\n"
             f"  ?subject ?property ?value\n"
             f"}} ORDER BY ?subject ?property")
    return "/sparql?" + urlencode({"query": query})


def lang_links(request: Request) -> dict[str, str]:
    """This page in each interface language."""
    links = {}
    for lang in LANGS:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        params += [("lang", lang)] if lang != "vi" else []
        links[lang] = request.url.path + ("?" + urlencode(params) if params else "")
    return links


def _stored_uri(kind: str, key: str, base: str) -> str:
    if kind not in KINDS or not key:
        raise PlainError(404, f"No such kind of thing: {kind!r} (kinds: {', '.join(KINDS)}).")
    return f"{base}id/{kind}/{_quoted(key)}"


def _quoted(key: str) -> str:
    # Keys are minted percent-encoded (lod.uris.local_key); the router hands them over decoded.
    return quote(key, safe="-_.~")


def _doc_path(kind: str, key: str) -> str:
    return f"/doc/{kind}/{_quoted(key)}"


def _split_extension(name: str) -> tuple[str, Format | None]:
    stem, dot, extension = name.rpartition(".")
    chosen = by_name(extension, DOCUMENT_FORMATS) if dot else None
    if chosen is not None and extension == chosen.name:
        return stem, chosen
    return name, None


def _alternates(path: str, current: Format | None = None) -> list[dict]:
    return [{"href": f"{path}.{f.name}", "type": f.media_type, "name": f.name, "label": FORMAT_LABELS[f.name],
             "current": f is current} for f in DOCUMENT_FORMATS]


def _link_header(path: str, current: Format | None = None) -> str:
    return ", ".join(f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"'
                     for a in _alternates(path, current) if not a["current"])


def _conditional(request: Request, body: bytes, chosen: Format, headers: dict[str, str],
                 changed: datetime | None) -> Response:
    """The document, or 304 when the client already holds this very version (ETag first, then date)."""
    etag = '"' + hashlib.blake2s(body, digest_size=12).hexdigest() + '"'
    headers = {**headers, "ETag": etag}
    if changed is not None:
        headers["Last-Modified"] = format_datetime(changed, usegmt=True)
    match = request.headers.get("if-none-match")
    if match is not None:
        if etag in match or match.strip() == "*":
            return Response(status_code=304, headers=headers)
    elif changed is not None and _not_modified_since(request.headers.get("if-modified-since"), changed):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=chosen.media_type, headers=headers)


def _not_modified_since(header: str | None, changed: datetime) -> bool:
    if not header:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    return since is not None and since.tzinfo is not None and changed.replace(microsecond=0) <= since
