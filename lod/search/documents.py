"""Search documents built from the store: what each work, instance, agent and subject is called, who
made it, what it is about, its notes, publishers, identifiers, languages, years, and which libraries
hold it (the libraries of the record graphs that describe it).

Each field is a list of property paths from the resource (see paths.py). A work also takes the titles,
notes, publishers, identifiers and years of its instances; an instance takes the agents, subjects,
languages and classification of its work. A full rebuild and an update after ingest read the same
paths, so they build the same documents.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from urllib.parse import unquote

from stdnum import isbn as isbn_numbers
from stdnum.exceptions import ValidationError

from lod.describe import best_label
from lod.search.analysis import exact_key, folded_key
from lod.search.index import Document
from lod.search.paths import Is, Path, Value, Walker
from lod.store import Store
from lod.terms import IRI, Literal, iri_text

BF = "http://id.loc.gov/ontologies/bibframe/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SCHEMA = "http://schema.org/"

KINDS = ("work", "instance", "agent", "subject")
BATCH = 200

LABEL = (RDFS + "label", SCHEMA + "name")
RDFS_LABEL = (RDFS + "label",)
TYPE: Path = ((RDF + "type",),)
NAMES: list[Path] = [(LABEL,)]
TITLES: list[Path] = [(LABEL,), ((BF + "title",), (BF + "mainTitle", BF + "subtitle"))]

# A field's paths from a resource of each kind, before anything is borrowed.
OWN: dict[str, dict[str, list[Path]]] = {
    "work": {
        "label": [(RDFS_LABEL,)],
        "name": TITLES,
        "subject": [((BF + "subject", BF + "genreForm"), LABEL), ((SCHEMA + "keywords",),)],
        "subject_facet": [((BF + "subject",), RDFS_LABEL)],
        "note": [((BF + "summary",), RDFS_LABEL), ((SCHEMA + "abstract", SCHEMA + "description"),)],
        "identifier": [((BF + "classification",), (BF + "classificationPortion",))],
        "language": [((BF + "language",),)],
        "year": [((BF + "originDate",),)],
        "type": [TYPE],
    },
    "instance": {
        "label": [(RDFS_LABEL,)],
        "name": [*TITLES, ((SCHEMA + "alternateName",),)],
        "note": [((BF + "note",), RDFS_LABEL), ((BF + "responsibilityStatement", BF + "editionStatement"),)],
        "publisher": [((BF + "provisionActivity",), (BF + "agent",), RDFS_LABEL)],
        "identifier": [((BF + "identifiedBy",), (RDF + "value",))],
        "isbn": [((BF + "identifiedBy",), Is(BF + "Isbn"), (RDF + "value",)), ((SCHEMA + "isbn",),)],
        "year": [((BF + "provisionActivity",), (BF + "date",)), ((SCHEMA + "datePublished",),)],
        "type": [TYPE],
    },
    "agent": {"label": [(LABEL,)], "name": NAMES, "type": [TYPE]},
    "subject": {"label": [(LABEL,)], "name": NAMES, "type": [TYPE]},
}
# What a work takes from its instances, and an instance from its work.
BORROWED = {
    "work": ((BF + "hasInstance",), ("name", "note", "publisher", "identifier", "isbn", "year")),
    "instance": ((BF + "instanceOf",), ("agent", "subject", "subject_facet", "note", "identifier", "language")),
}

_YEAR_IN = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")
_LANGUAGE = re.compile(r"/languages/([a-z]{3})$")
_RECORD_GRAPH = re.compile(r"graph/record/([^/]+)/")

Fields = dict[str, list]  # field → values (IRIs, literals; agents as (name, primary, agent IRI))


def kind_of(uri: str, base: str) -> str | None:
    """The kind of a top-level resource of the dataset (`{base}id/{kind}/{key}`), if indexed."""
    prefix = base + "id/"
    if not uri.startswith(prefix) or "#" in uri:
        return None
    kind = uri[len(prefix):].split("/", 1)[0]
    return kind if kind in KINDS else None


def all_resources(store: Store, base: str) -> list[str]:
    """Every work, instance, agent and subject the store describes."""
    rows = store.query(
        f"SELECT DISTINCT ?s WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), {_string(base + 'id/')})) }}"
    )
    return sorted(uri for uri in (row["s"].value for row in rows) if kind_of(uri, base))


def resources_in_graph(store: Store, graph: str, base: str) -> set[str]:
    rows = store.query(f"SELECT DISTINCT ?s WHERE {{ GRAPH {iri_text(graph)} {{ ?s ?p ?o }} }}")
    return {uri for uri in (row["s"].value for row in rows) if kind_of(uri, base)}


def instances_of(store: Store, works: Iterable[str]) -> set[str]:
    """Instances take their agents and subjects from their work: they change when it does."""
    reached = Walker(store).follow(works, ((BF + "hasInstance",),))
    return {str(value) for values in reached.values() for value in values}


def documents(store: Store, uris: Iterable[str], base: str) -> Iterator[Document]:
    """The documents of `uris`; a resource the store no longer describes gives none."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for uri in uris:
        kind = kind_of(uri, base)
        if kind:
            by_kind[kind].append(uri)
    walker = Walker(store)
    for kind, members in by_kind.items():
        members.sort()
        for start in range(0, len(members), BATCH):
            yield from _batch_documents(store, walker, kind, members[start:start + BATCH])


