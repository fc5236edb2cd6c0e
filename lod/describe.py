"""What the store says about one resource, as documents and as the view data of its page.

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
from datetime import UTC, datetime
from urllib.parse import unquote

from lod.formats import XSD_STRING, Format, serialize_graph
from lod.publish import jsonld
from lod.publish.labels import readable, term_label
from lod.publish.version import VersionedCache, last_change
from lod.store import Store
from lod.terms import IRI, Literal, Term, Triple, iri_text, term_text
from lod.text import fold
from lod.uris import KINDS

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "http://schema.org/"
BF = "http://id.loc.gov/ontologies/bibframe/"
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = RDF + "type"
LABELS = (RDFS + "label", SCHEMA + "name")
LANGUAGES = ("vi", "en")
BACKLINKS = 100  # statements linking to a resource that its document carries, at most

# The prefixes documents are written with, in the order readers expect to see them.
PREFIXES = {
    "bf": BF,
    "bflc": "http://id.loc.gov/ontologies/bflc/",
    "schema": SCHEMA,
    "rdfs": RDFS,
    "rdf": RDF,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "madsrdf": "http://www.loc.gov/mads/rdf/v1#",
    "owl": OWL,
    "dcterms": "http://purl.org/dc/terms/",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
}
# Preferred label languages per page language; untagged text (most names) sits in between.
LANGUAGE_ORDER = {"vi": {"vi": 0, None: 1, "": 1, "en": 2}, "en": {"en": 0, None: 1, "": 1, "vi": 2}}


Labels = VersionedCache[list[Triple]]  # each resource's label statements, per store version


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


def describe(store: Store, uri: str, known_labels: Labels | None = None) -> Description | None:
    """The description of `uri`, or None when the store knows nothing about it; `known_labels` keeps the
    labels of linked resources between calls."""
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
    statements += backlinks(store, uri)
    linked = sorted({term for s, _, o in statements for term in (s, o) if isinstance(term, IRI) and term not in seen})
    return from_triples(uri, statements, linked_labels(store, linked, known_labels))


def linked_labels(store: Store, uris: list[str], known: Labels | None = None) -> list[Triple]:
    """The label statements of `uris`: from `known` when it has them for the store's current version."""
    if known is None:
        return _statements(store, uris, LABELS)
    seq, _ = last_change(store)
    found: list[Triple] = []
    missing = []
    for uri in uris:
        hit = known.get(seq, uri)
        if hit is None:
            missing.append(uri)
        else:
            found += hit
    fetched: dict[str, list[Triple]] = defaultdict(list)
    for triple in _statements(store, missing, LABELS):
        fetched[triple[0]].append(triple)
    for uri in missing:
        known.put(seq, uri, fetched[uri])
        found += fetched[uri]
    return found


def backlinks(store: Store, uri: str, limit: int = BACKLINKS) -> list[Triple]:
    """Statements of other resources (not their sub-nodes) that link to `uri`, at most `limit`: a crawler
    that reaches an author or a subject can go on to the works."""
    rows = store.query(f"""SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {iri_text(uri)}
                             FILTER(isIRI(?s) && !CONTAINS(STR(?s), "#")) }} LIMIT {int(limit)}""")
    return [(IRI(r["s"].value), IRI(r["p"].value), IRI(uri)) for r in rows if r["s"].value != uri]


def from_triples(uri: str, statements: list[Triple], labels: list[Triple]) -> Description:
    """A description in a stable order: documents read well (the resource first, types first) and keep
    their ETag."""
    statements = sorted(statements, key=lambda t: (t[0] != uri, t[0], t[1] != RDF_TYPE, t[1], _sort_key(t[2])))
    return Description(uri, statements, sorted(labels, key=lambda t: (t[0], t[1], _sort_key(t[2]))))


def graphs_of(store: Store, subjects: list[str]) -> list[str]:
    """The named graphs that hold statements about `subjects` (for a document's Last-Modified)."""
    if not subjects:
        return []
    values = " ".join(iri_text(s) for s in subjects)
    rows = store.query(f"SELECT DISTINCT ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
    return [r["g"].value for r in rows]


def modified(store: Store, description: Description, base: str, fallback: str | None) -> datetime | None:
    """When the statements of a document last changed: the journal's date of each record graph they come
    from, and `fallback` (the dataset's last change) for graphs the journal does not know."""
    # the resource's own statements and its parts': a linked subject's label, stated by thousands of
    # records, says nothing about when this document changed
    own = description.uri
    subjects = sorted({s for s, _, _ in description.statements if s == own or s.startswith(own + "#")})
    stamps = [_graph_time(store, graph, base) or fallback for graph in graphs_of(store, subjects)]
    known = [parse_time(stamp) for stamp in stamps if stamp]
    if not known or len(known) < len(stamps):
        return parse_time(fallback)
    return max(known)


def _graph_time(store: Store, graph: str, base: str) -> str | None:
    prefix = base + "graph/record/"
    if not graph.startswith(prefix):
        return None
    isil, _, key = graph[len(prefix):].partition("/")
    entry = store.journal.get(unquote(isil), unquote(key))
    return entry.datestamp if entry is not None and entry.graph == graph else None


def parse_time(stamp: str | None) -> datetime | None:
    """A journal or dataset time stamp (UTC, with or without Z) as an aware datetime."""
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.rstrip("Z")).replace(tzinfo=UTC)
    except ValueError:
        return None


