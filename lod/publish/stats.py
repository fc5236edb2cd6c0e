"""The dataset's figures, counted with SPARQL over the store: statements, entities, classes, properties,
and each library's share. They cost a scan of the store, so callers keep them per store version."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from lod.dataset import VOID, libraries, stored_base
from lod.publish.version import last_change
from lod.store import Store
from lod.uris import KINDS

DCT = "http://purl.org/dc/terms/"


@dataclass
class Library:
    isil: str
    uri: str
    name: str
    records: int = 0
    statements: int = 0


@dataclass
class Stats:
    base: str
    statements: int = 0
    entities: dict[str, int] = field(default_factory=dict)  # per kind of `/id/{kind}/…`
    classes: list[tuple[str, int]] = field(default_factory=list)  # class, distinct instances
    properties: list[tuple[str, int]] = field(default_factory=list)  # property, statements
    libraries: list[Library] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    modified: str | None = None  # xsd:dateTime, UTC

    @property
    def entity_count(self) -> int:
        return sum(self.entities.values())

    @classmethod
    def from_dict(cls, data: dict) -> Stats:
        """The figures as `dataclasses.asdict` gave them (kept in a file between runs)."""
        return cls(**{**data, "classes": [tuple(c) for c in data["classes"]],
                      "properties": [tuple(p) for p in data["properties"]],
                      "libraries": [Library(**lib) for lib in data["libraries"]]})


def stats(store: Store, served_base: str) -> Stats:
    """Count everything once (a few scans of the store)."""
    base = stored_base(store) or served_base
    found = Stats(base=base, statements=len(store), entities=_entities(store, base))
    found.classes = [(r["c"].value, int(r["n"].value)) for r in store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c")]
    found.properties = [(r["p"].value, int(r["n"].value)) for r in store.query(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p ORDER BY DESC(?n) ?p")]
    found.libraries = _libraries(store, base)
    found.examples = _examples(store, base)
    found.modified = last_modified(store)
    return found


def _entities(store: Store, base: str) -> dict[str, int]:
    prefix = json.dumps(base + "id/")
    rows = store.query(
        f"""SELECT ?kind (COUNT(DISTINCT ?s) AS ?n) WHERE {{
              ?s a ?type .
              FILTER(STRSTARTS(STR(?s), {prefix}) && !CONTAINS(STR(?s), "#"))
              BIND(STRBEFORE(STRAFTER(STR(?s), {prefix}), "/") AS ?kind)
            }} GROUP BY ?kind"""
    )
    counted = {r["kind"].value: int(r["n"].value) for r in rows}
    return {kind: counted[kind] for kind in KINDS if counted.get(kind)}


def _libraries(store: Store, base: str) -> list[Library]:
    prefix = json.dumps(base + "graph/record/")
    rows = store.query(
        f"""SELECT ?isil (COUNT(DISTINCT ?g) AS ?records) (COUNT(*) AS ?n) WHERE {{
              GRAPH ?g {{ ?s ?p ?o }}
              FILTER(STRSTARTS(STR(?g), {prefix}))
              BIND(STRBEFORE(STRAFTER(STR(?g), {prefix}), "/") AS ?isil)
            }} GROUP BY ?isil"""
    )
    shares = {r["isil"].value: (int(r["records"].value), int(r["n"].value)) for r in rows}
    found = []
    for library in libraries(store):
        records, statements = shares.get(library["isil"], (0, 0))
        found.append(Library(library["isil"], library["uri"], library["name"], records, statements))
    return found


def _examples(store: Store, base: str, per_kind: int = 2) -> list[str]:
    examples = []
    for kind in ("work", "instance", "agent", "subject"):
        prefix = json.dumps(f"{base}id/{kind}/")
        rows = store.query(f"""SELECT DISTINCT ?s WHERE {{ ?s a ?t
                                 FILTER(STRSTARTS(STR(?s), {prefix}) && !CONTAINS(STR(?s), "#")) }}
                               LIMIT {per_kind}""")
        examples += [r["s"].value for r in rows]
    return examples


def last_modified(store: Store) -> str | None:
    """When the data last changed: the journal's last change, or the dataset graph's own date."""
    stamps = [time for _, time in [last_change(store)] if time]
    stamps += [r["m"].value for r in store.query(f"SELECT ?m WHERE {{ ?d a <{VOID}Dataset> ; <{DCT}modified> ?m }}")]
    if not stamps:
        return None
    return max(stamp.rstrip("Z") for stamp in stamps) + "Z"
