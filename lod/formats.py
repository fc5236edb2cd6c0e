"""The format table and content negotiation: one place maps extensions, media types and serialisers.

Graph formats come from Oxigraph's RdfFormat, result formats from its QueryResultsFormat.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from lod.terms import Literal, Triple

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class Format:
    name: str  # the extension and the `format=` value
    media_type: str
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    aliases: tuple[str, ...] = ()


GRAPH_FORMATS = [
    Format("ttl", "text/turtle", rdf=ox.RdfFormat.TURTLE, aliases=("turtle", "application/x-turtle")),
    Format("jsonld", "application/ld+json", rdf=ox.RdfFormat.JSON_LD, aliases=("json-ld",)),
    Format("nt", "application/n-triples", rdf=ox.RdfFormat.N_TRIPLES, aliases=("ntriples", "text/plain")),
    Format("rdf", "application/rdf+xml", rdf=ox.RdfFormat.RDF_XML, aliases=("rdfxml", "xml", "application/xml")),
    Format("nq", "application/n-quads", rdf=ox.RdfFormat.N_QUADS, aliases=("nquads",)),
    Format("trig", "application/trig", rdf=ox.RdfFormat.TRIG),
]
HTML = Format("html", "text/html", aliases=("application/xhtml+xml",))
RESULT_FORMATS = [
    Format("json", "application/sparql-results+json", results=ox.QueryResultsFormat.JSON,
           aliases=("application/json", "srj")),
    Format("xml", "application/sparql-results+xml", results=ox.QueryResultsFormat.XML,
           aliases=("application/xml", "text/xml", "srx")),
    Format("csv", "text/csv", results=ox.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", results=ox.QueryResultsFormat.TSV),
]
DOCUMENT_FORMATS = [HTML, *GRAPH_FORMATS[:4]]  # what a resource page is offered in


def by_name(name: str, offered: list[Format]) -> Format | None:
    """The format an extension, a `format=` value or a media type names, among those offered."""
    name = name.strip().lower()
    for f in offered:
        if name in (f.name, f.media_type, *f.aliases):
            return f
    return None


def negotiate(accept: str | None, offered: list[Format]) -> Format | None:
    """The offered format the Accept header prefers (q-values honoured, order breaks ties);
    the first offered when Accept is missing; None when nothing acceptable is offered."""
    if not accept or not accept.strip():
        return offered[0]
    ranges = []
    for position, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media:
            ranges.append((media.lower(), q, position))
    best, best_rank = None, None
    for index, f in enumerate(offered):
        q, specificity, position = _quality(f, ranges)
        if q <= 0:
            continue
        rank = (q, specificity, -position, -index)
        if best_rank is None or rank > best_rank:
            best, best_rank = f, rank
    return best


def _quality(f: Format, ranges: list[tuple[str, float, int]]) -> tuple[float, int, int]:
    """The q-value of the most specific media range matching `f` (exact beats type/* beats */*)."""
    names = (f.media_type, *(a for a in f.aliases if "/" in a))
    found = (0.0, -1, 0)
    for media, q, position in ranges:
        if media in names:
            specificity = 2
        elif media.endswith("/*") and any(n.startswith(media[:-1]) for n in names):
            specificity = 1
        elif media == "*/*":
            specificity = 0
        else:
            continue
        if specificity > found[1]:
            found = (q, specificity, position)
    return found


def is_graph(results) -> bool:
    """Whether query results are triples (CONSTRUCT, DESCRIBE) rather than a table or a boolean."""
    return isinstance(results, ox.QueryTriples)


def serialize_graph(triples: list[Triple], f: Format, prefixes: dict[str, str]) -> bytes:
    """Our triples in a graph format of the table, with the given prefixes where the syntax has them."""

    def node(term):
        if isinstance(term, Literal):
            if term.lang:
                return ox.Literal(term.value, language=term.lang)
            return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype or XSD_STRING))
        return ox.NamedNode(term)

    graph = [ox.Triple(node(s), node(p), node(o)) for s, p, o in triples]
    return ox.serialize(graph, format=f.rdf, prefixes=prefixes)


def serialize_results(results, name: str) -> tuple[bytes, str]:
    """Serialise a query's results in the named format; returns the body and its media type."""
    if is_graph(results):
        f = by_name(name, GRAPH_FORMATS) or GRAPH_FORMATS[0]
        return results.serialize(format=f.rdf), f.media_type
    f = by_name(name, RESULT_FORMATS) or RESULT_FORMATS[0]
    return results.serialize(format=f.results), f.media_type
