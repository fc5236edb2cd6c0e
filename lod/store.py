"""The store: an embedded Oxigraph store on disk, one named graph per source record, and beside it
the journal of the source records (lod/journal.py).

A store folder holds `oxigraph/` (the RDF) and `journal.sqlite`. Only this module and the format
table touch pyoxigraph. One process writes to a store at a time (RocksDB's lock); readers may open it
read-only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from lod.journal import Journal


class StoreLocked(RuntimeError):
    """Another process (a running `lod serve`, another ingest) holds the store's write lock."""


class Store:
    """An Oxigraph store; `path=None` gives an in-memory store."""

    def __init__(self, path: str | Path | None = None, read_only: bool = False):
        self.path = Path(path) if path else None
        self.read_only = read_only
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(self.path / "oxigraph"))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path / "oxigraph"))
        except OSError as error:
            if "lock" in str(error).lower():
                raise StoreLocked(
                    f"the store {self.path} is open for writing in another process (a running `lod serve` "
                    f"or another ingest holds its lock): stop it first, or write through that process"
                ) from error
            raise
        self.journal = self._open_journal()

    def _open_journal(self) -> Journal:
        if self.path is None or (self.read_only and not (self.path / "journal.sqlite").exists()):
            return Journal(None)
        return Journal(self.path / "journal.sqlite", read_only=self.read_only)

    # --- writing ---------------------------------------------------------------------------------

    def replace_graphs(self, graphs: Iterable[str], nquads: str) -> None:
        """Replace the named graphs `graphs` by what `nquads` says of them (bulk-loaded).

        Every graph is emptied first, so loading the same records twice leaves the same quads.
        """
        for graph in graphs:
            node = ox.NamedNode(graph)
            if self._store.contains_named_graph(node):
                self._store.remove_graph(node)
        if nquads:
            self._store.bulk_load(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS)

    def remove_graphs(self, graphs: Iterable[str]) -> int:
        """Remove named graphs; returns how many existed."""
        removed = 0
        for graph in graphs:
            node = ox.NamedNode(graph)
            if self._store.contains_named_graph(node):
                self._store.remove_graph(node)
                removed += 1
        return removed

    def optimize(self) -> None:
        self._store.optimize()

    def flush(self) -> None:
        if self.path is not None and not self.read_only:
            self._store.flush()

    # --- reading ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._store)

    def has_graph(self, graph: str) -> bool:
        return self._store.contains_named_graph(ox.NamedNode(graph))

    def graphs(self) -> Iterator[str]:
        return (g.value for g in self._store.named_graphs())

    def query(self, sparql: str, default_graph_uris: list[str] | None = None,
              named_graph_uris: list[str] | None = None):
        """Run a SPARQL query; the default graph is the union of all graphs unless one is given."""
        options: dict = {}
        if default_graph_uris:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graph_uris]
        else:
            options["use_default_graph_as_union"] = True
        if named_graph_uris:
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graph_uris]
        return self._store.query(sparql, **options)

    def graph_quads(self, graph: str) -> Iterator:
        return self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))

    def dump(self, output: BinaryIO, format: ox.RdfFormat = ox.RdfFormat.N_QUADS,
             from_graph: str | None = None) -> None:
        """Write the store (or one graph) to `output`, streaming."""
        if from_graph is not None:
            self._store.dump(output, format=format, from_graph=ox.NamedNode(from_graph))
        else:
            self._store.dump(output, format=format)
