"""The store: an embedded Oxigraph store on disk, one named graph per source record, and beside it
the journal of the source records (lod/journal.py).

A store folder holds `oxigraph/` (the RDF) and `journal.sqlite`; a larger deployment keeps the RDF on
a SPARQL 1.1 server instead (`remote`), so that several stateless web servers share one store. Only
this module and the format table touch pyoxigraph. One process writes to an embedded store at a time
(RocksDB's lock); readers may open it read-only.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

import httpx
import pyoxigraph as ox

from lod.journal import Journal

_PREFIXED = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML)  # formats that can use prefixes


class StoreLocked(RuntimeError):
    """Another process (a running `lod serve`, another ingest) holds the store's write lock."""


class Store:
    """The store of one dataset: RDF in an embedded Oxigraph store (`path/oxigraph`), or on a remote SPARQL
    1.1 server when `remote` names one, and the journal in `path/journal.sqlite`.

    `path=None` keeps both in memory (tests).
    """

    def __init__(self, path: str | Path | None = None, read_only: bool = False, remote: str | None = None):
        self.path = Path(path) if path else None
        self.read_only = read_only
        self.remote = remote
        if remote:
            self._rdf: _Rdf = RemoteRdf(remote)
        else:
            self._rdf = LocalRdf(self.path, read_only)
        self.journal = self._open_journal()

    def _open_journal(self) -> Journal:
        if self.path is None or (self.read_only and not (self.path / "journal.sqlite").exists()):
            return Journal(None)
        if not self.read_only:
            self.path.mkdir(parents=True, exist_ok=True)
        return Journal(self.path / "journal.sqlite", read_only=self.read_only)

    # --- writing ---------------------------------------------------------------------------------

    def replace_graphs(self, graphs: Iterable[str], nquads: str) -> None:
        """Replace the named graphs `graphs` by what `nquads` says of them.

        Every graph is emptied first, so loading the same records twice leaves the same quads.
        """
        self._rdf.replace_graphs(list(graphs), nquads)

    def remove_graphs(self, graphs: Iterable[str]) -> int:
        """Remove named graphs; returns how many existed."""
        existing = [g for g in graphs if self._rdf.has_graph(g)]
        if existing:
            self._rdf.replace_graphs(existing, "")
        return len(existing)

    def optimize(self) -> None:
        self._rdf.optimize()

    def flush(self) -> None:
        if not self.read_only:
            self._rdf.flush()

    # --- reading ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._rdf.count()

    def has_graph(self, graph: str) -> bool:
        return self._rdf.has_graph(graph)

    def graphs(self) -> Iterator[str]:
        return self._rdf.graphs()

    def query(self, sparql: str, default_graph_uris: list[str] | None = None,
              named_graph_uris: list[str] | None = None):
        """Run a SPARQL query; the default graph is the union of all graphs unless one is given.

        Returns Oxigraph's result objects (solutions, a boolean, or triples) in both store kinds.
        """
        return self._rdf.query(sparql, default_graph_uris or [], named_graph_uris or [])

    def graph_quads(self, graph: str) -> Iterator[ox.Quad]:
        return self._rdf.graph_quads(graph)

    def dump(self, output: BinaryIO, format: ox.RdfFormat = ox.RdfFormat.N_QUADS,
             from_graph: str | None = None, prefixes: dict[str, str] | None = None) -> None:
        """Write the store (or one graph) to `output`, streaming; `prefixes` where the format has them."""
        self._rdf.dump(output, format, from_graph, prefixes or {})

    # --- backup ----------------------------------------------------------------------------------

    def backup(self, target: Path) -> None:
        """Copy the store, consistent as of now, into the new folder `target` (a store folder itself).

        Works on a read-only handle, so a served store can be backed up while it serves.
        """
        if self.remote or self.path is None:
            raise ValueError("only an embedded store on disk is backed up here; back up the SPARQL server itself")
        if target.exists() and any(target.iterdir()):
            raise FileExistsError(f"{target} is not empty: back up into a new folder")
        target.mkdir(parents=True, exist_ok=True)
        self._rdf.backup(target / "oxigraph")
        self.journal.backup(target / "journal.sqlite")


