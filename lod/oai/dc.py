"""Simple Dublin Core (oai_dc) from a record's kept source: MARCXML through the crosswalk in
mappings/marc-oai-dc.yaml, DSpace dublin_core.xml by element name, an oai_dc record as it came."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from lxml import etree

from lod.mapping.compile import load_yaml
from lod.mapping.functions import isbd
from lod.readers.dc import DC_NS, OAI_DC_NS, XML_LANG, lang_code
from lod.readers.marc import MARC_NS, SAFE_XML

OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ELEMENTS = ("title", "creator", "subject", "description", "publisher", "contributor", "date", "type", "format",
            "identifier", "source", "language", "relation", "coverage", "rights")
# DSpace qualified elements whose simple Dublin Core element is another one
_DSPACE = {"contributor.author": "creator", "contributor.editor": "contributor"}


def oai_dc(source: bytes, format: str, uri: str) -> etree._Element:
    """The oai_dc:dc element for a record kept as `source` (MARCXML, or Dublin Core XML) whose resource
    is published as `uri` (one more dc:identifier)."""
    values: list[tuple[str, str, str | None]] = []
    if source:
        root = etree.fromstring(source, etree.XMLParser(**SAFE_XML))
        if format == "marc":
            values = list(_from_marc(root))
        elif etree.QName(root).localname == "dublin_core":
            values = list(_from_dspace(root))
        else:
            values = list(_from_oai_dc(root))
    return build([*values, ("identifier", uri, None)])


def build(values: list[tuple[str, str, str | None]]) -> etree._Element:
    """An oai_dc:dc element from (element, text, language) triples."""
    dc = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI})
    dc.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    for element, text, lang in dict.fromkeys(values):  # once each: 008 and 041 often give one language twice
        child = etree.SubElement(dc, f"{{{DC_NS}}}{element}")
        child.text = text
        if lang:
            child.set(XML_LANG, lang)
    return dc


# --- MARC ------------------------------------------------------------------------------------------


@cache
def _crosswalk() -> tuple[list[tuple[str, dict, frozenset[str]]], dict[str, str]]:
    data = load_yaml("marc-oai-dc.yaml")
    rules = [(element, rule, _tags(rule["tags"], rule.get("except", "")))
             for element in ELEMENTS for rule in data["elements"].get(element) or []]
    return rules, data["types"]


def _tags(spec: str, excluded: str) -> frozenset[str]:
    tags: set[str] = set()
    for part in spec.split():
        start, _, end = part.partition("-")
        tags.update(f"{n:03d}" for n in range(int(start), int(end or start) + 1))
    return frozenset(tags - set(excluded.split()))


def _from_marc(record: etree._Element) -> Iterator[tuple[str, str, str | None]]:
    if etree.QName(record).localname != "record":
        record = next(record.iter(f"{{{MARC_NS}}}record", "record"))
    rules, types = _crosswalk()
    fields = [(f.get("tag", ""), f) for f in record if etree.QName(f).localname in ("controlfield", "datafield")]
    for element, rule, tags in rules:
        for tag, field in fields:
            if tag in tags:
                yield from ((element, value, None) for value in _values(field, rule) if value)
    leader = next((_text(el) for el in record if etree.QName(el).localname == "leader"), "")
    if len(leader) > 6 and leader[6] in types:
        yield "type", types[leader[6]], None


def _values(field: etree._Element, rule: dict) -> list[str]:
    if "positions" in rule:
        start, end = rule["positions"]
        code = (field.text or "")[start:end].strip()
        return [code] if code.strip("|#^") else []
    subfields = [(s.get("code"), _text(s)) for s in field]
    codes, subdivisions = rule.get("codes", ""), rule.get("subdivisions", "")
    if rule.get("each"):
        return [isbd(text) for code, text in subfields if code in codes]
    main = " ".join(text for code, text in subfields if code in codes)
    parts = [isbd(main)] + [isbd(text) for code, text in subfields if code in subdivisions and text]
    return ["--".join(p for p in parts if p)]


def _text(el: etree._Element | None) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


# --- Dublin Core -----------------------------------------------------------------------------------


def _from_dspace(root: etree._Element) -> Iterator[tuple[str, str, str | None]]:
    if (root.get("schema") or "dc") != "dc":
        return
    for value in root.iter("dcvalue"):
        element, qualifier = value.get("element", ""), value.get("qualifier")
        name = _DSPACE.get(f"{element}.{qualifier}", element)
        text = _text(value)
        if name in ELEMENTS and text:
            yield name, text, lang_code(value.get("language"))


def _from_oai_dc(root: etree._Element) -> Iterator[tuple[str, str, str | None]]:
    for child in root:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child)
        text = _text(child)
        if name.namespace == DC_NS and name.localname in ELEMENTS and text:
            yield name.localname, text, lang_code(child.get(XML_LANG))