def _batch_documents(store: Store, walker: Walker, kind: str, uris: list[str]) -> Iterator[Document]:
    found = _own(walker, kind, uris)
    if kind in BORROWED:
        _borrow(walker, kind, uris, found)
    graphs = _graphs(store, uris)
    for uri in uris:
        if found[uri].get("type") and graphs.get(uri):
            yield _document(uri, kind, found[uri], sorted(graphs[uri]))


def _own(walker: Walker, kind: str, uris: list[str]) -> dict[str, Fields]:
    found: dict[str, Fields] = {uri: defaultdict(list) for uri in uris}
    for name, paths in OWN[kind].items():
        for path in paths:
            for uri, values in walker.follow(uris, path).items():
                found[uri][name] += values
    if kind == "work":
        for uri, agents in _contributors(walker, uris).items():
            found[uri]["agent"] += agents
    return found


def _borrow(walker: Walker, kind: str, uris: list[str], found: dict[str, Fields]) -> None:
    link, names = BORROWED[kind]
    related = walker.follow(uris, (link,))
    others = sorted({str(v) for values in related.values() for v in values if isinstance(v, str)})
    theirs = _own(walker, "instance" if kind == "work" else "work", others)
    for uri in uris:
        for other in related[uri]:
            for name in names:
                found[uri][name] += theirs.get(str(other), {}).get(name, [])


def _contributors(walker: Walker, works: list[str]) -> dict[str, list[tuple[Literal, bool, str]]]:
    """Each work's agents by every name they carry, with whether they are its primary contributor."""
    contributions = walker.follow(works, ((BF + "contribution",),))
    everyone = {str(c) for cs in contributions.values() for c in cs}
    primary = {c for c, kept in walker.step(everyone, Is(BF + "PrimaryContribution")).items() if kept}
    agents = walker.step(everyone, (BF + "agent",))
    names = walker.step({str(a) for values in agents.values() for a in values}, LABEL)
    return {work: [(name, c in primary, str(agent)) for c in cs for agent in agents.get(str(c), [])
                   for name in names.get(str(agent), []) if isinstance(name, Literal)]
            for work, cs in contributions.items()}


def _graphs(store: Store, uris: list[str]) -> dict[str, set[str]]:
    values = " ".join(iri_text(u) for u in uris)
    rows = store.query(f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
    found: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if "/graph/record/" in row["g"].value:
            found[row["s"].value].add(row["g"].value)
    return found


def _document(uri: str, kind: str, found: Fields, graphs: list[str]) -> Document:
    text = {name: _texts(found.get(name, [])) for name in ("name", "subject", "note", "publisher", "identifier")}
    names = text["name"]
    label = best_label(_literals(found.get("label", []))) or best_label(_literals(found.get("name", []))) or uri
    isbns = _isbns(_texts(found.get("isbn", [])))
    return Document(
        uri=uri, kind=kind, label=label, names=names, agents=_agents(found.get("agent", [])),
        authors=_authors(found.get("agent", [])),
        subjects=text["subject"], notes=text["note"], publishers=text["publisher"],
        identifiers=_unique(text["identifier"] + isbns), isbns=isbns,
        keys=_unique(k for k in map(folded_key, names) if k),
        exact_keys=_unique(k for k in map(exact_key, names) if k),
        libraries=_unique(unquote(m.group(1)) for m in map(_RECORD_GRAPH.search, graphs) if m),
        languages=_unique(m.group(1) for m in (_LANGUAGE.search(str(v)) for v in found.get("language", [])) if m),
        subject_facets=_texts(found.get("subject_facet", [])),
        years=sorted({int(y) for v in _texts(found.get("year", [])) for y in _YEAR_IN.findall(v)}),
        graphs=graphs,
        types=_unique(str(v).rsplit("/", 1)[-1] for v in found.get("type", []) if isinstance(v, IRI)),
    )


def _agents(entries: list) -> list[str]:
    """Every form of the agents' names, the primary contributors' first."""
    ranked = sorted({(not primary, name.value) for name, primary, _ in entries})
    return _unique(name for _, name in ranked)


def _authors(entries: list) -> list[str]:
    """One name per agent to show (the shortest form: without dates), the primary contributors' first."""
    forms: dict[str, tuple[bool, int, str]] = {}
    for name, primary, agent in entries:
        form = (not primary, len(name.value), name.value)
        forms[agent] = min(forms.get(agent, form), form)
    return _unique(name for _, _, name in sorted(forms.values()))


def _isbns(values: list[str]) -> list[str]:
    """Each valid ISBN in both its 13- and 10-digit forms, compact, so either finds the other."""
    found = []
    for value in values:
        number = isbn_numbers.compact(value.split()[0]) if value.split() else ""
        if not isbn_numbers.is_valid(number):
            continue
        found.append(isbn_numbers.to_isbn13(number))
        try:
            found.append(isbn_numbers.to_isbn10(number))
        except ValidationError:  # a 979 ISBN has no 10-digit form
            pass
    return _unique(found)


def _texts(values: list[Value]) -> list[str]:
    return _unique(v.value.strip() for v in values if isinstance(v, Literal) and v.value.strip())


def _literals(values: list[Value]) -> list[Literal]:
    return [v for v in values if isinstance(v, Literal)]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