def incoming(store: Store, uri: str, limit: int = 200) -> list[tuple[str, str]]:
    """Resources that link to `uri` (a link from a sub-node counts for the resource it belongs to),
    with the property, at most `limit`."""
    rows = store.query(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {iri_text(uri)} FILTER(isIRI(?s)) }} LIMIT {int(limit)}")
    found = dict.fromkeys((r["s"].value.split("#", 1)[0], r["p"].value) for r in rows)
    return [(s, p) for s, p in found if s != uri]


def holders(store: Store, work: str) -> list[str]:
    """The libraries holding copies of a work: the holders of the items of its instances, and of the
    instances that share an identifier with those (the union catalogue's clusters)."""
    rows = store.query(f"""SELECT DISTINCT ?library WHERE {{
        {iri_text(work)} <{BF}hasInstance> ?instance .
        {{ ?instance <{BF}hasItem>/<{BF}heldBy> ?library }}
        UNION {{ ?instance <http://www.w3.org/2002/07/owl#sameAs> ?cluster .
                 ?other <http://www.w3.org/2002/07/owl#sameAs> ?cluster ; <{BF}hasItem>/<{BF}heldBy> ?library }}
    }} ORDER BY ?library""")
    return [row["library"].value for row in rows]


def labels(store: Store, uris: list[str], lang: str = "vi", known: Labels | None = None) -> dict[str, str]:
    """The best label (in `lang` first) of each of `uris` that has one."""
    found: dict[str, list[Literal]] = defaultdict(list)
    for s, _, o in linked_labels(store, uris, known):
        if isinstance(o, Literal):
            found[s].append(o)
    return {uri: best_label(literals, lang) for uri, literals in found.items()}


def _statements(store: Store, subjects: list[str], predicates: Iterable[str] = ()) -> list[Triple]:
    if not subjects:
        return []
    values = " ".join(iri_text(s) for s in subjects)
    # A FILTER, not a second VALUES: with both, the planner reads every statement of those predicates.
    restrict = f"&& ?p IN ({', '.join(iri_text(p) for p in predicates)})" if predicates else ""
    # Blank nodes are never minted here; one loaded from elsewhere could not be linked to anyway.
    rows = store.query(
        f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o FILTER(!isBlank(?o) {restrict}) }}"
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


def document(description: Description, fmt: Format, base: str) -> bytes:
    """The description serialised in an RDF format of the format table: Turtle and RDF/XML with readable
    prefixes, JSON-LD compacted against our context (`{base}context.jsonld`)."""
    if fmt.name == "nt":  # N-Triples is our own term syntax: no parser round trip needed
        return ntriples(description.triples).encode("utf-8")
    if fmt.name == "jsonld":
        compacted = jsonld.compact(description.triples, f"{base}context.jsonld")
        return json.dumps(compacted, ensure_ascii=False, indent=1).encode("utf-8")
    return serialize_graph(description.triples, fmt, PREFIXES)


def ntriples(triples: Iterable[Triple]) -> str:
    return "".join(f"{term_text(s)} {term_text(p)} {term_text(o)} .\n" for s, p, o in triples)


def schema_org(description: Description) -> dict | None:
    """The schema.org part of a description as one JSON-LD object, for search engines."""
    return jsonld.schema_org(description.triples, description.uri)


# --- view data for pages -------------------------------------------------------------------------


def local_path(uri: str, base: str) -> str:
    """Where a URI of the dataset is served on this site; other URIs stay as they are."""
    return "/" + uri[len(base):] if uri.startswith(base) else uri


def kind_of(uri: str, base: str) -> str | None:
    """The kind of a dataset URI (`{base}id/{kind}/…`)."""
    if not uri.startswith(base + "id/"):
        return None
    kind = uri[len(base) + 3:].split("/", 1)[0]
    return kind if kind in KINDS else None


def short_name(uri: str) -> str:
    """The last segment of a URI (`…/relators/aut` → `aut`), for things the store has no label for."""
    return re.split(r"[#/]", uri.rstrip("/#"))[-1] or uri


