"""Suggestions as a title, a name or a subject is typed: the words so far, the last one a prefix,
folded like the search itself, over works, agents and subjects."""

from __future__ import annotations

from dataclasses import dataclass

import tantivy

from lod.search.analysis import folded_key, folded_terms
from lod.search.index import SearchIndex
from lod.text import nfc

KINDS = ("work", "agent", "subject")
MAX_QUERY = 100
MAX_TERMS = 8
MAX_LIMIT = 20
START_BOOST = 3.0  # a heading that begins with what was typed ranks above one that contains it


@dataclass
class Suggestion:
    uri: str  # as the store mints it
    kind: str
    label: str
    authors: list[str]


def suggest(index: SearchIndex, text: str, limit: int = 8, kinds: tuple[str, ...] = KINDS,
            distinct: bool = True) -> list[Suggestion]:
    """Up to `limit` resources whose heading starts a word with what was typed; with `distinct`, one
    per heading and kind (a box to type in has no use for two identical lines)."""
    terms = folded_terms(nfc(text or "")[:MAX_QUERY])[:MAX_TERMS]
    if not terms:
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    schema = index.schema
    Q, Occur = tantivy.Query, tantivy.Occur
    query = Q.boolean_query([
        (Occur.Must, Q.phrase_prefix_query(schema, "name", terms)),
        (Occur.Must, Q.term_set_query(schema, "kind", list(kinds))),
        (Occur.Should, Q.boost_query(Q.regex_query(schema, "key", _starts_with(terms)), START_BOOST)),
    ])
    searcher = index.searcher()
    found = searcher.search(query, limit=limit * 3).hits
    documents = [(score, searcher.doc(address).to_dict()) for score, address in found]
    typed = " ".join(terms)
    # A heading shown that begins with what was typed first, then the best match, then the most widely held.
    documents.sort(key=lambda item: (not folded_key((item[1].get("label") or [""])[0]).startswith(typed),
                                     -round(item[0], 3), -item[1].get("weight", [0])[0]))
    suggestions, seen = [], set()
    for _, doc in documents:
        label = (doc.get("label") or [""])[0]
        if distinct and (doc["kind"][0], label) in seen:
            continue
        seen.add((doc["kind"][0], label))
        suggestions.append(Suggestion(doc["uri"][0], doc["kind"][0], label, doc.get("authors", [])[:2]))
    return suggestions[:limit]


def _starts_with(terms: list[str]) -> str:
    # Terms are letters and digits only (the simple tokenizer splits on everything else).
    return " ".join(terms) + ".*"
