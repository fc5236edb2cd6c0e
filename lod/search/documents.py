"""Search documents built from the store: what each work, instance, agent and subject is called, who
made it, what it is about, its notes, publishers, identifiers, languages, years, and which libraries
hold it (the libraries of the record graphs that describe it).

Each field is a SPARQL pattern from `?s` to `?v`, per kind; one query per batch of resources reads
them all back, so a full rebuild and an update after ingest build the same documents.
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
from lod.store import Store
from lod.terms import Literal, iri_text

BF = "http://id.loc.gov/ontologies/bibframe/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SCHEMA = "http://schema.org/"

KINDS = ("work", "instance", "agent", "subject")
BATCH = 200

_LABEL = f"(<{RDFS}label>|<{SCHEMA}name>)"
_WORK_TITLE = f"<{BF}title>/(<{BF}mainTitle>|<{BF}subtitle>)"
_AGENT = (f"<{BF}contribution> ?c . ?c <{BF}agent> ?a . ?a {_LABEL} ?v . "
          f"OPTIONAL {{ ?c a ?primary FILTER(?primary = <{BF}PrimaryContribution>) }}")
_SUBJECTS = f"(<{BF}subject>|<{BF}genreForm>)/{_LABEL}"
_ISBN = f"<{BF}identifiedBy> ?id . ?id a <{BF}Isbn> ; <{RDF}value> ?v"
_YEAR = f"(<{BF}provisionActivity>/<{BF}date>|<{SCHEMA}datePublished>)"

# field → patterns binding ?v for a resource ?s of the kind; "label" gives the heading shown.
FIELDS: dict[str, dict[str, list[str]]] = {
    "work": {
        "label": [f"<{RDFS}label> ?v"],
        "name": [f"{_LABEL} ?v", f"{_WORK_TITLE} ?v", f"<{BF}hasInstance>/(<{BF}title>/<{BF}mainTitle>|{_LABEL}) ?v"],
        "agent": [_AGENT],
        "subject": [f"{_SUBJECTS} ?v", f"<{SCHEMA}keywords> ?v"],
        "subject_facet": [f"<{BF}subject>/<{RDFS}label> ?v"],
        "note": [f"<{BF}summary>/<{RDFS}label> ?v", f"(<{SCHEMA}abstract>|<{SCHEMA}description>) ?v",
                 f"<{BF}hasInstance>/(<{BF}note>/<{RDFS}label>|<{BF}responsibilityStatement>) ?v"],
        "publisher": [f"<{BF}hasInstance>/<{BF}provisionActivity>/<{BF}agent>/<{RDFS}label> ?v"],
        "identifier": [f"<{BF}hasInstance>/<{BF}identifiedBy>/<{RDF}value> ?v",
                       f"<{BF}classification>/<{BF}classificationPortion> ?v"],
        "isbn": [f"<{BF}hasInstance> ?i . ?i {_ISBN}"],
        "language": [f"<{BF}language> ?v"],
        "year": [f"<{BF}hasInstance>/{_YEAR} ?v", f"<{BF}originDate> ?v"],
        "type": ["a ?v"],
    },
    "instance": {
        "label": [f"<{RDFS}label> ?v"],
        "name": [f"{_LABEL} ?v", f"{_WORK_TITLE} ?v", f"<{SCHEMA}alternateName> ?v"],
        "agent": [f"<{BF}instanceOf> ?w . ?w {_AGENT}"],
        "subject": [f"<{BF}instanceOf>/{_SUBJECTS} ?v", f"<{BF}instanceOf>/<{SCHEMA}keywords> ?v"],
        "subject_facet": [f"<{BF}instanceOf>/<{BF}subject>/<{RDFS}label> ?v"],
        "note": [f"(<{BF}note>/<{RDFS}label>|<{BF}responsibilityStatement>|<{BF}editionStatement>) ?v",
                 f"<{BF}instanceOf>/<{BF}summary>/<{RDFS}label> ?v"],
        "publisher": [f"<{BF}provisionActivity>/<{BF}agent>/<{RDFS}label> ?v"],
        "identifier": [f"<{BF}identifiedBy>/<{RDF}value> ?v",
                       f"<{BF}instanceOf>/<{BF}classification>/<{BF}classificationPortion> ?v"],
        "isbn": [_ISBN, f"<{SCHEMA}isbn> ?v"],
        "language": [f"<{BF}instanceOf>/<{BF}language> ?v"],
        "year": [f"{_YEAR} ?v"],
        "type": ["a ?v"],
    },
    "agent": {"label": [f"{_LABEL} ?v"], "name": [f"{_LABEL} ?v"], "type": ["a ?v"]},
    "subject": {"label": [f"{_LABEL} ?v"], "name": [f"{_LABEL} ?v"], "type": ["a ?v"]},
}

_YEAR_IN = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")
_LANGUAGE = re.compile(r"/languages/([a-z]{3})$")
_RECORD_GRAPH = re.compile(r"graph/record/([^/]+)/")


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
    found: set[str] = set()
    for batch in _batches(sorted(works)):
        values = " ".join(iri_text(w) for w in batch)
        rows = store.query(f"SELECT DISTINCT ?i WHERE {{ VALUES ?w {{ {values} }} ?w <{BF}hasInstance> ?i }}")
        found.update(row["i"].value for row in rows)
    return found


def documents(store: Store, uris: Iterable[str], base: str) -> Iterator[Document]:
    """The documents of `uris`; a resource the store no longer describes gives none."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for uri in uris:
        kind = kind_of(uri, base)
        if kind:
            by_kind[kind].append(uri)
    for kind, members in by_kind.items():
        for batch in _batches(sorted(members)):
            yield from _batch_documents(store, kind, batch)


