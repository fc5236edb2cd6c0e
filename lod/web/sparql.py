"""The SPARQL 1.1 Protocol endpoint: read-only, the default graph is the union of all graphs.

Query by GET (`query=`), POST form, or POST direct (`application/sparql-query`); `default-graph-uri`
and `named-graph-uri` name the dataset. Results are negotiated from `format=` or Accept. Later work
(query parsing with a SERVICE allowlist, killable worker processes, caps, the service description,
YASGUI) plugs in at `run_query` and at the no-query branch of `sparql`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from lod.formats import GRAPH_FORMATS, RESULT_FORMATS, by_name, is_graph, negotiate, serialize_results
from lod.store import Store
from lod.web import PlainError, RebaseDep, StoreDep, TemplatesDep, not_acceptable, render
from lod.web.rebase import Rebase

router = APIRouter()

QUERY_MEDIA = "application/sparql-query"
UPDATE_MEDIA = "application/sparql-update"
FORM_MEDIA = "application/x-www-form-urlencoded"
GRAPH_RESULT_FORMATS = GRAPH_FORMATS[:4]  # Turtle, JSON-LD, N-Triples, RDF/XML
READ_ONLY = ("This SPARQL endpoint is read-only: SPARQL Update is not accepted here. "
             "Send queries (SELECT, ASK, CONSTRUCT, DESCRIBE) only.")
EXAMPLE = """PREFIX bf: <http://id.loc.gov/ontologies/bibframe/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?work ?title WHERE {
  ?work a bf:Work ; rdfs:label ?title .
}
LIMIT 20
"""


@dataclass
class SparqlRequest:
    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format: str | None = None


async def sparql_request(request: Request) -> SparqlRequest:
    """The protocol operation a request carries, whichever of the three ways it was sent."""
    params = [*request.query_params.multi_items()]
    if request.method == "POST":
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == FORM_MEDIA:
            params += [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
        elif media == QUERY_MEDIA:
            params.append(("query", _text(await request.body())))
        elif media == UPDATE_MEDIA:
            raise PlainError(403, READ_ONLY)
        else:
            raise PlainError(415, f"POST a query as {QUERY_MEDIA} or as {FORM_MEDIA} (got {media or 'nothing'}).")
    values: dict[str, list[str]] = {}
    for key, value in params:
        values.setdefault(key, []).append(value)
    if "update" in values:
        raise PlainError(403, READ_ONLY)
    queries = values.get("query", [])
    if len(queries) > 1:
        raise PlainError(400, "Send exactly one query parameter.")
    return SparqlRequest(
        query=queries[0] if queries else None,
        default_graphs=values.get("default-graph-uri", []),
        named_graphs=values.get("named-graph-uri", []),
        format=(values.get("format") or [""])[-1].strip() or None,
    )


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise PlainError(400, "The query is not valid UTF-8.") from None


@router.api_route("/sparql", methods=["GET", "POST"])
def sparql(operation: Annotated[SparqlRequest, Depends(sparql_request)], request: Request, store: StoreDep,
           rebase: RebaseDep, templates: TemplatesDep) -> Response:
    if operation.query is None:
        # The service description (for RDF Accept headers) and YASGUI take this branch later.
        return render(templates, "sparql.html", example=EXAMPLE,
                      result_formats=RESULT_FORMATS, graph_formats=GRAPH_RESULT_FORMATS)
    body, media = run_query(store, rebase, operation, request.headers.get("accept"))
    return Response(body, media_type=media, headers={"Vary": "Accept"})


def run_query(store: Store, rebase: Rebase, operation: SparqlRequest, accept: str | None) -> tuple[bytes, str]:
    """Run a query under the served base and serialise its results as asked; returns body and media type."""
    try:
        results = store.query(
            rebase.to_stored(operation.query or ""),
            default_graph_uris=[rebase.to_stored(g) for g in operation.default_graphs],
            named_graph_uris=[rebase.to_stored(g) for g in operation.named_graphs],
        )
    except SyntaxError as error:
        raise PlainError(400, f"SPARQL syntax error: {error}") from None
    except ValueError as error:  # a graph name that is not an IRI
        raise PlainError(400, f"Bad dataset: {error}") from None
    offered = GRAPH_RESULT_FORMATS if is_graph(results) else RESULT_FORMATS
    chosen = by_name(operation.format, offered) if operation.format else negotiate(accept, offered)
    body, media, failure = b"", "", None
    if chosen is not None:
        try:  # results are computed while they are written: evaluation errors surface here
            body, media = serialize_results(results, chosen.name)
        except (OSError, ValueError, RuntimeError) as error:
            failure = str(error)
    # pyoxigraph results must be dropped on the thread that made them, so no exception (nor its
    # traceback) may carry them to the event loop: drop them before raising.
    del results
    if chosen is None:
        raise not_acceptable(offered, {"Vary": "Accept"})
    if failure is not None:
        raise PlainError(500, f"The query failed while it was evaluated: {failure}")
    return rebase.body_to_served(body), media

