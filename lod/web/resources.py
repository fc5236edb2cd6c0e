"""Identifiers and documents: `/id/{kind}/{key}` names a thing and answers 303 to the document about it,
`/doc/{kind}/{key}[.ext]` is that document, in HTML or an RDF format.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from lod.describe import describe, document, knows, page_view
from lod.formats import DOCUMENT_FORMATS, HTML, Format, by_name, negotiate
from lod.uris import KINDS
from lod.web import PlainError, RebaseDep, StoreDep, TemplatesDep, not_acceptable, page_text

router = APIRouter()

FORMAT_LABELS = {"html": "HTML", "ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdf": "RDF/XML"}


@router.api_route("/id/{kind}/{key:path}", methods=["GET", "HEAD"])
def identifier(kind: str, key: str, request: Request, store: StoreDep, rebase: RebaseDep) -> Response:
    uri = _stored_uri(kind, key, rebase.stored)
    doc = _doc_path(kind, key)
    if not knows(store, uri):
        raise PlainError(404, f"Nothing is known about {rebase.to_served(uri)}.", {"Vary": "Accept"})
    headers = {"Vary": "Accept", "Link": _link_header(doc)}
    chosen = negotiate(request.headers.get("accept"), DOCUMENT_FORMATS)
    if chosen is None:
        raise not_acceptable(DOCUMENT_FORMATS, headers)
    return Response(status_code=303, headers={**headers, "Location": f"{doc}.{chosen.name}"})


@router.api_route("/doc/{kind}/{name:path}", methods=["GET", "HEAD"])
def doc(kind: str, name: str, request: Request, store: StoreDep, rebase: RebaseDep,
        templates: TemplatesDep) -> Response:
    key, chosen = _split_extension(name)
    path = _doc_path(kind, key)
    headers = {"Vary": "Accept", "Link": _link_header(path, chosen)}
    if chosen is None:
        chosen = negotiate(request.headers.get("accept"), DOCUMENT_FORMATS)
        if chosen is None:
            raise not_acceptable(DOCUMENT_FORMATS, headers)
        headers["Link"] = _link_header(path, chosen)
        headers["Content-Location"] = f"{path}.{chosen.name}"
    description = describe(store, _stored_uri(kind, key, rebase.stored))
    if description is None:
        raise PlainError(404, f"Nothing is known about {rebase.served}id/{kind}/{_quoted(key)}.", {"Vary": "Accept"})
    if chosen is HTML:
        view = page_view(description, rebase.stored, rebase.served)
        body = page_text(templates, "resource.html", resource=view, alternates=_alternates(path, chosen)).encode()
    else:
        body = rebase.body_to_served(document(description, chosen))
    return _conditional(request, body, chosen, headers)


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


def _conditional(request: Request, body: bytes, chosen: Format, headers: dict[str, str]) -> Response:
    """The document, or 304 when the client already holds this very version."""
    etag = '"' + hashlib.blake2s(body, digest_size=12).hexdigest() + '"'
    headers = {**headers, "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=chosen.media_type, headers=headers)
