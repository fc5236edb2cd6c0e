"""Searching the index: a query typed with or without diacritics, facet filters, pages, facet counts.

Every word must be found in some field (names, agents, subjects, notes, publishers, identifiers),
compared folded; what is typed exactly as catalogued (diacritics included), a phrase, or a whole
heading ranks higher, so exact matches come first. A valid ISBN also finds its record in either form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import tantivy
from stdnum import isbn as isbn_numbers

from lod.search.analysis import exact_terms, folded_terms
from lod.search.index import SearchIndex
from lod.text import nfc

MAX_QUERY = 256  # characters of a query taken in
MAX_TERMS = 12
MAX_SIZE = 100
MAX_OFFSET = 10_000
FACET_SIZE = 20

FIELD_BOOSTS = {"name": 3.0, "agent": 2.0, "identifier": 2.0, "subject": 1.5, "publisher": 1.0, "note": 0.5}
EXACT_BOOSTS = {"name_exact": 1.5, "agent_exact": 1.0, "subject_exact": 0.75}
PHRASE_BOOSTS = {"name": 2.0, "agent": 1.5}
KEY_BOOST = 6.0
ISBN_BOOST = 50.0
FUZZY_FIELDS = ("name", "agent", "subject")

# facet name → index field
FACETS = {"type": "kind", "library": "library", "language": "language", "subject": "subject_facet"}


@dataclass
class Filters:
    types: list[str] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None

    def values(self) -> dict[str, list[str]]:
        return {"type": self.types, "library": self.libraries, "language": self.languages, "subject": self.subjects}


@dataclass
class Hit:
    uri: str  # as the store mints it
    kind: str
    label: str
    authors: list[str]
    years: list[int]
    libraries: list[str]
    score: float


@dataclass
class Results:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    decades: list[tuple[int, int]]
    page: int
    size: int
    approximate: bool = False  # no exact hit: these are the near misses (one letter off)


def search(index: SearchIndex, text: str, filters: Filters | None = None, page: int = 1, size: int = 20) -> Results:
    filters = filters or Filters()
    text = nfc(text or "")[:MAX_QUERY].strip()
    size = max(1, min(size, MAX_SIZE))
    page = max(1, min(page, MAX_OFFSET // size + 1))
    schema = index.schema
    searcher = index.searcher()
    matching = text_query(schema, text)
    clauses = filter_clauses(schema, filters)
    query = combine(matching, clauses.values())
    found = _run(searcher, query, matching is None, page, size)
    approximate = False
    if found.count == 0 and matching is not None:
        near = text_query(schema, text, fuzzy=True)
        if near is not None:
            matching, approximate = near, True
            query = combine(matching, clauses.values())
            found = _run(searcher, query, False, page, size)
    hits = [_hit(searcher.doc(address), score) for score, address in found.hits]
    facets, decades = _facets(searcher, matching, clauses)
    return Results(text, found.count, hits, facets, decades, page, size, approximate)


def text_query(schema: tantivy.Schema, text: str, fuzzy: bool = False, share: float = 1.0) -> tantivy.Query | None:
    """What `text` asks for, or None for an empty query (every document). With `share` below 1, that
    share of the words is enough (reconciliation: a spreadsheet's title may carry words ours lacks)."""
    folded = folded_terms(text)[:MAX_TERMS]
    if not folded:
        return None
    exact = exact_terms(text)[:MAX_TERMS]
    Q, Occur = tantivy.Query, tantivy.Occur
    each = [_each_field(schema, term, fuzzy) for term in folded]
    if share >= 1:
        words = [(Occur.Must, q) for q in each]
    else:
        enough = max(1, math.ceil(len(each) * share))
        words = [(Occur.Must, Q.boolean_query([(Occur.Should, q) for q in each], enough))]
    should = [(Occur.Should, Q.boost_query(Q.term_query(schema, name, term), boost))
              for term in exact for name, boost in EXACT_BOOSTS.items()]
    if len(folded) > 1:
        should += [(Occur.Should, Q.boost_query(Q.phrase_query(schema, name, folded), boost))
                   for name, boost in PHRASE_BOOSTS.items()]
    should += [(Occur.Should, Q.boost_query(Q.term_query(schema, "key", " ".join(folded)), KEY_BOOST)),
               (Occur.Should, Q.boost_query(Q.term_query(schema, "key_exact", " ".join(exact)), KEY_BOOST))]
    query = Q.boolean_query(words + should)
    number = isbn_numbers.compact(text) if len(text) <= 20 else ""
    if not fuzzy and isbn_numbers.is_valid(number):
        by_isbn = Q.boost_query(Q.term_query(schema, "isbn", isbn_numbers.to_isbn13(number)), ISBN_BOOST)
        return Q.boolean_query([(Occur.Should, query), (Occur.Should, by_isbn)])
    return query


def _each_field(schema: tantivy.Schema, term: str, fuzzy: bool) -> tantivy.Query:
    """One word, found in any field; near misses (one edit) only for words long enough to bear one."""
    Q = tantivy.Query
    if fuzzy and len(term) >= 4:
        options = [Q.fuzzy_term_query(schema, name, term, distance=1) for name in FUZZY_FIELDS]
    else:
        options = [Q.boost_query(Q.term_query(schema, name, term), boost) for name, boost in FIELD_BOOSTS.items()]
    return Q.disjunction_max_query(options, tie_breaker=0.1)


def filter_clauses(schema: tantivy.Schema, filters: Filters) -> dict[str, tantivy.Query]:
    Q = tantivy.Query
    clauses = {name: Q.term_set_query(schema, FACETS[name], values)
               for name, values in filters.values().items() if values}
    if filters.year_from is not None or filters.year_to is not None:
        clauses["year"] = Q.range_query(schema, "year", tantivy.FieldType.Integer, filters.year_from, filters.year_to)
    return clauses


def combine(matching: tantivy.Query | None, clauses) -> tantivy.Query:
    Occur = tantivy.Occur
    parts = [(Occur.Must, matching if matching is not None else tantivy.Query.all_query())]
    parts += [(Occur.Must, clause) for clause in clauses]
    return parts[0][1] if len(parts) == 1 else tantivy.Query.boolean_query(parts)


def _run(searcher: tantivy.Searcher, query: tantivy.Query, browse: bool, page: int, size: int):
    offset = (page - 1) * size
    if browse:  # nothing typed: all scores are equal, so the most widely described come first
        return searcher.search(query, limit=size, offset=offset, order_by_field="weight")
    return searcher.search(query, limit=size, offset=offset)


def _hit(doc: tantivy.Document, score: float) -> Hit:
    values = doc.to_dict()
    return Hit(uri=values["uri"][0], kind=values["kind"][0], label=(values.get("label") or [""])[0],
               authors=values.get("authors", [])[:4], years=sorted(values.get("year", [])),
               libraries=values.get("library", []), score=round(score, 4))


def _facets(searcher: tantivy.Searcher, matching: tantivy.Query | None,
            clauses: dict[str, tantivy.Query]) -> tuple[dict[str, list[tuple[str, int]]], list[tuple[int, int]]]:
    """Counts per facet value. A facet's own filter is left out of its counts, so the other values
    of a chosen facet stay in sight and can be chosen instead."""
    facets: dict[str, list[tuple[str, int]]] = {}
    groups: dict[str | None, list[str]] = {}
    for name in [*FACETS, "year"]:
        groups.setdefault(name if name in clauses else None, []).append(name)
    decades: list[tuple[int, int]] = []
    for left_out, names in groups.items():
        query = combine(matching, [q for name, q in clauses.items() if name != left_out])
        found = searcher.aggregate(query, {name: _aggregation(name) for name in names})
        for name in names:
            buckets = found.get(name, {}).get("buckets", [])
            if name == "year":
                decades = [(int(b["key"]), b["doc_count"]) for b in buckets if b["doc_count"]]
            else:
                facets[name] = [(b["key"], b["doc_count"]) for b in buckets]
    return facets, decades


def _aggregation(name: str) -> dict:
    if name == "year":
        return {"histogram": {"field": "year", "interval": 10, "min_doc_count": 1}}
    return {"terms": {"field": FACETS[name], "size": FACET_SIZE}}
