"""The named functions mapping files may call: clean-ups of values and ways of joining subfields.

Each clean-up takes a string and returns the cleaned string, or "" to drop the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache

import yaml
from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn

from lod.mapping.codes import MAPPINGS, code_list
from lod.text import nfc
from lod.uris import digest

_TRAILING_ISBD = re.compile(r"[\s/:;,=+]+$|(?<![A-Za-zÀ-ỹ]\.[A-Za-zÀ-ỹ])(?<!\b[A-Za-zÀ-ỹ])\.$")
_TRAILING_NAME = re.compile(r"[\s,;:/]+$|(?<!\b[A-ZÀ-Ỹ])(?<!\b[A-ZÀ-Ỹ][a-zà-ỹ])\.$")
_ISBN = re.compile(r"(97[89][\d-]{10,14}|[\d-]{9,12}[\dXx])")
_ISSN = re.compile(r"(\d{4})-?(\d{3}[\dXx])")
_YEAR = re.compile(r"\b(\d{4})\b")
# the page count an extent statement opens with ("xliii, 212 p.", "[8], 320 tr."), not a count inside
# a statement of volumes ("2 v. (1714 p.)")
_PAGES = re.compile(r"^\s*(?:\[?[ivxlcdm\d]+\]?,\s*)*\[?(\d+)\]?\s*(?:tr|trang|tờ|p|pages|pp|S|str|с)\b", re.I)


def isbd(value: str) -> str:
    """Strip the ISBD punctuation that ends a value (" /", " :", " ;", " =", ",", a final full stop)."""
    value = value.strip()
    if value[-1:].isalnum():
        return value  # nothing to strip: most values end so
    previous = None
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
    match = _PAGES.match(value)
    return match.group(1) if match else ""


def classmark(value: str) -> str:
    """A class number without the segmentation marks (/ and ') that DDC editions print."""
    return value.replace("/", "").replace("'", "").strip()


def timestamp(value: str) -> str:
    """MARC 005 (yyyymmddhhmmss.f) as an xsd:dateTime."""
    v = value.strip()
    if len(v) < 14 or not v[:14].isdigit() or v[:4] == "0000":
        return ""
    month, day, hour, minute, second = v[4:6], v[6:8], v[8:10], v[10:12], v[12:14]
    if not ("01" <= month <= "12" and "01" <= day <= "31" and hour < "24" and minute < "60" and second < "61"):
        return ""
    return f"{v[0:4]}-{v[4:6]}-{v[6:8]}T{v[8:10]}:{v[10:12]}:{v[12:14]}"


def yymmdd(value: str) -> str:
    """008/00-05 (date entered on file, yymmdd) as an xsd:date; 50–99 are taken as 19xx."""
    v = value.strip()
    if len(v) != 6 or not v.isdigit() or not ("01" <= v[2:4] <= "12") or not ("01" <= v[4:6] <= "31"):
        return ""
    century = "19" if v[:2] >= "50" else "20"
    return f"{century}{v[:2]}-{v[2:4]}-{v[4:6]}"


@cache
def authorities() -> list[tuple[re.Pattern, str, str]]:
    """The identifier patterns of mappings/authorities.yaml: (pattern, URI template, key template)."""
    with open(MAPPINGS / "authorities.yaml", encoding="utf-8") as f:
        return [(re.compile(e["match"], re.I), e["uri"], e["key"]) for e in yaml.safe_load(f)]


def authority(value: str) -> tuple[str, str] | None:
    """(URI, key) of an authority identifier from $0/$1: "(viaf)123", "(DLC)n 79021164", or a URI."""
    value = value.strip()
    for pattern, uri, key in authorities():
        match = pattern.match(value)
        if match:
            found = match.group(1).replace(" ", "")
            iri = uri.format(found)
            return iri, ("uri-" + digest(iri, 12) if key == "uri" else key.format(found))
    return None


def authority_uri(value: str) -> str:
    found = authority(value)
    return found[0] if found else ""


def url(value: str) -> str:
    return value if re.match(r"^https?://[^\s<>\"]+$", value) else ""


def language_code(value: str) -> str:
    """A language given as a MARC code, a BCP 47 tag or a name in Vietnamese/English → MARC code."""
    v = nfc(value).strip().lower()
    if v in code_list("languages"):
        return v
    return code_list("language-names").get(v, "")


def code(value: str) -> str:
    """A code as catalogues write it ("aut.", " VM ", ".../relators/aut") → as code lists hold it ("aut")."""
    v = value.strip()
    if v.startswith(("http://", "https://")):
        v = v.rstrip("/").rsplit("/", 1)[-1]
    v = v.strip(".,;:").strip().lower()
    return "" if not v or set(v) <= set("|#") else v


def gac(value: str) -> str:
    """A MARC geographic area code without its trailing hyphens ("a-vt---" → "a-vt")."""
    return value.strip().rstrip("-").lower()


def duration(value: str) -> str:
    """MARC playing time (306 hhmmss, 008/18-20 minutes) as an ISO 8601 duration ("013000" → PT1H30M)."""
    v = value.strip()
    if re.fullmatch(r"\d{6}", v):
        h, m, s = int(v[:2]), int(v[2:4]), int(v[4:])
    elif re.fullmatch(r"\d{1,3}", v) and int(v):
        h, m, s = 0, int(v), 0
    else:
        return ""
    text = "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s else "")
    return text if text != "PT" else ""


def country(value: str) -> str:
    """008/15-17 (place of publication): a MARC country code; "xx" (no place) and fill give nothing."""
    v = code(value)
    return v if re.fullmatch(r"[a-z]{2,3}", v) and v not in ("xx", "zz") else ""


def _edtf_year(part: str) -> str:
    part = part.strip().lower()
    if not re.fullmatch(r"\d[\du]{3}", part) or part == "9999":
        return ""
    return part.replace("u", "X")


def edtf_008(value: str) -> str:
    """008/06-14 (type of date, date 1, date 2) as an EDTF date: "s1983" → 1983, "m19851990" → 1985/1990."""
    if len(value) < 5:
        return ""
    kind, first, second = value[0], _edtf_year(value[1:5]), value[5:9]
    if not first:
        return ""
    if kind in "prst":
        return first
    if kind == "e":
        mm, dd = second[:2], second[2:4]
        if mm.isdigit() and "01" <= mm <= "12":
            return f"{first}-{mm}-{dd}" if dd.isdigit() and "01" <= dd <= "31" else f"{first}-{mm}"
        return first
    if kind in "cdikmqu":
        end = _edtf_year(second) or ".."
        return f"{first}/{end}" if end != first else first
    return ""


_DATE = re.compile(r"^\D{0,3}?(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T\s].*)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def date(value: str) -> str:
    """A date as Dublin Core and DSpace write it → ISO 8601 / EDTF ("2015-06-01T00:00:00Z" → 2015-06-01,
    "[2010?]" → 2010, "01/06/2015" → 2015-06-01, the Vietnamese day-first order)."""
    v = value.strip().strip("[]?.").strip()
    day_first = _DAY_FIRST.match(v)
    if day_first:
        dd, mm, yyyy = day_first.groups()
        return _ymd(yyyy, mm, dd)
    match = _DATE.match(v)
    if not match:
        return year(v)
    return _ymd(*match.groups())


def _ymd(yyyy: str, mm: str | None, dd: str | None) -> str:
    if not mm or not 1 <= int(mm) <= 12:
        return yyyy
    if not dd or not 1 <= int(dd) <= 31:
        return f"{yyyy}-{int(mm):02d}"
    return f"{yyyy}-{int(mm):02d}-{int(dd):02d}"


def surname(value: str) -> str:
    """The part of an inverted name before its comma ("Nguyễn, Du" → "Nguyễn"); nothing when the name is
    written direct: a name is never divided by word position."""
    head, comma, _ = name(value).partition(",")
    return head.strip() if comma else ""


def forename(value: str) -> str:
    """The part of an inverted name after its comma ("Nguyễn, Du" → "Du"); nothing when written direct."""
    _, comma, rest = name(value).partition(",")
    return rest.strip() if comma else ""


_SOURCE = re.compile(r"^\s*\(([^)]+)\)\s*(.*)$")


def source_code(value: str) -> str:
    """The organisation code in front of a number: "(OCoLC)12345" → "OCoLC"; nothing without a number."""
    match = _SOURCE.match(value)
    return match.group(1).strip() if match and match.group(2).strip() else ""


def strip_source(value: str) -> str:
    """A number without the organisation code in front of it: "(OCoLC)12345" → "12345"."""
    match = _SOURCE.match(value)
    return (match.group(2) if match else value).strip()


def doi(value: str) -> str:
    """A DOI from "doi:10.…", "https://doi.org/10.…" or the bare "10.…"."""
    match = re.search(r"\b(10\.\d{4,9}/\S+)", value)
    return match.group(1).rstrip(".,;") if match else ""


def handle(value: str) -> str:
    """A Handle from "hdl:1234/5678" or "http://hdl.handle.net/1234/5678" (not a DOI)."""
    match = re.match(r"^\s*(?:hdl:|https?://hdl\.handle\.net/)(\d[\w.]*/\S+)\s*$", value, re.I)
    return match.group(1) if match and not match.group(1).startswith("10.") else ""


def lccn(value: str) -> str:
    """An LCCN with its spaces removed ("  79021164 " → "79021164", "sh 85012345" → "sh85012345")."""
    return re.sub(r"\s+", "", value.split("/")[0]) if value.strip() else ""


_LIFE = re.compile(r"^\s*(?:b\.\s*)?(\d{4})?\s*-\s*(?:d\.\s*)?(\d{4})?\s*[.,]?\s*$")


def born(value: str) -> str:
    """The year of birth in a name's dates ("1765-1820." → 1765, "1955-" → 1955); nothing when the dates
    are approximate or of activity ("ca. 1500", "fl. 1800")."""
    match = _LIFE.match(value)
    return (match.group(1) or "") if match else ""


def died(value: str) -> str:
    """The year of death in a name's dates ("1765-1820." → 1820), as `born` reads them."""
    match = _LIFE.match(value)
    return (match.group(2) or "") if match else ""


def checked_isbn(value: str) -> str:
    """An ISBN whose check digit is right: a bare identifier is taken for an ISBN only then."""
    found = isbn(value)
    return found if found and stdnum_isbn.is_valid(found) else ""


def checked_issn(value: str) -> str:
    """An ISSN ("issn:2583-1887", "1566-7294") whose check digit is right."""
    v = re.sub(r"^\s*(?:urn:)?issn[:\s]\s*", "", value, flags=re.I).strip()
    return stdnum_issn.format(v) if re.fullmatch(r"\d{4}-?\d{3}[\dXx]", v) and stdnum_issn.is_valid(v) else ""


def urn(value: str) -> str:
    """A URN (not an ISBN or ISSN one, which have classes of their own)."""
    v = value.strip()
    return v if re.match(r"^urn:(?!isbn:|issn:)[a-z0-9][a-z0-9-]{0,31}:\S+$", v, re.I) else ""


def media_type(value: str) -> str:
    """An Internet media type ("application/pdf"), without parameters; other format words give nothing."""
    match = re.match(r"^([a-z]+/[\w.+-]+)", value.strip().lower())
    return match.group(1) if match else ""


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
    "code": code,
    "country": country,
    "edtf-008": edtf_008,
    "date": date,
    "surname": surname,
    "forename": forename,
    "source-code": source_code,
    "strip-source": strip_source,
    "doi": doi,
    "handle": handle,
    "lccn": lccn,
    "gac": gac,
    "duration": duration,
    "born": born,
    "died": died,
    "checked-isbn": checked_isbn,
    "checked-issn": checked_issn,
    "urn": urn,
    "media-type": media_type,
}

# Clean-ups are pure functions of their text, and the same texts come again and again (a heading is
# cleaned for its key, its label and its other labels; a publisher recurs in every record): remember.
CLEAN = {name: fn if fn in (str.strip, str.lower) else lru_cache(maxsize=1 << 15)(fn) for name, fn in CLEAN.items()}
isbd = CLEAN["isbd"]
name = CLEAN["name"]

SUBDIVISIONS = set("vxyz")


def join_heading(subfields: list[tuple[str, str]]) -> str:
    """A subject heading: main parts joined by spaces, subdivisions ($v $x $y $z) by "--"."""
    return _join_heading(tuple(subfields))


@lru_cache(maxsize=1 << 15)
def _join_heading(subfields: tuple[tuple[str, str], ...]) -> str:
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
