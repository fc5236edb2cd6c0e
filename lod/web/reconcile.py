"""The reconciliation service at `/reconcile`, as OpenRefine speaks it (W3C Reconciliation Service API
0.2): the service manifest, batches of queries with types and properties, previews, and suggest for
entities, types and properties. Identifiers are paths under `{served base}id/` ("work/KEY"), so the
identifier space is the dataset's own URI space.

Answers carry `Access-Control-Allow-Origin: *`; a GET with `callback=` is answered as JSONP.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from lod.describe import local_path
from lod.rebase import Rebase
from lod.search import suggest
from lod.search.reconcile import KIND_TYPE, PROPERTIES, TYPES, Candidate, kind_for, reconcile
from lod.text import fold
from lod.web import SITE_NAME, PlainError, RebaseDep, TemplatesDep, page_text
from lod.web.search import KIND_LABELS, SearchDep

router = APIRouter()

MAX_QUERIES = 100  # per batch: OpenRefine sends 10 at a time
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,63}$")
CORS = {"Access-Control-Allow-Origin": "*"}
# OpenRefine shows a preview inside its own page, wherever it runs: this one page may be framed by any
# site (frame-ancestors overrides the site-wide X-Frame-Options), and still loads nothing but our style.
PREVIEW_POLICY = {"Content-Security-Policy": "default-src 'none'; style-src 'self'; frame-ancestors *; "
                                             "base-uri 'none'; form-action 'none'"}


@router.api_route("/reconcile", methods=["GET", "POST"])
async def service(request: Request, index: SearchDep, rebase: RebaseDep) -> Response:
    params = dict(request.query_params)
    if request.method == "POST":
        form = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    # A batch is a hundred searches: answered in the thread pool, not on the event loop.
    body = await run_in_threadpool(_answers, index, rebase, params)
    return _json(body, params.get("callback") if request.method == "GET" else None)


def _answers(index, rebase: Rebase, params: dict[str, str]) -> dict:
    if "queries" in params:
        batch = _parse_json(params["queries"], "queries")
        if not isinstance(batch, dict) or len(batch) > MAX_QUERIES:
            raise PlainError(400, f"queries must be a JSON object of at most {MAX_QUERIES} named queries.")
        return {key: {"result": _answer(index, rebase, query)} for key, query in batch.items()}
    if "query" in params:  # one query, bare text or a JSON object (the 0.1 form)
        text = params["query"]
        query = _parse_json(text, "query") if text.lstrip().startswith("{") else {"query": text}
        return {"result": _answer(index, rebase, query)}
    return manifest(rebase)


@router.get("/reconcile/preview")
def preview(id: str, index: SearchDep, rebase: RebaseDep, templates: TemplatesDep) -> HTMLResponse:
    doc = _stored(index, rebase, id)
    if doc is None:
        raise PlainError(404, f"No work, instance, agent or subject is known as {id!r}.")
    view = {"label": (doc.get("label") or [""])[0], "kind": KIND_LABELS.get(doc["kind"][0], doc["kind"][0]),
            "authors": doc.get("authors", [])[:3], "years": sorted(doc.get("year", [])),
            "publishers": doc.get("publisher", [])[:2], "isbns": [i for i in doc.get("isbn", []) if len(i) == 13],
            "libraries": doc.get("library", []), "uri": rebase.to_served(doc["uri"][0]),
            "href": local_path(doc["uri"][0], rebase.stored)}
    return HTMLResponse(page_text(templates, "reconcile_preview.html", item=view), headers={**CORS, **PREVIEW_POLICY})


@router.get("/reconcile/suggest/entity")
def suggest_entity(request: Request, index: SearchDep, rebase: RebaseDep, prefix: str = "",
                   type: str | None = None, cursor: int = 0) -> Response:
    kind = kind_for(type)
    kinds = (kind,) if kind else tuple(KIND_TYPE)
    cursor = max(0, min(cursor, 100))
    found = suggest(index, prefix, limit=cursor + 10, kinds=kinds, distinct=False)[cursor:]
    result = [{"id": _identifier(s.uri, rebase), "name": s.label,
               "description": "; ".join([KIND_LABELS[s.kind], *s.authors[:1]]),
               "notable": [{"id": KIND_TYPE[s.kind], "name": TYPES[KIND_TYPE[s.kind]][1]}]} for s in found]
    return _json({"result": result}, request.query_params.get("callback"))


@router.get("/reconcile/suggest/type")
def suggest_type(request: Request, prefix: str = "") -> Response:
    wanted = fold(prefix.strip())
    result = [{"id": type_id, "name": name} for type_id, (kind, name) in TYPES.items()
              if wanted in fold(name) or wanted in kind]
    return _json({"result": result}, request.query_params.get("callback"))


@router.get("/reconcile/suggest/property")
def suggest_property(request: Request, prefix: str = "") -> Response:
    wanted = fold(prefix.strip())
    result = [{"id": pid, "name": name} for pid, name in PROPERTIES.items() if wanted in pid or wanted in fold(name)]
    return _json({"result": result}, request.query_params.get("callback"))


def manifest(rebase: Rebase) -> dict:
    """What the service is: names, identifier and schema spaces, types, and where preview and suggest are."""
    service_url = rebase.served + "reconcile"
    return {
        "versions": ["0.1", "0.2"],
        "name": f"{SITE_NAME}: đối chiếu (reconciliation)",
        "identifierSpace": rebase.served + "id/",
        "schemaSpace": "http://id.loc.gov/ontologies/bibframe/",
        "defaultTypes": [{"id": type_id, "name": name} for type_id, (_, name) in TYPES.items()],
        "view": {"url": rebase.served + "id/{{id}}"},
        "preview": {"url": service_url + "/preview?id={{id}}", "width": 420, "height": 160},
        "suggest": {
            "entity": {"service_url": service_url, "service_path": "/suggest/entity"},
            "type": {"service_url": service_url, "service_path": "/suggest/type"},
            "property": {"service_url": service_url, "service_path": "/suggest/property"},
        },
    }


# --- queries -------------------------------------------------------------------------------------


def _answer(index, rebase: Rebase, query: object) -> list[dict]:
    if not isinstance(query, dict) or not isinstance(query.get("query", ""), str):
        raise PlainError(400, 'Each query must be a JSON object with a "query" string.')
    kind = kind_for(_first_type(query.get("type")))
    if query.get("type") and kind is None:
        return []  # a type this service does not hold has no candidates here
    limit = query.get("limit", 5)
    limit = limit if isinstance(limit, int) else 5
    candidates = reconcile(index, query.get("query", ""), kind, _properties(query.get("properties")), limit)
    return [_result(c, rebase) for c in candidates]


def _result(candidate: Candidate, rebase: Rebase) -> dict:
    type_id = KIND_TYPE[candidate.kind]
    details = [", ".join(candidate.authors[:2]), ", ".join(map(str, candidate.years[:3])),
               ", ".join(candidate.libraries)]
    return {"id": _identifier(candidate.uri, rebase), "name": candidate.label, "score": candidate.score,
            "match": candidate.match, "type": [{"id": type_id, "name": TYPES[type_id][1]}],
            "description": " · ".join(d for d in details if d)}


def _first_type(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _properties(given: object) -> dict[str, list[str]]:
    """`[{"pid": "author", "v": "Nguyễn Du"}, …]` as {pid: [values]}; a value may be text, a number,
    an object with an id or a name, or a list of those."""
    found: dict[str, list[str]] = {}
    for item in given if isinstance(given, list) else []:
        if not isinstance(item, dict):
            continue
        pid = item.get("pid") or item.get("p")
        values = item.get("v")
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, dict):
                value = value.get("name") or value.get("id")
            if isinstance(value, (str, int, float)) and isinstance(pid, str):
                found.setdefault(pid, []).append(str(value))
    return found


# --- identifiers and answers ---------------------------------------------------------------------


def _identifier(uri: str, rebase: Rebase) -> str:
    return uri[len(rebase.stored) + len("id/"):] if uri.startswith(rebase.stored + "id/") else uri


def _stored(index, rebase: Rebase, identifier: str) -> dict | None:
    """The document an identifier names, as sent or with its key quoted again (a client may have
    decoded the percent-escapes our keys carry)."""
    identifier = identifier.strip().removeprefix(rebase.served + "id/")
    kind, _, key = identifier.partition("/")
    for candidate in dict.fromkeys([identifier, f"{kind}/{quote(key, safe='-_.~')}"]):
        doc = index.stored(f"{rebase.stored}id/{candidate}")
        if doc is not None:
            return doc
    return None


def _parse_json(text: str, name: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        raise PlainError(400, f"{name} is not valid JSON.") from None


def _json(body: object, callback: str | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False)
    if callback:
        if not _CALLBACK.match(callback):
            raise PlainError(400, "callback must be a JavaScript name (letters, digits, _, $ and dots).")
        return Response(f"/**/{callback}({text});", media_type="application/javascript",
                        headers={**CORS, "X-Content-Type-Options": "nosniff"})
    return Response(text, media_type="application/json", headers=CORS)
