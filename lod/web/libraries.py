"""The library registry at /libraries, as HTML and JSON: every library with its names, type, address,
website and services, what it holds, and where its data is (OAI-PMH set, new acquisitions feed, dumps)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from lod.dataset import library_descriptions
from lod.describe import local_path
from lod.formats import HTML, Format, negotiate
from lod.web import PlainError, RebaseDep, StoreDep, TemplatesDep, not_acceptable, render
from lod.web.resources import lang_links, page_lang
from lod.web.stats import FiguresDep

router = APIRouter()

JSON = Format("json", "application/json")
OFFERED = [HTML, JSON]
TYPES = {  # the registry's library types, as pages name them (Vietnamese, English)
    "national": ("Thư viện quốc gia", "National library"),
    "provincial": ("Thư viện cấp tỉnh", "Provincial library"),
    "district": ("Thư viện cấp huyện", "District library"),
    "school": ("Thư viện trường học", "School library"),
    "university": ("Thư viện đại học", "University library"),
    "specialised": ("Thư viện chuyên ngành", "Specialised library"),
    "armed_forces": ("Thư viện lực lượng vũ trang", "Armed forces library"),
}


def registry_view(store, figures, rebase) -> list[dict]:
    """Each library as the page and the JSON show it: description, holdings and links, under the served base."""
    held = {lib.isil: lib for lib in figures.libraries}
    view = []
    for library in library_descriptions(store):
        isil = library["isil"]
        counts = held.get(isil)
        oai = urlencode({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": isil})
        view.append({
            **library,
            "uri": rebase.to_served(library["uri"]),
            "href": local_path(library["uri"], rebase.stored),
            "holdings": {name: getattr(counts, name, 0) for name in ("records", "works", "instances", "items",
                                                                     "digitised")},
            "last_update": counts.last_update if counts else None,
            "oai_set": f"{rebase.served}oai?{oai}",
            "feed": f"{rebase.served}feeds/new/{isil}.atom",
        })
    return view


@router.api_route("/libraries", methods=["GET", "HEAD"])
@router.api_route("/libraries.{ext}", methods=["GET", "HEAD"])
def libraries(request: Request, store: StoreDep, figures: FiguresDep, rebase: RebaseDep, templates: TemplatesDep,
              ext: str | None = None) -> Response:
    chosen = _chosen(request, ext)
    view = registry_view(store, figures, rebase)
    headers = {"Vary": "Accept"}
    if chosen is JSON:
        return Response(json.dumps({"libraries": view}, ensure_ascii=False, indent=1), media_type=JSON.media_type,
                        headers=headers)
    lang = page_lang(request)
    for library in view:
        names = TYPES.get(library["type"])
        library["type_label"] = names[lang == "en"] if names else library["type"]
    return render(templates, "libraries.html", libraries=view, lang=lang, lang_links=lang_links(request),
                  headers=headers)


def _chosen(request: Request, ext: str | None) -> Format:
    if ext is not None:
        chosen = next((f for f in OFFERED if f.name == ext), None)
        if chosen is None:
            raise PlainError(404, "The library registry is offered as /libraries.html and /libraries.json.")
        return chosen
    chosen = negotiate(request.headers.get("accept"), OFFERED)
    if chosen is None:
        raise not_acceptable(OFFERED, {"Vary": "Accept"})
    return chosen
