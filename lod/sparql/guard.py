"""Checks a query before it runs: the endpoint is read-only and calls no service outside an allowlist.

Oxigraph fetches any URL a `SERVICE` clause names, so a query could make the server call internal
addresses. SPARQL keywords cannot be escaped (Oxigraph reads `\\u` escapes only inside strings and
IRIs) and match ASCII letters case-insensitively, so a query whose text never spells "service" has no
SERVICE clause: it goes straight on. Any other query is parsed in full (rdflib's SPARQL 1.1 parser,
which resolves prefixes, BASE and escapes) and every SERVICE clause in it, however nested, must name an
allowed endpoint. A query the parser cannot read is refused rather than trusted.

Updates need no check here: they are never run, because the store is queried with its query-only
method; `looks_like_update` only makes the answer to one clearer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

SERVICE_WORD = re.compile("service", re.IGNORECASE)
UPDATE_START = re.compile(
    r"""^(?:\s+|\#[^\n\r]*|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)*
        (?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b""",
    re.IGNORECASE | re.VERBOSE,
)


class Refused(Exception):
    """A query this endpoint will not run; `status` and `message` are the answer to the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def check(query: str, allowed_services: Iterable[str] = ()) -> None:
    """Raise Refused unless every SERVICE clause of `query` names an allowed endpoint."""
    if not SERVICE_WORD.search(query):
        return
    allowed = tuple(allowed_services)
    for target in service_targets(query):
        if target is None:
            raise Refused(403, "SERVICE with a variable endpoint is not allowed here: name the endpoint IRI.")
        if not is_allowed(target, allowed):
            listing = ", ".join(f"<{a}>" for a in allowed) if allowed else "none"
            raise Refused(403, f"SERVICE <{target}> is not allowed: this endpoint only calls the federated "
                               f"endpoints on its allowlist (allowed: {listing}).")


def service_targets(query: str) -> list[str | None]:
    """The endpoint IRI of every SERVICE clause in `query` (None for a variable); raises Refused when the
    query cannot be parsed."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        algebra = translateQuery(parseQuery(query)).algebra
    except Exception as error:  # noqa: BLE001 - any parser failure means the query cannot be vouched for
        raise Refused(400, f"SPARQL syntax error (checked before running, because the query mentions "
                           f"SERVICE): {error}") from None
    return [_iri_or_none(node.get("term")) for node in _services(algebra)]


def is_allowed(target: str, allowed: tuple[str, ...]) -> bool:
    """An entry ending in "/" allows every endpoint under it; any other entry allows itself only."""
    return any(target == entry or (entry.endswith("/") and target.startswith(entry)) for entry in allowed)


def looks_like_update(text: str) -> bool:
    """Whether `text` reads as a SPARQL Update request (after its prologue)."""
    return bool(UPDATE_START.match(text))


def _services(node) -> Iterator:
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            yield node
        for value in node.values():
            yield from _services(value)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _services(value)
    elif isinstance(node, list | tuple | ParseResults):
        for value in node:
            yield from _services(value)


def _iri_or_none(term) -> str | None:
    from rdflib import URIRef

    return str(term) if isinstance(term, URIRef) else None
