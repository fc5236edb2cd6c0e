"""How text becomes search terms: two analyser chains, registered on every index opened.

`folded` lowercases and folds diacritics (ASCII folding also turns đ into d), so "ha noi", "Ha Noi"
and "Hà Nội" give the same terms; `exact` only lowercases, so a query typed with the record's own
diacritics can be ranked above one that merely folds to it. Text is made NFC first: NFD input would
split words at the combining marks.
"""

from __future__ import annotations

import tantivy

from lod.text import nfc

FOLDED = "vi_folded"
EXACT = "vi_exact"

_folded = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase()) \
    .filter(tantivy.Filter.ascii_fold()).build()
_exact = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase()).build()


def register(index: tantivy.Index) -> None:
    """tantivy keeps no custom analyser in the index folder: name them again on every open."""
    index.register_tokenizer(FOLDED, _folded)
    index.register_tokenizer(EXACT, _exact)


def folded_terms(text: str) -> list[str]:
    return _folded.analyze(nfc(text))


def exact_terms(text: str) -> list[str]:
    return _exact.analyze(nfc(text))


def folded_key(text: str) -> str:
    """A whole heading as one comparable key: "Nguyễn, Du." and "nguyen du" give "nguyen du"."""
    return " ".join(folded_terms(text))


def exact_key(text: str) -> str:
    return " ".join(exact_terms(text))
