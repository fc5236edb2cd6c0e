"""The named functions mapping files may call: clean-ups of values and ways of joining subfields.

Each clean-up takes a string and returns the cleaned string, or "" to drop the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lod.mapping.codes import code_list
from lod.text import nfc

_TRAILING_ISBD = re.compile(r"[\s/:;,=+]+$|(?<![A-Za-zÀ-ỹ]\.[A-Za-zÀ-ỹ])(?<!\b[A-Za-zÀ-ỹ])\.$")
_TRAILING_NAME = re.compile(r"[\s,;:/]+$|(?<!\b[A-ZÀ-Ỹ])(?<!\b[A-ZÀ-Ỹ][a-zà-ỹ])\.$")
_ISBN = re.compile(r"(97[89][\d-]{10,14}|[\d-]{9,12}[\dXx])")
_ISSN = re.compile(r"(\d{4})-?(\d{3}[\dXx])")
_YEAR = re.compile(r"\b(\d{4})\b")
_PAGES = re.compile(r"(\d+)\s*(?:tr|trang|tờ|p|pages|pp|S|str|с)\b", re.I)


def isbd(value: str) -> str:
    """Strip the ISBD punctuation that ends a value (" /", " :", " ;", " =", ",", a final full stop)."""
    previous = None
    value = value.strip()
    while value != previous:
        previous = value
        value = _TRAILING_ISBD.sub("", value).strip()
    return value


def name(value: str) -> str:
    """A name heading without trailing punctuation; the full stop after an initial stays ("Lê, V.")."""
    previous = None
    value = value.strip()
    while value != previous:
        previous = value
        value = _TRAILING_NAME.sub("", value).strip()
    return value


def isbn(value: str) -> str:
    match = _ISBN.search(value)
    if not match:
        return ""
    digits = match.group(1).replace("-", "").upper()
    return digits if len(digits) in (10, 13) else ""


def issn(value: str) -> str:
    match = _ISSN.search(value)
    return f"{match.group(1)}-{match.group(2).upper()}" if match else ""


def year(value: str) -> str:
    match = _YEAR.search(value)
    return match.group(1) if match else ""


def pages(value: str) -> str:
    """The page count of an extent statement ("320 tr. : minh họa" → "320"), if it gives one."""
    match = _PAGES.search(value)
    return match.group(1) if match else ""


def classmark(value: str) -> str:
    """A class number without the segmentation marks (/ and ') that DDC editions print."""
    return value.replace("/", "").replace("'", "").strip()


def timestamp(value: str) -> str:
    """MARC 005 (yyyymmddhhmmss.f) as an xsd:dateTime."""
    v = value.strip()
    if len(v) < 14 or not v[:14].isdigit():
        return ""
    return f"{v[0:4]}-{v[4:6]}-{v[6:8]}T{v[8:10]}:{v[10:12]}:{v[12:14]}"


def yymmdd(value: str) -> str:
    """008/00-05 (date entered on file, yymmdd) as an xsd:date; 50–99 are taken as 19xx."""
    v = value.strip()
    if len(v) != 6 or not v.isdigit() or not ("01" <= v[2:4] <= "12") or not ("01" <= v[4:6] <= "31"):
        return ""
    century = "19" if v[:2] >= "50" else "20"
    return f"{century}{v[:2]}-{v[2:4]}-{v[4:6]}"


_AUTHORITIES = [
    (re.compile(r"^\(viaf\)\s*(\d+)$", re.I), "http://viaf.org/viaf/{}"),
    (re.compile(r"^\(isni\)\s*([\dX ]{16,19})$", re.I), "https://isni.org/isni/{}"),
    (re.compile(r"^\(wikidata\)\s*(Q\d+)$", re.I), "http://www.wikidata.org/entity/{}"),
    (re.compile(r"^\(DLC\)\s*([a-z]{1,3}\s*\d+)$", re.I), "http://id.loc.gov/authorities/names/{}"),
    (re.compile(r"^\(DE-588\)\s*([\dX-]+)$", re.I), "https://d-nb.info/gnd/{}"),
    (re.compile(r"^(https?://\S+)$"), "{}"),
]


def authority_uri(value: str) -> str:
    """The URI of an authority identifier from $0/$1: "(viaf)123", "(DLC)n 79021164", or a URI."""
    value = value.strip()
    for pattern, template in _AUTHORITIES:
        match = pattern.match(value)
        if match:
            return template.format(match.group(1).replace(" ", ""))
    return ""


def url(value: str) -> str:
    return value if re.match(r"^https?://[^\s<>\"]+$", value) else ""


def language_code(value: str) -> str:
    """A language given as a MARC code, a BCP 47 tag or a name in Vietnamese/English → MARC code."""
    v = nfc(value).strip().lower()
    if v in code_list("languages"):
        return v
    return code_list("language-names").get(v, "")


CLEAN: dict[str, Callable[[str], str]] = {
    "trim": str.strip,
    "lower": str.lower,
    "isbd": isbd,
    "name": name,
    "isbn": isbn,
    "issn": issn,
    "year": year,
    "pages": pages,
    "classmark": classmark,
    "timestamp": timestamp,
    "yymmdd": yymmdd,
    "authority-uri": authority_uri,
    "language-code": language_code,
    "url": url,
}

SUBDIVISIONS = set("vxyz")


def join_heading(subfields: list[tuple[str, str]]) -> str:
    """A subject heading: main parts joined by spaces, subdivisions ($v $x $y $z) by "--"."""
    text = ""
    for code, value in subfields:
        value = isbd(value)
        if not value:
            continue
        if not text:
            text = value
        elif code in SUBDIVISIONS:
            text += "--" + value
        else:
            text += " " + value
    return text
