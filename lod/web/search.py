"""Search and suggest: `/search?q=…` (an HTML page, or JSON for `Accept: application/json`) and
`/suggest?q=…` (JSON, for the search box on every page).

The index is opened and brought up to date with the store's journal when the app starts
(`open_index`; in the background when it is far behind); hits name each resource by its URI under the
served base.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from lod.dataset import libraries
from lod.describe import local_path
from lod.formats import HTML, Format, negotiate
from lod.rebase import Rebase
from lod.search import Filters, Hit, IndexLocked, Results, SearchIndex, index_path, search, suggest, sync
from lod.search.sync import last_seq
from lod.store import Store
from lod.web import PlainError, RebaseDep, StoreDep, TemplatesDep, not_acceptable, render
from lod.web.resources import lang_links, page_lang

log = logging.getLogger(__name__)
router = APIRouter()

JSON = Format("json", "application/json")
CATCH_UP_AT_START = 5_000  # journal changes the index may be behind for the server to wait for it at start
KIND_LABELS = {"work": "Tác phẩm", "instance": "Ấn phẩm", "agent": "Tác giả, tổ chức", "subject": "Chủ đề"}
# The page's words in each interface language (`?lang=en`); record text is shown as catalogued.
WORDS = {
    "vi": {
        "kinds": KIND_LABELS,
        "facets": {"type": "Loại", "library": "Thư viện", "language": "Ngôn ngữ", "subject": "Chủ đề"},
        "languages": {"vie": "Tiếng Việt", "eng": "Tiếng Anh", "fre": "Tiếng Pháp", "chi": "Tiếng Trung",
                      "rus": "Tiếng Nga", "ger": "Tiếng Đức", "jpn": "Tiếng Nhật", "kor": "Tiếng Hàn"},
        "year": "Năm",
    },
    "en": {
        "kinds": {"work": "Work", "instance": "Instance", "agent": "Person or organisation", "subject": "Subject"},
        "facets": {"type": "Type", "library": "Library", "language": "Language", "subject": "Subject"},
        "languages": {"vie": "Vietnamese", "eng": "English", "fre": "French", "chi": "Chinese", "rus": "Russian",
                      "ger": "German", "jpn": "Japanese", "kor": "Korean"},
        "year": "Years",
    },
}


def open_index(store: Store, store_path: Path | None, catch_up: bool = True) -> SearchIndex:
    """The store's index (in `STORE/search/`, in memory for an in-memory store), synced with its journal:
    at once when it is a little behind, in the background when it is far behind (a large store ingested
    without it), so that the server answers meanwhile and search shows what is indexed so far. Without
    `catch_up`, a far-behind index is left to `lod index`."""
    index = SearchIndex(index_path(store_path))
    behind = last_seq(store) - index.seq
    if behind > CATCH_UP_AT_START and not catch_up:
        log.warning("search index: %d changes behind the store; `lod index` brings it up to date", behind)
    elif behind > CATCH_UP_AT_START:
        log.warning("search index: %d changes behind the store, taken in while serving", behind)
        threading.Thread(target=follow(store, index), name="search-catch-up", daemon=True).start()
    else:
        follow(store, index)()
    return index


def follow(store: Store, index: SearchIndex) -> Callable[[], None]:
    """What a write through this server runs after it: the index takes in the journal's new changes."""
    def catch_up() -> None:
        try:
            report = sync(store, index)
            log.info("search index: %d changes applied, %d documents written", report.changes, report.documents)
        except IndexLocked as error:  # `lod index` is rebuilding it: serve what is there, it reloads on commit
            log.warning("%s", error)
    return catch_up


def get_search(request: Request) -> SearchIndex:
    return request.app.state.search


SearchDep = Annotated[SearchIndex, Depends(get_search)]
NAMES_TTL = 60.0  # seconds a library's name is trusted before the registry is read again


def get_library_names(request: Request, store: StoreDep) -> dict[str, str]:
    """ISIL → the library's name, for facets and hits; read from the registry once a minute, not per search."""
    state = request.app.state
    cached = getattr(state, "library_names", None)
    if cached is None or time.monotonic() - cached[0] > NAMES_TTL:
        cached = state.library_names = (time.monotonic(), {lib["isil"]: lib["name"] for lib in libraries(store)})
    return cached[1]


NamesDep = Annotated[dict[str, str], Depends(get_library_names)]


@dataclass
class SearchRequest:
    q: str
    filters: Filters
    page: int
    size: int


def search_request(request: Request) -> SearchRequest:
    """The query and filters: `q`, `type`, `library`, `language`, `subject` (each may repeat), `from`
    and `to` (years), `page`, `size`."""
    params = request.query_params
    filters = Filters(params.getlist("type"), params.getlist("library"), params.getlist("language"),
                      params.getlist("subject"), _number(params, "from"), _number(params, "to"))
    return SearchRequest(params.get("q", ""), filters, _number(params, "page") or 1, _number(params, "size") or 20)


def _number(params, name: str) -> int | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 6:
        raise PlainError(400, f"{name} must be a whole number (got {value[:20]!r}).")
    return int(value)


@router.get("/search")
def search_page(request: Request, asked: Annotated[SearchRequest, Depends(search_request)], index: SearchDep,
                names: NamesDep, rebase: RebaseDep, templates: TemplatesDep) -> Response:
    wanted = request.query_params.get("format")
    chosen = JSON if wanted == "json" else negotiate(request.headers.get("accept"), [HTML, JSON])
    if chosen is None:
        raise not_acceptable([HTML, JSON], {"Vary": "Accept"})
    results = search(index, asked.q, asked.filters, asked.page, asked.size)
    lang = page_lang(request)
    if chosen is JSON:
        return JSONResponse(results_json(results, rebase, names, asked.filters, lang), headers={"Vary": "Accept"})
    return render(templates, "search.html", headers={"Vary": "Accept"}, lang=lang, lang_links=lang_links(request),
                  search=results_view(results, asked.filters, rebase, names, lang))


