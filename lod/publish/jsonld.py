"""JSON-LD the way we publish it: compacted against our own context (ontologies/context.jsonld, served at
/context.jsonld), and the schema.org part of a description for search engines, embedded in pages.

pyld does the JSON-LD work. It is never allowed to fetch anything: every context it needs is given inline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from pyld import jsonld

from lod.terms import IRI, Literal, Triple

CONTEXT_FILE = Path(__file__).resolve().parents[2] / "ontologies" / "context.jsonld"
SCHEMA = "http://schema.org/"
# Search engines read this context name; it maps terms to http://schema.org/, the namespace we emit.
SCHEMA_CONTEXT_NAME = "https://schema.org"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _refuse(url: str, options: dict | None = None) -> dict:
    raise jsonld.JsonLdError(f"no remote documents are loaded: {url}", "jsonld.LoadDocumentError",
                             code="loading document failed")


OPTIONS = {"documentLoader": _refuse}


@cache
def context_text() -> str:
    return CONTEXT_FILE.read_text(encoding="utf-8")


def context() -> dict:
    """Our context's mapping (the value of its `@context`)."""
    return json.loads(context_text())["@context"]


def prefixes() -> dict[str, str]:
    """The namespace prefixes our context defines."""
    return {name: value for name, value in context().items() if isinstance(value, str) and value.endswith(("/", "#"))}


def expanded(triples: Iterable[Triple]) -> list[dict]:
    """Triples as expanded JSON-LD, one node object per subject. Made here rather than by pyld's
    from-RDF, which turns rdf:first/rdf:rest chains into lists even when their nodes are IRIs and then
    loses a statement."""
    nodes: dict[str, dict] = {}
    for s, p, o in triples:
        node = nodes.setdefault(s, {"@id": s})
        if p == RDF_TYPE and isinstance(o, IRI):
            node.setdefault("@type", []).append(o)
        else:
            node.setdefault(p, []).append(_value(o))
    return list(nodes.values())


def _value(term: IRI | Literal) -> dict:
    if isinstance(term, Literal):
        if term.lang:
            return {"@value": term.value, "@language": term.lang}
        return {"@value": term.value, **({"@type": term.datatype} if term.datatype else {})}
    return {"@id": term}


def compact(triples: Iterable[Triple], context_url: str) -> dict:
    """Triples as a JSON-LD document compacted against our context, which it names by URL."""
    compacted = jsonld.compact(expanded(triples), {"@context": context()}, OPTIONS)
    compacted["@context"] = context_url
    return compacted


def schema_org(triples: Iterable[Triple], uri: str) -> dict | None:
    """The schema.org statements about `uri` (and the things it links to) as one nested JSON-LD object,
    or None when there are none. Other vocabularies are left out: search engines read schema.org only."""
    frame = {"@context": {"@vocab": SCHEMA}, "@id": uri, "@embed": "@once"}
    framed = jsonld.frame(_schema_only(expanded(triples)), frame, OPTIONS)
    nodes = framed.get("@graph", [framed])
    node = next((n for n in nodes if n.get("@id") == uri), None)
    if node is None or len(node) <= 1:
        return None
    node.pop("@context", None)
    return {"@context": SCHEMA_CONTEXT_NAME, **node}


def _schema_only(expanded: list[dict]) -> list[dict]:
    kept = []
    for node in expanded:
        types = [t for t in node.get("@type", []) if t.startswith(SCHEMA)]
        properties = {p: v for p, v in node.items() if p.startswith(SCHEMA)}
        if types or properties:
            kept.append({"@id": node["@id"], **({"@type": types} if types else {}), **properties})
    return kept
