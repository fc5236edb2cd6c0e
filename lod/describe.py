"""What the store says about one resource, and about the dataset, as documents and as view data.

A resource's description is its own statements and those of its hash sub-nodes (`…/id/instance/KEY#title-…`,
reached from it), from every graph, plus the labels of every resource they link to. RDF documents
serialise a description as is; HTML pages get it as plain dicts built here, so both say the same thing.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from lod.formats import XSD_STRING, Format, serialize_graph
from lod.store import Store
from lod.terms import IRI, Literal, Term, Triple, iri_text, term_text
from lod.uris import KINDS

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "http://schema.org/"
BF = "http://id.loc.gov/ontologies/bibframe/"
RDF_TYPE = RDF + "type"
LABELS = (RDFS + "label", SCHEMA + "name")

# The prefixes documents are written with, in the order readers expect to see them.
PREFIXES = {
    "bf": BF,
    "bflc": "http://id.loc.gov/ontologies/bflc/",
    "schema": SCHEMA,
    "rdfs": RDFS,
    "rdf": RDF,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "madsrdf": "http://www.loc.gov/mads/rdf/v1#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "dcterms": "http://purl.org/dc/terms/",
    "void": "http://rdfs.org/ns/void#",
}
# Vietnamese first, then untagged text (most names are), then English.
LANGUAGE_ORDER = {"vi": 0, None: 1, "": 1, "en": 2}


@dataclass
class Description:
    uri: str
    statements: list[Triple]  # about the resource and its hash sub-nodes
    labels: list[Triple]  # rdfs:label and schema:name of the resources those statements link to

    @property
    def triples(self) -> list[Triple]:
        return self.statements + self.labels


# --- reading the store ---------------------------------------------------------------------------


def knows(store: Store, uri: str) -> bool:
    """Whether the store says anything about `uri`."""
    return bool(store.query(f"ASK {{ {iri_text(uri)} ?p ?o }}"))


def describe(store: Store, uri: str) -> Description | None:
    """The description of `uri`, or None when the store knows nothing about it."""
    statements: list[Triple] = []
    seen = {uri}
    frontier = [uri]
    while frontier:  # sub-nodes may have sub-nodes of their own (a provision activity's place)
        found = _statements(store, frontier)
        statements += found
        frontier = list(dict.fromkeys(o for _, _, o in found if _is_part(o, uri) and o not in seen))
        seen.update(frontier)
    if not statements:
        return None
    linked = sorted({o for _, _, o in statements if isinstance(o, IRI) and o not in seen})
    # A stable order: documents read well (the resource first, types first) and keep their ETag.
    statements.sort(key=lambda t: (t[0] != uri, t[0], t[1] != RDF_TYPE, t[1], _sort_key(t[2])))
    named = sorted(_statements(store, linked, LABELS), key=lambda t: (t[0], t[1], _sort_key(t[2])))
    return Description(uri, statements, named)


def labels(store: Store, uris: list[str]) -> dict[str, str]:
    """The best label (Vietnamese first) of each of `uris` that has one."""
    found: dict[str, list[Literal]] = defaultdict(list)
    for s, _, o in _statements(store, uris, LABELS):
        if isinstance(o, Literal):
            found[s].append(o)
    return {uri: best_label(literals) for uri, literals in found.items()}


def _statements(store: Store, subjects: list[str], predicates: Iterable[str] = ()) -> list[Triple]:
    if not subjects:
        return []
    values = " ".join(iri_text(s) for s in subjects)
    restrict = f"VALUES ?p {{ {' '.join(iri_text(p) for p in predicates)} }}" if predicates else ""
    # Blank nodes are never minted here; one loaded from elsewhere could not be linked to anyway.
    rows = store.query(
        f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} {restrict} ?s ?p ?o FILTER(!isBlank(?o)) }}"
    )
    return [(IRI(r["s"].value), IRI(r["p"].value), _term(r["o"])) for r in rows]


def _term(node) -> Term:
    if hasattr(node, "datatype"):  # only literals carry a datatype
        datatype = node.datatype.value
        lang = node.language
        return Literal(node.value, lang, None if lang or datatype == XSD_STRING else datatype)
    return IRI(node.value)


def _sort_key(term: Term) -> tuple:
    if isinstance(term, Literal):
        return (1, term.value, term.lang or "", term.datatype or "")
    return (0, term, "", "")


def _is_part(term: Term, uri: str) -> bool:
    return isinstance(term, IRI) and term.startswith(uri + "#")


def counts(store: Store, base: str) -> dict[str, int]:
    """How many quads, and how many things of each kind (`{base}id/{kind}/…`) the store describes."""
    prefix = json.dumps(base + "id/")
    rows = store.query(
        f"""SELECT ?kind (COUNT(DISTINCT ?s) AS ?n) WHERE {{
              ?s a ?type .
              FILTER(STRSTARTS(STR(?s), {prefix}) && !CONTAINS(STR(?s), "#"))
              FILTER NOT EXISTS {{ ?s a <{BF}Series> }}
              BIND(STRBEFORE(STRAFTER(STR(?s), {prefix}), "/") AS ?kind)
            }} GROUP BY ?kind"""
    )
    found = {kind: 0 for kind in KINDS}
    found.update({r["kind"].value: int(r["n"].value) for r in rows})
    found["quads"] = len(store)
    return found


def recent_works(store: Store, base: str, limit: int = 8) -> list[dict]:
    """The works whose instances changed last, as links with labels."""
    rows = store.query(
        f"""SELECT ?work (SAMPLE(?l) AS ?label) (MAX(?d) AS ?changed) WHERE {{
              ?work a <{BF}Work> .
              FILTER(STRSTARTS(STR(?work), {json.dumps(base + "id/work/")}))
              FILTER NOT EXISTS {{ ?work a <{BF}Series> }}
              OPTIONAL {{ ?work <{RDFS}label> ?l }}
              OPTIONAL {{ ?work <{BF}hasInstance>/<{BF}adminMetadata>/<{BF}changeDate> ?d }}
            }} GROUP BY ?work ORDER BY DESC(?changed) ?label LIMIT {int(limit)}"""
    )
    return [{"href": local_path(r["work"].value, base),
             "label": r["label"].value if r["label"] else short_name(r["work"].value)} for r in rows]


# --- documents -----------------------------------------------------------------------------------


def document(description: Description, fmt: Format) -> bytes:
    """The description serialised in an RDF format of the format table, with readable prefixes."""
    if fmt.name == "nt":  # N-Triples is our own term syntax: no parser round trip needed
        return "".join(f"{term_text(s)} {term_text(p)} {term_text(o)} .\n"
                       for s, p, o in description.triples).encode("utf-8")
    return serialize_graph(description.triples, fmt, PREFIXES)


# --- view data for pages -------------------------------------------------------------------------


def local_path(uri: str, base: str) -> str:
    """Where a URI of the dataset is served on this site; other URIs stay as they are."""
    return "/" + uri[len(base):] if uri.startswith(base) else uri


def short_name(uri: str) -> str:
    """The last segment of a URI (`…/relators/aut` → `aut`), for things the store has no label for."""
    return re.split(r"[#/]", uri.rstrip("/#"))[-1] or uri


def readable(uri: str) -> str:
    """A property's local name made readable: `mainTitle` → `main title`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", short_name(uri)).replace("_", " ").lower()


