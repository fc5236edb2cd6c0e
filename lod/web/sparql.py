"""The SPARQL 1.1 Protocol endpoint and Graph Store Protocol reads: public, read-only, self-protecting.

Query by GET (`query=`), POST form, or POST direct (`application/sparql-query`); `default-graph-uri`
and `named-graph-uri` name the dataset (else the default graph is the union of all graphs). Results are
negotiated from `format=` or Accept. Queries run in the worker pool of lod/sparql (time limit that kills,
row cap, SERVICE allowlist); updates are refused. Without a query, `/sparql` answers with its Service
Description (RDF clients) or the YASGUI query editor (browsers). `/store?graph=IRI` reads one named graph.
"""

from __future__ import annotations

import io
import json
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from lod.config import Settings
from lod.formats import HTML, by_name, negotiate, serialize_graph
from lod.sparql.description import PREFIXES, service_description
from lod.sparql.examples import EXAMPLES
from lod.sparql.execute import GRAPH_RESULT_FORMATS, READ_ONLY, Job, Policy, Reply, execute, not_acceptable_text
from lod.sparql.pool import QueryPool, WorkerFailed
from lod.web import PlainError, RebaseDep, SettingsDep, StoreDep, TemplatesDep, not_acceptable, render

router = APIRouter()
log = logging.getLogger(__name__)

QUERY_MEDIA = "application/sparql-query"
UPDATE_MEDIA = "application/sparql-update"
FORM_MEDIA = "application/x-www-form-urlencoded"
UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")
YASGUI_BUILD = "vendor/node_modules/@zazuko/yasgui/build"
# The editor page loads only this site's files; YASGUI's editor sets inline styles.
EDITOR_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
              "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'")
TRUNCATED_HEADER = "X-SPARQL-MaxRows"


def setup(app: FastAPI, settings: Settings) -> None:
    """The endpoint's shared parts: its policy, the worker pool (none for an in-memory store), CORS for
    browser clients, and the YASGUI files."""
    rebase = app.state.rebase
    policy = Policy(settings.sparql_max_rows, tuple(settings.sparql_services), rebase.stored, rebase.served)
    app.state.sparql_policy = policy
    local = settings.store is not None and app.state.store.remote is None
    app.state.sparql_pool = (QueryPool(settings.store, policy, settings.sparql_workers, settings.sparql_time_limit)
                             if local else None)
    app.add_middleware(EndpointCORS, paths=("/sparql", "/store"))
    app.mount("/static/yasgui", StaticFiles(directory=settings.site / YASGUI_BUILD, check_dir=False), name="yasgui")


class EndpointCORS:
    """CORS for the endpoint's paths (any origin may query), leaving other responses' Vary headers alone."""

    def __init__(self, app: ASGIApp, paths: tuple[str, ...]):
        self.app = app
        self.paths = paths
        self.cors = CORSMiddleware(app, allow_origins=["*"], allow_methods=["GET", "HEAD", "POST"],
                                   allow_headers=["Accept", "Content-Type"], expose_headers=[TRUNCATED_HEADER],
                                   max_age=86400)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = scope["type"] == "http" and scope["path"] in self.paths
        await (self.cors if endpoint else self.app)(scope, receive, send)


@asynccontextmanager
async def lifespan(app: FastAPI):
    """Start the query workers with the server (so the first query waits for none) and stop them with it."""
    pool: QueryPool | None = app.state.sparql_pool
    if pool is not None:
        try:
            await pool.start()
        except WorkerFailed as error:
            log.warning("SPARQL workers not started yet: %s", error)
    yield
    if pool is not None:
        await pool.stop()


def get_pool(request: Request) -> QueryPool | None:
    return request.app.state.sparql_pool


def get_policy(request: Request) -> Policy:
    return request.app.state.sparql_policy


PoolDep = Annotated[QueryPool | None, Depends(get_pool)]
PolicyDep = Annotated[Policy, Depends(get_policy)]


@dataclass
class SparqlRequest:
    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format: str | None = None


async def sparql_request(request: Request, settings: SettingsDep) -> SparqlRequest:
    """The protocol operation a request carries, whichever of the three ways it was sent."""
    limit = settings.sparql_max_request
    if len(request.url.query) > limit:
        raise PlainError(414, f"The request URI is longer than this endpoint takes ({limit} bytes): POST the query.")
    params = parse_qsl(request.url.query, keep_blank_values=True)
    if request.method == "POST":
        media, charset = _content_type(request.headers.get("content-type", ""))
        if media == UPDATE_MEDIA:
            raise PlainError(403, READ_ONLY)
        if media not in (FORM_MEDIA, QUERY_MEDIA):
            raise PlainError(415, f"POST a query as {QUERY_MEDIA} or as {FORM_MEDIA} (got {media or 'nothing'}).")
        if charset not in ("", "utf-8", "utf8"):
            raise PlainError(415, f"Send the query in UTF-8 (got charset {charset}).")
        text = _text(await _body(request, limit))
        if media == FORM_MEDIA:
            params += _form(text)
        else:
            params.append(("query", text))
    values: dict[str, list[str]] = {}
    for key, value in params:
        values.setdefault(key, []).append(value)
    if any(name in values for name in UPDATE_PARAMS):
        raise PlainError(403, READ_ONLY)
    queries = values.get("query", [])
    if len(queries) > 1:
        raise PlainError(400, "Send exactly one query parameter.")
    if not queries and request.method == "POST":
        raise PlainError(400, "The request has no query parameter.")
    return SparqlRequest(
        query=queries[0] if queries else None,
        default_graphs=values.get("default-graph-uri", []),
        named_graphs=values.get("named-graph-uri", []),
        format=(values.get("format") or [""])[-1].strip() or None,
    )


