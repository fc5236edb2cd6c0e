"""The search index: a tantivy index in the store folder (`STORE/search/`), or in memory for an
in-memory store, with the journal position it has caught up to.

One document per resource (work, instance, agent, subject), keyed by its URI as the store mints it.
Text fields come in a folded form (diacritics folded) for matching and, for names, agents and
subjects, an exact form for ranking; `key`/`key_exact` hold whole headings to rank an exact match
first; raw fast fields carry the facets; `graph` names the record graphs a document was built from,
so that a withdrawn record's documents can be found again.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import tantivy

from lod.search.analysis import EXACT, FOLDED, register

# Raise when the fields change: an index of another version is rebuilt from the store.
SCHEMA_VERSION = 1
STATE_FILE = "state.json"
WRITER_HEAP = 64_000_000

TEXT_FIELDS = ("name", "agent", "subject", "note", "publisher", "identifier")
EXACT_FIELDS = ("name", "agent", "subject")
STORED_TEXT = ("name", "agent", "publisher")


class IndexLocked(RuntimeError):
    """Another process is writing the search index."""


@dataclass
class Document:
    """A resource as the index holds it (built in lod/search/documents.py)."""

    uri: str
    kind: str
    label: str
    names: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)  # one name per agent, to show
    subjects: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    publishers: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    isbns: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    exact_keys: list[str] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    subject_facets: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    graphs: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in ("uri", "kind", "library", "language", "subject_facet"):
        builder.add_text_field(name, stored=True, fast=True, tokenizer_name="raw")
    for name in ("label", "types", "authors"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("isbn", stored=True, tokenizer_name="raw", index_option="basic")
    for name in ("key", "key_exact", "graph"):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    for name in TEXT_FIELDS:
        # Names, agents and publishers are kept as written too: hits show them, reconciliation compares them.
        builder.add_text_field(name, stored=name in STORED_TEXT, tokenizer_name=FOLDED)
    for name in EXACT_FIELDS:
        builder.add_text_field(f"{name}_exact", tokenizer_name=EXACT)
    builder.add_integer_field("year", stored=True, indexed=True, fast=True)
    builder.add_integer_field("weight", stored=True, fast=True)
    return builder.build()


class SearchIndex:
    """The index of one store; `path=None` keeps it in memory."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self.schema = build_schema()
        self._lock = threading.Lock()
        self._seq = 0
        if path is None:
            self._index = tantivy.Index(self.schema)
        else:
            self._index = self._open(path)
        register(self._index)

    def _open(self, path: Path) -> tantivy.Index:
        state = self._read_state(path)
        if state.get("version") != SCHEMA_VERSION and path.exists():
            # Another schema (or a broken folder): start empty; the caller's sync rebuilds it all.
            shutil.rmtree(path)
            state = {}
        path.mkdir(parents=True, exist_ok=True)
        self._seq = int(state.get("seq", 0))
        if tantivy.Index.exists(str(path)):
            return tantivy.Index.open(str(path))
        index = tantivy.Index(self.schema, path=str(path))
        self._write_state(path, 0)
        return index

    # --- state -------------------------------------------------------------------------------------

    @property
    def seq(self) -> int:
        """The last journal change the index has taken in."""
        return self._seq

    @staticmethod
    def _read_state(path: Path) -> dict:
        try:
            return json.loads((path / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    @staticmethod
    def _write_state(path: Path, seq: int) -> None:
        temporary = path / (STATE_FILE + ".tmp")
        temporary.write_text(json.dumps({"version": SCHEMA_VERSION, "seq": seq}), encoding="utf-8")
        temporary.replace(path / STATE_FILE)

    # --- writing -----------------------------------------------------------------------------------

    def replace(self, uris: Iterable[str], documents: Iterable[Document], seq: int, everything: bool = False) -> int:
        """Drop the documents of `uris` (or all, with `everything`), add `documents`, commit, and note
        that the index now reflects the journal up to `seq`. Returns how many documents were added."""
        with self._lock:
            writer = self._writer()
            try:
                if everything:
                    writer.delete_all_documents()
                else:
                    for uri in uris:
                        writer.delete_documents_by_term("uri", uri)
                added = 0
                for document in documents:
                    writer.add_document(_tantivy_document(document))
                    added += 1
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                writer.rollback()
                raise
            self._seq = seq
            if self.path is not None:
                self._write_state(self.path, seq)
            self._index.reload()
            return added

    def _writer(self) -> tantivy.IndexWriter:
        try:
            return self._index.writer(WRITER_HEAP, 1)
        except ValueError as error:
            if "lock" in str(error).lower():
                raise IndexLocked(
                    f"the search index {self.path} is being written by another process (a running `lod serve` "
                    f"syncing it, or `lod index`): wait for it to finish"
                ) from error
            raise

    # --- reading -----------------------------------------------------------------------------------

    def searcher(self) -> tantivy.Searcher:
        return self._index.searcher()

    def reload(self) -> None:
        self._index.reload()

    def __len__(self) -> int:
        return self.searcher().num_docs

    def uris_from_graphs(self, graphs: Iterable[str]) -> set[str]:
        """The resources whose documents were built (partly) from these record graphs."""
        graphs = list(graphs)
        if not graphs:
            return set()
        searcher = self.searcher()
        query = tantivy.Query.term_set_query(self.schema, "graph", graphs)
        found = searcher.search(query, limit=max(searcher.num_docs, 1), count=False)
        return {searcher.doc(address)["uri"][0] for _, address in found.hits}

    def stored(self, uri: str) -> dict | None:
        """The stored fields of a resource's document, if it is indexed."""
        searcher = self.searcher()
        found = searcher.search(tantivy.Query.term_query(self.schema, "uri", uri), limit=1, count=False).hits
        return searcher.doc(found[0][1]).to_dict() if found else None

    def size(self) -> int:
        """Bytes on disk (0 in memory)."""
        if self.path is None:
            return 0
        return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())


def _tantivy_document(doc: Document) -> tantivy.Document:
    out = tantivy.Document()
    out.add_text("uri", doc.uri)
    out.add_text("kind", doc.kind)
    out.add_text("label", doc.label)
    fields = {
        "name": doc.names, "agent": doc.agents, "subject": doc.subjects, "note": doc.notes,
        "publisher": doc.publishers, "identifier": doc.identifiers, "isbn": doc.isbns, "key": doc.keys,
        "key_exact": doc.exact_keys, "library": doc.libraries, "language": doc.languages,
        "subject_facet": doc.subject_facets, "graph": doc.graphs, "types": doc.types,
        "name_exact": doc.names, "agent_exact": doc.agents, "subject_exact": doc.subjects, "authors": doc.authors[:6],
    }
    for name, values in fields.items():
        for value in values:
            out.add_text(name, value)
    for year in doc.years:
        out.add_integer("year", year)
    out.add_integer("weight", len(doc.graphs))
    return out


def index_path(store_path: Path | None) -> Path | None:
    """Where a store's index lives: `STORE/search/`."""
    return Path(store_path) / "search" if store_path is not None else None