def _batch_documents(store: Store, kind: str, uris: list[str]) -> Iterator[Document]:
    values = _read_fields(store, kind, uris)
    graphs = _graphs(store, uris)
    for uri in uris:
        found = values.get(uri)
        if not found or not graphs.get(uri):
            continue
        yield _document(uri, kind, found, sorted(graphs[uri]))


def _read_fields(store: Store, kind: str, uris: list[str]) -> dict[str, dict[str, list]]:
    values = "VALUES ?s { " + " ".join(iri_text(u) for u in uris) + " }"
    found: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    # The resources come first in each query: with VALUES outside a UNION of the patterns, Oxigraph
    # matched every pattern against the whole store before joining (ten times slower on 2,000 records).
    for name, patterns in FIELDS[kind].items():
        for pattern in patterns:
            for row in store.query(f"SELECT * WHERE {{ {values} ?s {pattern} }}"):
                node = row["v"]
                entry = (node, row["primary"] is not None, row["a"].value) if name == "agent" else node
                found[row["s"].value][name].append(entry)
    return found


def _graphs(store: Store, uris: list[str]) -> dict[str, set[str]]:
    values = " ".join(iri_text(u) for u in uris)
    rows = store.query(f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
    found: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if "/graph/record/" in row["g"].value:
            found[row["s"].value].add(row["g"].value)
    return found


def _document(uri: str, kind: str, found: dict[str, list], graphs: list[str]) -> Document:
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
        languages=_unique(m.group(1) for m in (_LANGUAGE.search(n.value) for n in found.get("language", [])) if m),
        subject_facets=_texts(found.get("subject_facet", [])),
        years=sorted({int(y) for v in _texts(found.get("year", [])) for y in _YEAR_IN.findall(v)}),
        graphs=graphs,
        types=_unique(n.value.rsplit("/", 1)[-1] for n in found.get("type", [])),
    )


def _agents(entries: list) -> list[str]:
    """Every form of the agents' names, the primary contributors' first."""
    ranked = sorted({(not primary, node.value) for node, primary, _ in entries})
    return _unique(name for _, name in ranked)


def _authors(entries: list) -> list[str]:
    """One name per agent to show (the shortest form: without dates), the primary contributors' first."""
    forms: dict[str, tuple[bool, int, str]] = {}
    for node, primary, agent in entries:
        form = (not primary, len(node.value), node.value)
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


def _texts(nodes: list) -> list[str]:
    return _unique(node.value.strip() for node in nodes if node.value.strip())


def _literals(nodes: list) -> list[Literal]:
    return [Literal(node.value, node.language) for node in nodes if hasattr(node, "language")]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _batches(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), BATCH):
        yield items[start:start + BATCH]