def curie(uri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if uri.startswith(namespace):
            return f"{prefix}:{uri[len(namespace):]}"
    return uri


def best_label(literals: Iterable[Literal]) -> str | None:
    ranked = sorted(literals, key=lambda lit: (LANGUAGE_ORDER.get(lit.lang, 3), lit.value))
    return ranked[0].value if ranked else None


def page_view(description: Description, base: str, public_base: str) -> dict:
    """A resource page's data: heading, types, and properties whose values are labelled links,
    literals, or the sub-nodes they point to (nested)."""
    return _Page(description, base, public_base).view()


class _Page:
    def __init__(self, description: Description, base: str, public_base: str):
        self.uri = description.uri
        self.base = base
        self.public_base = public_base
        self.about: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        for s, p, o in description.statements:
            self.about[s][p].append(o)
        self.labels: dict[str, list[Literal]] = defaultdict(list)
        for s, p, o in description.triples:
            if p in LABELS and isinstance(o, Literal):
                self.labels[s].append(o)

    def view(self) -> dict:
        node = self.node(self.uri, {self.uri})
        return {**node, "uri": self.public(self.uri), "path": local_path(self.uri, self.base),
                "label": self.label(self.uri)}

    def public(self, uri: str) -> str:
        return self.public_base + uri[len(self.base):] if uri.startswith(self.base) else uri

    def node(self, uri: str, shown: set[str]) -> dict:
        about = self.about.get(uri, {})
        properties = [
            {"name": readable(p), "curie": curie(p), "uri": p,
             "values": [self.value(o, shown) for o in sorted(values, key=_order)]}
            for p, values in about.items() if p != RDF_TYPE
        ]
        properties.sort(key=lambda prop: (prop["uri"] not in LABELS, prop["name"], prop["curie"]))
        return {"types": [self.link(t) for t in sorted(about.get(RDF_TYPE, []))], "properties": properties}

    def value(self, term: Term, shown: set[str]) -> dict:
        if isinstance(term, Literal):
            return {"text": term.value, "lang": term.lang}
        if _is_part(term, self.uri) and term in self.about and term not in shown:
            shown.add(term)  # a sub-node is nested once, under the first property that links it
            return {"node": self.node(term, shown)}
        return self.link(term)

    def link(self, uri: str) -> dict:
        label = best_label(self.labels.get(uri, []))
        return {"href": local_path(uri, self.base), "text": label or short_name(uri), "uri": self.public(uri),
                "labelled": label is not None}

    def label(self, uri: str) -> str:
        return best_label(self.labels.get(uri, [])) or short_name(uri)


def _order(term: Term) -> tuple:
    if isinstance(term, Literal):
        return (0, LANGUAGE_ORDER.get(term.lang, 3), term.value)
    return (1, 0, term)