def restore(backup: Path, target: Path) -> Store:
    """Make a store at `target` from a backup folder. `target` must not hold a store already: nothing
    that exists is overwritten."""
    if not (backup / "oxigraph").is_dir():
        raise FileNotFoundError(f"{backup} is not a backup made by `lod backup` (no oxigraph/ folder in it)")
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty: restore into a new folder, or move the old store away first")
    partial = target.with_name(target.name + ".restoring")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(backup, partial)
    Store(partial, read_only=True)  # the copy opens as a store before it takes the target's place
    if target.exists():
        target.rmdir()
    partial.rename(target)
    return Store(target)


class _Rdf(Protocol):
    def replace_graphs(self, graphs: list[str], nquads: str) -> None: ...
    def has_graph(self, graph: str) -> bool: ...
    def graphs(self) -> Iterator[str]: ...
    def count(self) -> int: ...
    def query(self, sparql: str, default_graphs: list[str], named_graphs: list[str]): ...
    def graph_quads(self, graph: str) -> Iterator[ox.Quad]: ...
    def dump(self, output: BinaryIO, format: ox.RdfFormat, from_graph: str | None,
             prefixes: dict[str, str]) -> None: ...
    def optimize(self) -> None: ...
    def flush(self) -> None: ...


class LocalRdf:
    """RDF in an embedded Oxigraph store on disk (or in memory)."""

    def __init__(self, path: Path | None, read_only: bool):
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(path / "oxigraph"))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path / "oxigraph"))
        except OSError as error:
            if "lock" in str(error).lower():
                raise StoreLocked(
                    f"the store {path} is open for writing in another process (a running `lod serve` "
                    f"or another ingest holds its lock): stop it first, or write through that process"
                ) from error
            raise

    def replace_graphs(self, graphs: list[str], nquads: str) -> None:
        for graph in graphs:
            node = ox.NamedNode(graph)
            if self._store.contains_named_graph(node):
                self._store.remove_graph(node)
        if nquads:
            self._store.bulk_load(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS)

    def has_graph(self, graph: str) -> bool:
        return self._store.contains_named_graph(ox.NamedNode(graph))

    def graphs(self) -> Iterator[str]:
        return (g.value for g in self._store.named_graphs())

    def count(self) -> int:
        return len(self._store)

    def query(self, sparql: str, default_graphs: list[str], named_graphs: list[str]):
        options: dict = {}
        if default_graphs:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        else:
            options["use_default_graph_as_union"] = True
        if named_graphs:
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        return self._store.query(sparql, **options)

    def graph_quads(self, graph: str) -> Iterator[ox.Quad]:
        return self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))

    def dump(self, output: BinaryIO, format: ox.RdfFormat, from_graph: str | None,
             prefixes: dict[str, str]) -> None:
        options = {"prefixes": prefixes} if prefixes and format in _PREFIXED else {}
        if from_graph is not None:
            self._store.dump(output, format=format, from_graph=ox.NamedNode(from_graph), **options)
        else:
            self._store.dump(output, format=format, **options)

    def optimize(self) -> None:
        self._store.optimize()

    def flush(self) -> None:
        self._store.flush()

    def backup(self, target: Path) -> None:
        self._store.backup(str(target))