def _content_type(header: str) -> tuple[str, str]:
    media, *params = [part.strip() for part in header.split(";")]
    charset = ""
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.lower(), charset


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PlainError(413, f"The request body is larger than this endpoint takes ({limit} bytes).")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PlainError(413, f"The request body is larger than this endpoint takes ({limit} bytes).")
    return bytes(body)


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise PlainError(400, "The query is not valid UTF-8.") from None


def _form(text: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise PlainError(400, "The form is not valid UTF-8 once decoded.") from None


@router.api_route("/sparql", methods=["GET", "POST"])
async def sparql(operation: Annotated[SparqlRequest, Depends(sparql_request)], request: Request, pool: PoolDep,
                 policy: PolicyDep, store: StoreDep, settings: SettingsDep, templates: TemplatesDep) -> Response:
    if operation.query is None:
        return _description_or_editor(request, operation, settings, templates)
    job = Job(operation.query, operation.default_graphs, operation.named_graphs,
              request.headers.get("accept"), operation.format)
    if pool is not None:
        reply = await pool.run(job)
    else:  # an in-memory or remote store cannot be opened by workers: run here, without a hard limit
        reply = await run_in_threadpool(execute, store, job, policy)
    return _response(reply, policy)


def _response(reply: Reply, policy: Policy) -> Response:
    headers = {"Vary": "Accept"} if reply.vary else {}
    if reply.truncated:
        headers[TRUNCATED_HEADER] = str(policy.max_rows)
    if reply.status == 503:
        headers["Retry-After"] = "5"
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=headers)


def _description_or_editor(request: Request, operation: SparqlRequest, settings: Settings,
                           templates) -> Response:
    offered = [*GRAPH_RESULT_FORMATS, HTML]  # RDF first: a client that asks for nothing gets the description
    accept = request.headers.get("accept")
    chosen = by_name(operation.format, offered) if operation.format else negotiate(accept, offered)
    if chosen is None:
        raise not_acceptable(offered, {"Vary": "Accept"})
    endpoint = str(request.url_for("sparql"))
    if chosen is HTML:
        examples = json.dumps(EXAMPLES, ensure_ascii=False)
        return render(templates, "sparql.html", headers={"Vary": "Accept", "Content-Security-Policy": EDITOR_CSP},
                      endpoint=endpoint, examples=EXAMPLES, examples_json=examples,
                      time_limit=settings.sparql_time_limit, max_rows=settings.sparql_max_rows,
                      graph_formats=GRAPH_RESULT_FORMATS)
    triples = service_description(endpoint, settings.sparql_time_limit, settings.sparql_max_rows,
                                  settings.sparql_max_request, tuple(settings.sparql_services))
    return Response(serialize_graph(triples, chosen, PREFIXES), media_type=chosen.media_type,
                    headers={"Vary": "Accept"})


@router.api_route("/store", methods=["GET", "HEAD"])
def graph_store(request: Request, store: StoreDep, rebase: RebaseDep, graph: str | None = None,
                format: str | None = None) -> Response:
    """Graph Store Protocol, reading only: one named graph (`?graph=IRI`) in the format asked for."""
    if "default" in request.query_params:
        raise PlainError(400, "The default graph here is the union of every graph: download it from /dumps/, "
                              "or read one named graph with ?graph=IRI.")
    if not graph:
        raise PlainError(400, "Name a graph: /store?graph=IRI.")
    chosen = by_name(format, GRAPH_RESULT_FORMATS) if format else negotiate(request.headers.get("accept"),
                                                                            GRAPH_RESULT_FORMATS)
    if chosen is None:
        raise PlainError(406, not_acceptable_text(GRAPH_RESULT_FORMATS), {"Vary": "Accept"})
    stored = rebase.to_stored(graph)
    try:
        found = store.has_graph(stored)
    except ValueError:
        raise PlainError(400, f"Not an IRI: {graph}") from None
    if not found:
        raise PlainError(404, f"No graph named <{graph}> here.", {"Vary": "Accept"})
    buffer = io.BytesIO()
    store.dump(buffer, format=chosen.rdf, from_graph=stored)
    return Response(rebase.body_to_served(buffer.getvalue()), media_type=chosen.media_type,
                    headers={"Vary": "Accept"})
