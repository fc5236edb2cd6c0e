"""Following property paths through the store one hop at a time.

Written as one SPARQL query, a path joins every copy of each triple it crosses: the default graph is
the union of the record graphs, and a work that fifty libraries describe is stated fifty times, so
the rows multiply at each hop (ten million rows for a batch of two hundred instances of the corpus).
One DISTINCT query per hop keeps every step to the distinct nodes it reaches, and a hop taken once
in a batch is remembered for the other fields that take it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lod.store import Store
from lod.terms import IRI, Literal, iri_text

CHUNK = 500  # nodes named in one query


@dataclass(frozen=True)
class Is:
    """A step that keeps only the nodes of a class."""

    cls: str


Step = tuple[str, ...] | Is  # the predicates a hop may take (any of them), or a class to keep
Path = tuple[Step, ...]
Value = IRI | Literal


class Walker:
    """Follows paths from many resources at once, remembering the hops it took: a work, an author or a
    subject that thousands of instances lead to is read once, not once per batch of documents.

    `memory`: hops remembered (nodes, over all steps) before they are all forgotten and read anew.
    """

    def __init__(self, store: Store, memory: int = 200_000):
        self.store = store
        self.memory = memory
        self._hops: dict[Step, dict[str, list[Value]]] = {}
        self._remembered = 0

    def follow(self, starts: Iterable[str], path: Path) -> dict[str, list[Value]]:
        """Where `path` leads from each start (IRIs and literals, each once)."""
        current: dict[str, list[Value]] = {start: [IRI(start)] for start in starts}
        for step in path:
            reached = self.step({n for nodes in current.values() for n in nodes if isinstance(n, str)}, step)
            current = {start: list(dict.fromkeys(value for node in nodes if isinstance(node, str)
                                                 for value in reached.get(node, ())))
                       for start, nodes in current.items()}
        return current

    def step(self, nodes: Iterable[str], step: Step) -> dict[str, list[Value]]:
        if self._remembered > self.memory:
            self._hops.clear()
            self._remembered = 0
        known = self._hops.setdefault(step, {})
        missing = sorted(n for n in nodes if n not in known)
        self._remembered += len(missing)
        for chunk in _chunks(missing):
            for node in chunk:
                known[node] = []
            for x, y in self._hop(chunk, step):
                known[x].append(y)
        return known

    def _hop(self, nodes: list[str], step: Step) -> Iterator[tuple[str, Value]]:
        values = "VALUES ?x { " + " ".join(iri_text(n) for n in nodes) + " }"
        if isinstance(step, Is):
            for row in self.store.query(f"SELECT DISTINCT ?x WHERE {{ {values} ?x a {iri_text(step.cls)} }}"):
                yield row["x"].value, IRI(row["x"].value)
            return
        predicates = "|".join(iri_text(p) for p in step)
        query = f"SELECT DISTINCT ?x ?y WHERE {{ {values} ?x {predicates} ?y FILTER(!isBlank(?y)) }}"
        for row in self.store.query(query):
            yield row["x"].value, _value(row["y"])


def _value(node) -> Value:
    if hasattr(node, "datatype"):  # only literals carry a datatype
        return Literal(node.value, node.language or None)
    return IRI(node.value)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]
