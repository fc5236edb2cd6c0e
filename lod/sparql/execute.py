"""One protocol request run against a store: check it, evaluate it, choose the result format, write
the results with the row cap, and give them back under the served base.

Everything here happens where the query runs (a worker process, see `worker` and `pool`), so the
answer is plain data: a status, a media type, a body and whether rows were left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lod.formats import GRAPH_FORMATS, RESULT_FORMATS, Format, by_name, is_graph, negotiate, serialize_results
from lod.rebase import Rebase
from lod.sparql import guard
from lod.sparql.results import capped_graph, capped_table
from lod.store import Store

GRAPH_RESULT_FORMATS = GRAPH_FORMATS[:4]  # Turtle, JSON-LD, N-Triples, RDF/XML
ERROR_AT = re.compile(r"error at (\d+):(\d+)")
READ_ONLY = ("This SPARQL endpoint is read-only: SPARQL Update is not accepted here. "
             "Send queries (SELECT, ASK, CONSTRUCT, DESCRIBE) only.")


@dataclass(frozen=True)
class Job:
    """A query as the protocol carries it."""

    query: str
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    accept: str | None = None
    format: str | None = None


@dataclass(frozen=True)
class Policy:
    """What every query is held to, and the base rewriting it is served under."""

    max_rows: int = 10_000
    allowed_services: tuple[str, ...] = ()
    stored_base: str = ""
    served_base: str = ""

    @property
    def rebase(self) -> Rebase:
        return Rebase(self.stored_base, self.served_base)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    media_type: str = "text/plain"
    truncated: bool = False
    vary: bool = True  # the body depends on the Accept header


def refusal(status: int, message: str, vary: bool = False) -> Reply:
    return Reply(status, (message + "\n").encode("utf-8"), vary=vary)


def execute(store: Store, job: Job, policy: Policy) -> Reply:
    """Run `job` on `store` under `policy`; never raises for anything the client sent."""
    try:
        guard.check(job.query, policy.allowed_services)
    except guard.Refused as refused:
        return refusal(refused.status, refused.message)
    rebase = policy.rebase
    try:
        results = store.query(
            rebase.to_stored(with_base(job.query, policy.served_base + "sparql")),
            default_graph_uris=[rebase.to_stored(g) for g in job.default_graphs],
            named_graph_uris=[rebase.to_stored(g) for g in job.named_graphs],
        )
    except SyntaxError as error:
        if guard.looks_like_update(job.query):
            return refusal(400, f"This is a SPARQL Update, sent as a query. {READ_ONLY}")
        return refusal(400, f"SPARQL syntax error: {unshift(str(error))}")
    except ValueError as error:  # a graph name that is not an IRI
        return refusal(400, f"Bad dataset: {error}")
    except (OSError, RuntimeError) as error:
        return refusal(500, f"The query failed while it was evaluated: {error}")
    return _answer(results, job, policy, rebase)


def with_base(query: str, endpoint: str) -> str:
    """The query with the endpoint as its base IRI (the protocol lets the service choose it); a BASE of
    the query's own comes later and wins. On a line of its own, so only line numbers move (`unshift`)."""
    return f"BASE <{endpoint}>\n{query}"


def unshift(message: str) -> str:
    """A parser message about the query as the client wrote it (without the line `with_base` adds)."""
    return ERROR_AT.sub(lambda m: f"error at {int(m[1]) - 1}:{m[2]}", message)


def _answer(results, job: Job, policy: Policy, rebase: Rebase) -> Reply:
    graph = is_graph(results)
    offered = GRAPH_RESULT_FORMATS if graph else RESULT_FORMATS
    chosen = by_name(job.format, offered) if job.format else negotiate(job.accept, offered)
    if chosen is None:
        return refusal(406, not_acceptable_text(offered), vary=True)
    try:  # results are computed while they are written: evaluation errors surface here
        if graph:
            body, truncated = capped_graph(results, chosen, policy.max_rows)
        elif hasattr(results, "variables"):
            body, truncated = capped_table(results, chosen, policy.max_rows)
        else:
            body, truncated = serialize_results(results, chosen.name)[0], False
    except (OSError, ValueError, RuntimeError) as error:
        return refusal(500, f"The query failed while it was evaluated: {error}")
    return Reply(200, rebase.body_to_served(body), chosen.media_type, truncated)


def not_acceptable_text(offered: list[Format]) -> str:
    listing = "\n".join(f"  {f.media_type} (.{f.name})" for f in offered)
    return f"None of the formats your Accept header names is offered here. Offered:\n{listing}"
