"""Reconciliation: which of our works, instances (bibliographic records), agents or subjects a name in
someone's spreadsheet means, with a score from 0 to 100 and whether it can be matched unattended.

Candidates come from the search index (most of the words, folded, or the ISBN); each is then scored
by how alike the names are (folded, word order ignored, so "Nguyễn, Du" meets "Nguyễn Du"; a match
with the same diacritics scores above one that only folds to it) and by the properties given: ISBN,
author, year, publisher, library, language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import tantivy
from rapidfuzz import fuzz
from stdnum import isbn as isbn_numbers

from lod.search.analysis import exact_key, folded_key
from lod.search.index import SearchIndex
from lod.search.query import combine, text_query
from lod.text import nfc

BF = "http://id.loc.gov/ontologies/bibframe/"

# type id → the kind of resource it reconciles against
TYPES = {
    BF + "Work": ("work", "Tác phẩm (Work)"),
    BF + "Instance": ("instance", "Ấn phẩm, biểu ghi thư mục (Instance): theo ISBN, nhan đề, tác giả"),
    BF + "Agent": ("agent", "Tác giả, tổ chức (Agent)"),
    BF + "Topic": ("subject", "Chủ đề (Topic)"),
}
KIND_TYPE = {kind: type_id for type_id, (kind, _) in TYPES.items()}
PROPERTIES = {
    "isbn": "ISBN",
    "author": "Tác giả (author)",
    "year": "Năm xuất bản (year)",
    "publisher": "Nhà xuất bản (publisher)",
    "library": "Thư viện, mã ISIL (library)",
    "language": "Ngôn ngữ, mã MARC (language)",
}
# How much each piece of evidence weighs against the name's.
# A library named in the spreadsheet says whose record is meant: it weighs as much as the name.
WEIGHTS = {"name": 1.0, "isbn": 2.0, "author": 0.6, "year": 0.3, "publisher": 0.3, "library": 1.0, "language": 0.2}
UNKNOWN = 50.0  # a property the candidate does not state neither confirms nor refutes
DIACRITICS_DIFFER = 4.0  # "Hạ" is not quite "Hà": an exact match must outrank it
MATCH_SCORE = 90.0
MATCH_LEAD = 8.0
MAX_LIMIT = 25
MAX_TEXT = 256
MAX_VALUES = 10
WORD_SHARE = 0.6


@dataclass
class Candidate:
    uri: str  # as the store mints it
    kind: str
    label: str
    score: float
    match: bool = False
    authors: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)


def kind_for(type_id: str | None) -> str | None:
    """The kind a type id names: a BIBFRAME class URI, its local name, or our own kind."""
    if not type_id:
        return None
    if type_id in TYPES:
        return TYPES[type_id][0]
    short = type_id.rsplit("/", 1)[-1].lower()
    for kind_type, (kind, _) in TYPES.items():
        if short in (kind, kind_type.rsplit("/", 1)[-1].lower()):
            return kind
    return None


def reconcile(index: SearchIndex, text: str, kind: str | None = None,
              properties: dict[str, list[str]] | None = None, limit: int = 5) -> list[Candidate]:
    # Bounded like every public query: so much text, so many values, so many candidates.
    text = nfc(text or "")[:MAX_TEXT]
    properties = {k: [v[:MAX_TEXT] for v in vs if v.strip()][:MAX_VALUES]
                  for k, vs in (properties or {}).items() if k in PROPERTIES}
    limit = max(1, min(limit, MAX_LIMIT))
    docs = _candidates(index, text, kind, properties, limit * 4)
    scored = [(_score(doc, text, properties), _name_score(text, doc.get("label", []))) for doc in docs]
    # Equal scores: the one whose heading itself is the name asked for, before one known by it as well.
    ranked = [c for c, _ in sorted(scored, key=lambda item: (-item[0].score, -item[1], item[0].label, item[0].uri))]
    ranked = ranked[:limit]
    if ranked and ranked[0].score >= MATCH_SCORE:
        # Matched unattended only when nothing else comes close: two equal records need a person.
        ranked[0].match = len(ranked) == 1 or ranked[0].score - ranked[1].score >= MATCH_LEAD
    return ranked


def _candidates(index: SearchIndex, text: str, kind: str | None, properties: dict[str, list[str]],
                size: int) -> list[dict]:
    Q, Occur = tantivy.Query, tantivy.Occur
    schema = index.schema
    ways = []
    words = text_query(schema, text, share=WORD_SHARE)
    if words is not None:
        ways.append((Occur.Should, words))
    isbns = _isbns(properties.get("isbn", []))
    if isbns:
        ways.append((Occur.Should, Q.boost_query(Q.term_set_query(schema, "isbn", isbns), 10.0)))
    if not ways:
        return []
    clauses = [Q.term_query(schema, "kind", kind)] if kind else []
    query = combine(Q.boolean_query(ways), clauses)
    searcher = index.searcher()
    return [searcher.doc(address).to_dict() for _, address in searcher.search(query, limit=size).hits]


def _score(doc: dict, text: str, properties: dict[str, list[str]]) -> Candidate:
    evidence = {"name": _name_score(text, doc.get("name", []))}
    given = {
        "isbn": lambda values: _isbn_score(values, doc.get("isbn", [])),
        "author": lambda values: _best_ratio(values, doc.get("agent", [])),
        "year": lambda values: _year_score(values, doc.get("year", [])),
        "publisher": lambda values: _best_ratio(values, doc.get("publisher", []), fuzz.token_set_ratio),
        "library": lambda values: _member_score(values, doc.get("library", [])),
        "language": lambda values: _member_score([v.lower() for v in values], doc.get("language", [])),
    }
    for name, values in properties.items():
        if values:
            evidence[name] = given[name](values)
    score = sum(WEIGHTS[k] * s for k, s in evidence.items()) / sum(WEIGHTS[k] for k in evidence)
    return Candidate(uri=doc["uri"][0], kind=doc["kind"][0], label=(doc.get("label") or [""])[0],
                     score=round(score, 1), authors=doc.get("authors", [])[:3], years=sorted(doc.get("year", [])),
                     libraries=doc.get("library", []))


def _name_score(text: str, names: list[str]) -> float:
    wanted, wanted_exact = folded_key(text), exact_key(text)
    best = 0.0
    for name in names:
        ratio = fuzz.token_sort_ratio(wanted, folded_key(name))
        if wanted_exact != exact_key(name):
            ratio = max(0.0, ratio - DIACRITICS_DIFFER) if ratio == 100 else ratio
        best = max(best, ratio)
    return best


def _best_ratio(values: list[str], found: list[str], scorer=fuzz.token_sort_ratio) -> float:
    if not found:
        return UNKNOWN
    return max(scorer(folded_key(v), folded_key(f)) for v in values for f in found)


def _isbn_score(values: list[str], found: list[str]) -> float:
    wanted = set(_isbns(values))
    if not found:
        return UNKNOWN
    return 100.0 if wanted & set(found) else 0.0


def _year_score(values: list[str], found: list[int]) -> float:
    years = {int(v) for value in values for v in value.split() if v.isdigit()}
    if not found or not years:
        return UNKNOWN
    closest = min(abs(a - b) for a in years for b in found)
    return 100.0 if closest == 0 else 70.0 if closest == 1 else 0.0


def _member_score(values: list[str], found: list[str]) -> float:
    if not found:
        return UNKNOWN
    return 100.0 if set(values) & set(found) else 0.0


def _isbns(values: list[str]) -> list[str]:
    found = []
    for value in values:
        number = isbn_numbers.compact(value)
        if isbn_numbers.is_valid(number):
            found.append(isbn_numbers.to_isbn13(number))
    return found