class RemoteRdf:
    """RDF on a SPARQL 1.1 server with Oxigraph's layout: `/query`, `/update`, and the Graph Store
    Protocol at `/store`. Each write is one SPARQL Update request, which the server applies whole."""

    def __init__(self, url: str, timeout: float = 60.0):
        self.url = url.rstrip("/")
        self._http = httpx.Client(timeout=timeout)

    def _update(self, update: str) -> None:
        response = self._http.post(f"{self.url}/update", content=update.encode("utf-8"),
                                   headers={"Content-Type": "application/sparql-update"})
        _raise_for(response)

    def replace_graphs(self, graphs: list[str], nquads: str) -> None:
        if not graphs and not nquads:
            return
        parts = [f"DROP SILENT GRAPH <{g}>" for g in graphs]
        if nquads:
            parts.append("INSERT DATA { " + _graph_blocks(nquads) + " }")
        self._update(" ;\n".join(parts))

    def has_graph(self, graph: str) -> bool:
        return bool(self._ask(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))

    def graphs(self) -> Iterator[str]:
        return (row["g"].value for row in self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", [], []))

    def count(self) -> int:
        rows = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", [], [])
        named = int(next(iter(rows))["n"].value)
        default = self._http.post(f"{self.url}/query", content=b"SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                  headers={"Content-Type": "application/sparql-query",
                                           "Accept": "application/sparql-results+json"})
        _raise_for(default)
        row = next(iter(ox.parse_query_results(default.content, ox.QueryResultsFormat.JSON)))
        return named + int(row["n"].value)

    def _ask(self, sparql: str):
        return self.query(sparql, [], [])

    def query(self, sparql: str, default_graphs: list[str], named_graphs: list[str]):
        params = [("default-graph-uri", g) for g in default_graphs]
        params += [("named-graph-uri", g) for g in named_graphs]
        if not params:  # the server takes no union together with a dataset: with one, the dataset rules
            params = [("union-default-graph", "")]
        response = self._http.post(
            f"{self.url}/query", params=params, content=sparql.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query",
                     "Accept": "application/sparql-results+json, application/n-triples;q=0.9"})
        if response.status_code == 400:
            raise SyntaxError(response.text.strip())
        _raise_for(response)
        if response.headers.get("content-type", "").startswith("application/n-triples"):
            # A CONSTRUCT or DESCRIBE: give back the same kind of result an embedded store gives.
            graph = ox.Store()
            graph.load(response.content, format=ox.RdfFormat.N_TRIPLES)
            return graph.query("CONSTRUCT WHERE { ?s ?p ?o }")
        return ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)

    def graph_quads(self, graph: str) -> Iterator[ox.Quad]:
        response = self._http.get(f"{self.url}/store", params={"graph": graph},
                                  headers={"Accept": "application/n-triples"})
        if response.status_code == 404:
            return iter(())
        _raise_for(response)
        node = ox.NamedNode(graph)
        return (ox.Quad(q.subject, q.predicate, q.object, node)
                for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))

    def dump(self, output: BinaryIO, format: ox.RdfFormat, from_graph: str | None,
             prefixes: dict[str, str]) -> None:
        params = {"graph": from_graph} if from_graph else {}
        source = ox.RdfFormat.N_TRIPLES if from_graph else ox.RdfFormat.N_QUADS
        with self._http.stream("GET", f"{self.url}/store", params=params,
                               headers={"Accept": source.media_type}) as response:
            _raise_for(response)
            if format == source:
                for block in response.iter_bytes():
                    output.write(block)
                return
            options = {"prefixes": prefixes} if prefixes and format in _PREFIXED else {}
            ox.serialize(ox.parse(_Chunks(response.iter_bytes()), format=source), output, format=format, **options)

    def optimize(self) -> None:
        """The server keeps its own storage in shape."""

    def flush(self) -> None:
        """Every update is durable when the server answers it."""


class _Chunks:
    """A file-like view of an HTTP body, for the parser to read as it streams."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _graph_blocks(nquads: str) -> str:
    """N-Quads as the blocks of an INSERT DATA: `GRAPH <g> { … }` per named graph, the default graph bare."""
    by_graph: dict[str, list] = {}
    for quad in ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS):
        key = "" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
        by_graph.setdefault(key, []).append(quad.triple)
    blocks = []
    for graph, triples in by_graph.items():
        text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        blocks.append(f"GRAPH {graph} {{ {text} }}" if graph else text)
    return " ".join(blocks)


def _raise_for(response: httpx.Response) -> None:
    if response.is_error:
        response.read()
        raise OSError(f"the store server answered {response.status_code}: {response.text.strip()[:500]}")