@router.get("/suggest")
async def suggest_json(request: Request, index: SearchDep, rebase: RebaseDep, q: str = "",
                       limit: int = 8) -> JSONResponse:
    found = suggest(index, q, limit)
    kinds = WORDS[page_lang(request)]["kinds"]
    return JSONResponse({"query": q, "suggestions": [
        {"label": s.label, "type": s.kind, "type_label": kinds[s.kind], "uri": rebase.to_served(s.uri),
         "href": local_path(s.uri, rebase.stored), "authors": s.authors} for s in found]})


# --- view data -----------------------------------------------------------------------------------


def results_json(results: Results, rebase: Rebase, names: dict[str, str], filters: Filters, lang: str = "vi") -> dict:
    params = [*_params(results.query, filters), ("size", str(results.size)), ("format", "json")]
    more = results.page * results.size < results.total
    return {
        "query": results.query, "total": results.total, "page": results.page, "size": results.size,
        "approximate": results.approximate,
        "next": _href([*params, ("page", str(results.page + 1))]) if more else None,
        "hits": [{"uri": rebase.to_served(h.uri), "type": h.kind, "label": h.label, "authors": h.authors,
                  "years": h.years, "libraries": h.libraries, "score": h.score} for h in results.hits],
        "facets": {
            **{name: [{"value": v, "label": _facet_label(name, v, names, lang), "count": c} for v, c in values]
               for name, values in results.facets.items()},
            "year": [{"from": d, "to": d + 9, "count": c} for d, c in results.decades],
        },
    }


def results_view(results: Results, filters: Filters, rebase: Rebase, names: dict[str, str], lang: str = "vi") -> dict:
    """What search.html shows: hits as links, facet values as links that add or remove a filter."""
    params = _params(results.query, filters, lang)
    chosen = filters.values()
    facets = [
        {"name": name, "title": title, "values": [
            {"label": _facet_label(name, value, names, lang), "count": count, "selected": value in chosen[name],
             "href": _href(_toggle(params, name, value))} for value, count in results.facets.get(name, [])]}
        for name, title in WORDS[lang]["facets"].items()
    ]
    years_set = filters.year_from is not None or filters.year_to is not None
    decades = [{"label": f"{d}–{d + 9}", "count": c,
                "href": _href([*_without(params, "from", "to"), ("from", str(d)), ("to", str(d + 9))])}
               for d, c in results.decades]
    last = max(1, -(-results.total // results.size))
    return {
        "query": results.query, "total": results.total, "page": results.page, "pages": last,
        "first": (results.page - 1) * results.size + 1,
        "approximate": results.approximate, "filters": filters, "facets": facets, "decades": decades,
        "years_set": years_set, "clear_years": _href(_without(params, "from", "to")),
        "active": _active(params, filters, names, lang),
        "previous": _href([*params, ("page", str(results.page - 1))]) if results.page > 1 else None,
        "next": _href([*params, ("page", str(results.page + 1))]) if results.page < last else None,
        "hits": [_hit_view(h, rebase, names, lang) for h in results.hits],
        "lang": lang,
    }


def _hit_view(hit: Hit, rebase: Rebase, names: dict[str, str], lang: str) -> dict:
    authors = "; ".join(hit.authors) if hit.kind in ("work", "instance") else ""
    years = ", ".join(map(str, hit.years))
    held = ", ".join(names.get(isil, isil) for isil in hit.libraries)
    href = local_path(hit.uri, rebase.stored) + ("?lang=en" if lang == "en" else "")
    meta = " · ".join(part for part in (authors, years, held) if part)
    return {"href": href, "uri": rebase.to_served(hit.uri), "label": hit.label,
            "kind": WORDS[lang]["kinds"].get(hit.kind, hit.kind), "meta": meta}


def _active(params: list[tuple[str, str]], filters: Filters, names: dict[str, str], lang: str) -> list[dict]:
    """The filters in force, each with the link that lifts it."""
    active = [{"label": _facet_label(name, value, names, lang), "href": _href(_toggle(params, name, value))}
              for name, values in filters.values().items() for value in values]
    if filters.year_from is not None or filters.year_to is not None:
        span = f"{filters.year_from if filters.year_from is not None else '…'}–" \
               f"{filters.year_to if filters.year_to is not None else '…'}"
        active.append({"label": f"{WORDS[lang]['year']} {span}", "href": _href(_without(params, "from", "to"))})
    return active


def _params(query: str, filters: Filters, lang: str = "vi") -> list[tuple[str, str]]:
    params = [("q", query)] if query else []
    params += [("lang", lang)] if lang != "vi" else []
    params += [(name, value) for name, values in filters.values().items() for value in values]
    params += [(k, str(v)) for k, v in (("from", filters.year_from), ("to", filters.year_to)) if v is not None]
    return params


def _toggle(params: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    if (name, value) in params:
        return [p for p in params if p != (name, value)]
    return [*params, (name, value)]


def _without(params: list[tuple[str, str]], *names: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in params if k not in names]


def _href(params: list[tuple[str, str]]) -> str:
    return f"/search?{urlencode(params)}" if params else "/search"


def _facet_label(name: str, value: str, names: dict[str, str], lang: str = "vi") -> str:
    if name == "type":
        return WORDS[lang]["kinds"].get(value, value)
    if name == "library":
        return names.get(value, value)
    if name == "language":
        return WORDS[lang]["languages"].get(value, value)
    return value
