"""The RDF terms conversion emits, and their N-Quads text.

Conversion builds plain strings and tuples, not store objects: the hot path writes N-Quads text
that the store bulk-loads, which is several times faster than building one object per quad.
"""

from __future__ import annotations

from typing import NamedTuple

XSD = "http://www.w3.org/2001/XMLSchema#"


class IRI(str):
    """An IRI (absolute)."""

    __slots__ = ()


class Literal(NamedTuple):
    value: str
    lang: str | None = None
    datatype: str | None = None


Term = IRI | Literal
Triple = tuple[IRI, IRI, Term]

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_IRI_ESCAPES = str.maketrans({c: f"%{ord(c):02X}" for c in '<>"{}|^`\\ \n\r\t'})


_IRI_TEXT: dict[str, str] = {}


def iri_text(iri: str) -> str:
    # Predicates, classes, graphs and shared resources repeat in every record: remember their text.
    text = _IRI_TEXT.get(iri)
    if text is None:
        if len(_IRI_TEXT) > 200_000:
            _IRI_TEXT.clear()
        text = _IRI_TEXT[iri] = "<" + iri.translate(_IRI_ESCAPES) + ">"
    return text


def term_text(term: Term) -> str:
    if isinstance(term, Literal):
        text = '"' + term.value.translate(_ESCAPES) + '"'
        if term.lang:
            return text + "@" + term.lang
        if term.datatype:
            return text + "^^" + iri_text(term.datatype)
        return text
    return iri_text(term)


def nquads(triples: list[Triple], graph: str) -> str:
    """N-Quads text of `triples` in `graph`, duplicates removed, order kept."""
    g = iri_text(graph)
    lines = dict.fromkeys(f"{iri_text(s)} {iri_text(p)} {term_text(o)} {g} .\n" for s, p, o in triples)
    return "".join(lines)