def curie(uri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if uri.startswith(namespace):
            return f"{prefix}:{uri[len(namespace):]}"
    return uri


def best_label(literals: Iterable[Literal], lang: str = "vi") -> str | None:
    order = LANGUAGE_ORDER.get(lang, LANGUAGE_ORDER["vi"])
    ranked = sorted(literals, key=lambda lit: (order.get(lit.lang, 3), lit.value))
    return ranked[0].value if ranked else None


def page_view(description: Description, base: str, public_base: str, lang: str = "vi",
              linked_from: list[tuple[str, str]] | None = None, linked_labels: dict[str, str] | None = None) -> dict:
    """A resource page's data: heading, types, the facts its kind shows first, every property (values
    are labelled links, literals, or the sub-nodes they point to, nested), and what links to it."""
    page = _Page(description, base, public_base, lang)
    return {**page.view(), "linked_from": page.linked_from(linked_from or [], linked_labels or {})}


# What a page shows first for each kind: a heading (Vietnamese, English) and the property path to follow
# (through sub-nodes); a third item, when given, is a path from the last sub-node to a qualifier (a role).
FACTS: dict[str, list[tuple[tuple[str, str], list[str], list[str]]]] = {
    "work": [
        (("Tác giả", "Authors"), [SCHEMA + "author"], []),
        (("Người tham gia", "Contributors"), [BF + "contribution", BF + "agent"], [BF + "role"]),
        (("Chủ đề", "Subjects"), [BF + "subject"], []),
        (("Thể loại", "Genre"), [BF + "genreForm"], []),
        (("Ngôn ngữ", "Language"), [BF + "language"], []),
        (("Phân loại DDC", "DDC class"), [BF + "classification", BF + "classificationPortion"], []),
        (("Tóm tắt", "Summary"), [BF + "summary", RDFS + "label"], []),
        (("Ấn phẩm", "Instances"), [BF + "hasInstance"], []),
    ],
    "instance": [
        (("Tác phẩm", "Work"), [BF + "instanceOf"], []),
        (("Trách nhiệm", "Responsibility"), [BF + "responsibilityStatement"], []),
        (("Xuất bản", "Publication"), [BF + "provisionActivityStatement"], []),
        (("Năm xuất bản", "Date"), [SCHEMA + "datePublished"], []),
        (("Nhà xuất bản", "Publisher"), [SCHEMA + "publisher", SCHEMA + "name"], []),
        (("Số trang", "Extent"), [BF + "extent", RDFS + "label"], []),
        (("Khổ", "Dimensions"), [BF + "dimensions"], []),
        (("ISBN", "ISBN"), [SCHEMA + "isbn"], []),
        (("Bản điện tử", "Online"), [BF + "electronicLocator"], []),
        (("Bản tài liệu", "Items"), [BF + "hasItem"], []),
    ],
    "item": [
        (("Thuộc ấn phẩm", "Item of"), [BF + "itemOf"], []),
        (("Thư viện giữ", "Held by"), [BF + "heldBy"], []),
        (("Kho, phòng", "Location"), [BF + "sublocation", RDFS + "label"], []),
        (("Ký hiệu xếp giá", "Shelf mark"), [BF + "shelfMark", RDFS + "label"], []),
        (("Mã vạch", "Barcode"), [BF + "identifiedBy", RDF + "value"], []),
    ],
    "agent": [
        (("Tên", "Names"), [SCHEMA + "name"], []),
        (("Tiêu đề chuẩn", "Heading"), [RDFS + "label"], []),
        (("Cũng là", "Same as"), [OWL + "sameAs"], []),
    ],
    "subject": [
        (("Tiêu đề", "Heading"), [RDFS + "label"], []),
        (("Bộ tiêu đề", "Scheme"), [BF + "source"], []),
    ],
    "library": [
        (("Mã ISIL", "ISIL"), [SCHEMA + "identifier"], []),
        (("Loại thư viện", "Type"), [SCHEMA + "additionalType"], []),
        (("Địa chỉ", "Address"), [SCHEMA + "address"], []),
        (("Trang web", "Website"), [SCHEMA + "url"], []),
        (("Dịch vụ", "Services"), [SCHEMA + "availableService"], []),
    ],
}
KIND_NAMES = {"work": ("Tác phẩm", "Works"), "instance": ("Ấn phẩm", "Instances"),
               "item": ("Bản tài liệu", "Items"), "agent": ("Tác giả, tổ chức", "Agents"),
               "subject": ("Chủ đề", "Subjects"), "place": ("Địa danh", "Places"),
               "library": ("Thư viện", "Libraries"), "dataset": ("Bộ dữ liệu", "Datasets")}


class _Page:
    def __init__(self, description: Description, base: str, public_base: str, lang: str):
        self.uri = description.uri
        self.base = base
        self.public_base = public_base
        self.lang = lang
        self.about: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        for s, p, o in description.statements:
            self.about[s][p].append(o)
        self.labels: dict[str, list[Literal]] = defaultdict(list)
        for s, p, o in description.triples:
            if p in LABELS and isinstance(o, Literal):
                self.labels[s].append(o)

    def view(self) -> dict:
        kind = kind_of(self.uri, self.base)
        node = self.node(self.uri, {self.uri})
        return {**node, "kind": kind, "uri": self.public(self.uri), "path": local_path(self.uri, self.base),
                "label": self.label(self.uri), "facts": self.facts(kind)}

    def public(self, uri: str) -> str:
        return self.public_base + uri[len(self.base):] if uri.startswith(self.base) else uri

    def href(self, uri: str) -> str:
        path = local_path(uri, self.base)
        return path + "?lang=en" if self.lang == "en" and path.startswith("/") else path

    def node(self, uri: str, shown: set[str]) -> dict:
        about = self.about.get(uri, {})
        properties = [
            {"name": term_label(p, self.lang) or readable(p), "curie": curie(p), "uri": p,
             "values": [self.value(o, shown) for o in sorted(values, key=self.order)]}
            for p, values in about.items() if p != RDF_TYPE
        ]
        properties.sort(key=lambda prop: (prop["uri"] not in LABELS, prop["name"], prop["curie"]))
        types = [{**self.link(t), "text": term_label(t, self.lang) or curie(t)}
                 for t in sorted(about.get(RDF_TYPE, []))]
        return {"types": types, "properties": properties}

    def value(self, term: Term, shown: set[str]) -> dict:
        if isinstance(term, Literal):
            return {"text": term.value, "lang": term.lang}
        if _is_part(term, self.uri) and term in self.about and term not in shown:
            shown.add(term)  # a sub-node is nested once, under the first property that links it
            return {"node": self.node(term, shown)}
        return self.link(term)

    def link(self, uri: str) -> dict:
        label = best_label(self.labels.get(uri, []), self.lang) or term_label(uri, self.lang)
        return {"href": self.href(uri), "text": label or short_name(uri), "uri": self.public(uri),
                "labelled": label is not None}

    def label(self, uri: str) -> str:
        return best_label(self.labels.get(uri, []), self.lang) or short_name(uri)

    def order(self, term: Term) -> tuple:
        if isinstance(term, Literal):
            return (0, LANGUAGE_ORDER[self.lang].get(term.lang, 3), term.value)
        return (1, 0, fold(self.label(term)))

    def facts(self, kind: str | None) -> list[dict]:
        rows = []
        for headings, path, qualifier in FACTS.get(kind or "", []):
            values = [self.fact(term, parent, qualifier) for parent, term in self.follow(self.uri, path)]
            if values:
                rows.append({"label": headings[LANGUAGES.index(self.lang)], "values": values})
        return rows

    def follow(self, uri: str, path: list[str]) -> list[tuple[str, Term]]:
        """The values at the end of `path` from `uri`, each with the node it was found on."""
        found: list[tuple[str, Term]] = []
        for term in sorted(self.about.get(uri, {}).get(path[0], []), key=self.order):
            if len(path) == 1:
                found.append((uri, term))
            elif isinstance(term, IRI):
                found += self.follow(term, path[1:])
        return found

    def fact(self, term: Term, parent: str, qualifier: list[str]) -> dict:
        value = {"text": term.value, "lang": term.lang} if isinstance(term, Literal) else self.link(term)
        if isinstance(term, IRI) and _is_part(term, self.uri):  # a sub-node: its label, no link
            value = {"text": self.label(term)}
        notes = [self.link(t)["text"] if isinstance(t, IRI) else t.value for _, t in self.follow(parent, qualifier)] \
            if qualifier else []
        return {**value, "note": ", ".join(notes)}

    def linked_from(self, links: list[tuple[str, str]], names: dict[str, str]) -> list[dict]:
        """What links here, grouped by kind, without what the page already links to."""
        outgoing = {o for values in self.about.values() for terms in values.values() for o in terms}
        groups: dict[str, dict[str, dict]] = defaultdict(dict)
        for source, _ in links:
            kind = kind_of(source, self.base)
            if kind and source not in outgoing:
                groups[kind][source] = {"href": self.href(source), "text": names.get(source) or short_name(source),
                                        "uri": self.public(source)}
        return [{"kind": kind, "label": KIND_NAMES[kind][LANGUAGES.index(self.lang)],
                 "links": sorted(groups[kind].values(), key=lambda link: fold(link["text"]))}
                for kind in KINDS if kind in groups]
