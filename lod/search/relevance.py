"""Judging the search: a list of queries, each with what should come first, and the precision at k.

A judged query names its relevant results by what they are, not by URI (URIs carry key digests that
change when the mappings do): a type and a label, a label's beginning, an author, a library. Every
indexed document that fits one of them is relevant. Precision at k counts the relevant ones among the
first k hits, over k or over how many relevant documents there are, whichever is fewer, so a query
with one right answer scores 1.0 when that answer is in the top k.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import tantivy
import yaml

from lod.search.index import SearchIndex
from lod.search.query import search
from lod.text import nfc


@dataclass
class Judged:
    query: str
    relevant: list[dict]


@dataclass
class Outcome:
    query: str
    precision: float
    relevant: int  # how many documents of the index fit the judgement
    top: list[tuple[str, str, bool]]  # the first hits: type, label, relevant


@dataclass
class Report:
    k: int
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return sum(o.precision for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.precision < 1.0]


def load(path: Path) -> list[Judged]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Judged(str(e["query"]), list(e["relevant"])) for e in entries]


def fits(doc: dict, judgement: dict) -> bool:
    """Whether a document's stored fields fit one relevance judgement (every condition it states)."""
    label = nfc((doc.get("label") or [""])[0])
    tests = {
        "type": lambda v: doc["kind"][0] == v,
        "label": lambda v: label == nfc(v),
        "label_starts": lambda v: label.lower().startswith(nfc(v).lower()),
        "author": lambda v: nfc(v) in (nfc(a) for a in doc.get("authors", [])),
        "library": lambda v: v in doc.get("library", []),
    }
    unknown = set(judgement) - set(tests)
    if unknown:
        raise ValueError(f"unknown relevance condition(s): {', '.join(sorted(unknown))}")
    return all(tests[name](value) for name, value in judgement.items())


def evaluate(index: SearchIndex, judged: list[Judged], k: int = 5) -> Report:
    documents = _all_documents(index)
    report = Report(k)
    for item in judged:
        relevant = {doc["uri"][0] for doc in documents if any(fits(doc, j) for j in item.relevant)}
        hits = search(index, item.query, size=k).hits
        top = [(hit.kind, hit.label, hit.uri in relevant) for hit in hits]
        found = sum(1 for _, _, ok in top if ok)
        precision = found / min(k, len(relevant)) if relevant else 0.0
        report.outcomes.append(Outcome(item.query, precision, len(relevant), top))
    return report


def _all_documents(index: SearchIndex) -> list[dict]:
    searcher = index.searcher()
    found = searcher.search(tantivy.Query.all_query(), limit=max(searcher.num_docs, 1), count=False)
    return [searcher.doc(address).to_dict() for _, address in found.hits]
