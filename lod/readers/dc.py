"""Dublin Core readers: OAI-PMH responses (oai_dc or MARCXML inside), bare oai_dc, DSpace dublin_core.xml."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from lod.readers.marc import (
    MARC_NS,
    SAFE_XML,
    Item,
    RecordError,
    marc_source_record,
    open_binary,
    read_elements,
    read_xml,
    record_from_xml,
)
from lod.records import DCValue, ReadError, SkippedFile, SourceRecord
from lod.text import nfc

log = logging.getLogger(__name__)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

OAI_RECORD = f"{{{OAI_NS}}}record"
OAI_DC = f"{{{OAI_DC_NS}}}dc"
_HEADER, _IDENTIFIER, _DATESTAMP, _METADATA = (
    f"{{{OAI_NS}}}{n}" for n in ("header", "identifier", "datestamp", "metadata")
)
_MARC_PAYLOADS = {f"{{{MARC_NS}}}record", f"{{{MARC_NS}}}collection", "record", "collection"}
_OTHER_VERBS = {"Identify", "ListSets", "ListMetadataFormats", "ListIdentifiers"}
_MARC_PREFIXES = {"marc21", "marcxml", "marc", "usmarc"}
_DC_PREFIXES = {DC_NS: "", DCTERMS_NS: "dcterms."}  # element name prefixes by namespace

# ISO 639-2 codes of languages that have a two-letter code, for the ones libraries here meet most
_TWO_LETTER = {
    "vie": "vi", "eng": "en", "fre": "fr", "fra": "fr", "ger": "de", "deu": "de", "chi": "zh", "zho": "zh",
    "jpn": "ja", "kor": "ko", "rus": "ru", "spa": "es", "ita": "it", "por": "pt", "dut": "nl", "nld": "nl",
    "lat": "la", "tha": "th", "lao": "lo", "khm": "km", "ind": "id", "may": "ms", "msa": "ms", "ara": "ar",
}  # fmt: skip
_NO_LANGUAGE = {"und", "mul", "mis", "zxx"}
_LANG = re.compile("[a-z]{2,3}")


def lang_code(value: str | None) -> str | None:
    """Language attribute → primary language subtag: "vi_VN", "vi-VN", "vie" → "vi"; "", "*" → None."""
    if not value:
        return None
    primary = re.split("[-_]", value.strip(), maxsplit=1)[0].lower()
    if not _LANG.fullmatch(primary) or primary in _NO_LANGUAGE:
        return None
    return _TWO_LETTER.get(primary, primary)


# ---------------------------------------------------------------------------------------------------------
# OAI-PMH


@dataclass
class _Response:
    """What an OAI-PMH response is, read from its first elements."""

    verb: str | None = None
    error: str | None = None
    prefix: str | None = None  # metadataPrefix of the request
    payload: str | None = None  # tag of the first metadata payload


def read_oai(path: Path) -> Iterator[Item]:
    """Yield the records of an OAI-PMH ListRecords/GetRecord response; other responses are skipped."""
    name = str(path)
    response = _survey(path)
    reason = _not_records(response)
    if reason:
        yield SkippedFile(name, reason)
        return
    # a deleted record has no payload to tell its family: the response's format tells it
    marc = _payload_kind(response.payload) == "marc" or (response.prefix or "").lower() in _MARC_PREFIXES
    count = 0
    for item in read_xml(path, (OAI_RECORD,), "record", lambda el, n: _oai_item(el, name, n, marc)):
        count += 1
        yield item
    if count == 0:
        yield SkippedFile(name, f"OAI-PMH {response.verb or 'response'} without records")


def _survey(path: Path) -> _Response:
    """Read only as far as the verb and the first metadata payload."""
    response = _Response()
    depth = 0
    in_metadata = False
    try:
        with open_binary(path) as f:
            for event, el in etree.iterparse(f, events=("start", "end"), **SAFE_XML):
                if event == "end":
                    depth -= 1
                    if depth:
                        el.clear()  # only tags and attributes matter here: keep memory flat
                    continue
                depth += 1
                if in_metadata:
                    response.payload = el.tag
                    return response
                local = etree.QName(el).localname
                if depth == 2 and local == "request":
                    response.prefix = el.get("metadataPrefix")
                elif depth == 2 and local == "error":
                    response.error = el.get("code") or "error"
                    return response
                elif depth == 2 and local != "responseDate":
                    response.verb = local
                    if local not in ("ListRecords", "GetRecord"):
                        return response
                in_metadata = el.tag == _METADATA
    except etree.XMLSyntaxError as err:
        log.warning("%s: OAI-PMH response not well-formed (%s)", path, err)
    return response


def _not_records(response: _Response) -> str | None:
    """Why a response holds no records we read, or None when it does."""
    if response.error:
        return f"OAI-PMH error response ({response.error}): no records"
    if response.verb == "ListIdentifiers":
        return "OAI-PMH ListIdentifiers response: headers only, no records"
    if response.verb in _OTHER_VERBS:
        return f"OAI-PMH {response.verb} response: no records"
    if response.verb not in (None, "ListRecords", "GetRecord"):
        return f"OAI-PMH response with <{response.verb}> where the verb should be: no records"
    if response.payload is not None and _payload_kind(response.payload) is None:
        return f"OAI-PMH metadata format {response.payload} is not read (oai_dc and MARCXML are)"
    return None


def _payload_kind(tag: str | None) -> str | None:
    if tag == OAI_DC:
        return "dc"
    if tag in _MARC_PAYLOADS:
        return "marc"
    return None


def _oai_item(el: etree._Element, name: str, number: int, marc: bool) -> Item:
    header = el.find(_HEADER)
    if header is None:
        return ReadError(name, number, None, "OAI-PMH record without a header")
    identifier = _text(header.find(_IDENTIFIER))
    if not identifier:
        # the identifier is what later updates and deletions name: without it the record cannot be kept
        return ReadError(name, number, None, "OAI-PMH header without an identifier")
    datestamp = _text(header.find(_DATESTAMP)) or None
    deleted = header.get("status") == "deleted"
    metadata = el.find(_METADATA)
    payload = next((c for c in metadata if isinstance(c.tag, str)), None) if metadata is not None else None
    if payload is None:
        if deleted:
            kind = "marc" if marc else "dc"
            return SourceRecord(kind, name, number, identifier, deleted=True, datestamp=datestamp)
        return ReadError(name, number, identifier, "OAI-PMH record without metadata")
    kind = _payload_kind(payload.tag)
    if kind == "dc":
        return dc_source_record(payload, name, number, identifier, datestamp=datestamp, deleted=deleted)
    if kind == "marc":
        return _marc_in_oai(payload, name, number, identifier, datestamp, deleted)
    return ReadError(name, number, identifier, f"metadata format {payload.tag} is not read")


def _marc_in_oai(
    payload: etree._Element,
    name: str,
    number: int,
    identifier: str | None,
    datestamp: str | None,
    deleted: bool,
) -> Item:
    # The OAI identifier is the id: a deletion carries nothing else, and it must meet the record it deletes.
    record_el = payload if etree.QName(payload).localname == "record" else next(iter(payload), None)
    if record_el is None:
        return ReadError(name, number, identifier, "empty MARCXML collection in OAI-PMH metadata")
    try:
        record = record_from_xml(record_el)
        return marc_source_record(record, name, number, id=identifier, datestamp=datestamp, deleted=deleted)
    except RecordError as err:
        return ReadError(name, number, identifier, str(err))


# ---------------------------------------------------------------------------------------------------------
# Dublin Core documents


def read_oai_dc(path: Path) -> Iterator[Item]:
    """Yield the record of a bare oai_dc document (id: its first dc:identifier)."""
    yield from read_elements(path, (OAI_DC,), "dc", _bare_dc_item, "oai_dc records")


def _bare_dc_item(el: etree._Element, name: str, number: int) -> Item:
    record = dc_source_record(el, name, number, None)
    record.id = next((v.value for v in record.dc if v.element == "identifier"), None)
    return record


def dc_source_record(
    el: etree._Element,
    name: str,
    number: int,
    id: str | None,
    *,
    datestamp: str | None = None,
    deleted: bool = False,
) -> SourceRecord:
    """A Dublin Core record from an oai_dc:dc element; `source` keeps the element with NFC text."""
    _nfc_tree(el)
    values = []
    for child in el:
        if not isinstance(child.tag, str):
            continue
        q = etree.QName(child)
        prefix = _DC_PREFIXES.get(q.namespace)
        text = _text(child)
        if prefix is not None and text:
            values.append(DCValue(prefix + q.localname, text, lang_code(child.get(XML_LANG))))
    return SourceRecord(
        format="dc",
        file=name,
        number=number,
        id=id,
        dc=values,
        deleted=deleted,
        datestamp=datestamp,
        source=etree.tostring(el, encoding="utf-8", with_tail=False),
    )


def read_dspace(path: Path) -> Iterator[Item]:
    """Yield the item of a DSpace dublin_core.xml (Simple Archive Format): dcvalue element/qualifier.

    An item folder may add metadata_<schema>.xml files beside dublin_core.xml: they are read with it,
    as one record.
    """
    if path.name.startswith("metadata_") and (path.parent / "dublin_core.xml").exists():
        yield SkippedFile(str(path), "read together with the dublin_core.xml of its item")
        return
    extra = [] if path.name != "dublin_core.xml" else [
        value
        for sibling in sorted(path.parent.glob("metadata_*.xml"))
        for item in read_elements(sibling, ("dublin_core",), "dublin_core", _dspace_item, "DSpace metadata")
        if isinstance(item, SourceRecord)
        for value in item.dc
    ]
    for item in read_elements(path, ("dublin_core",), "dublin_core", _dspace_item, "DSpace dublin_core"):
        if isinstance(item, SourceRecord):
            item.dc.extend(extra)
        yield item


def _dspace_item(el: etree._Element, name: str, number: int) -> Item:
    _nfc_tree(el)
    schema = el.get("schema") or "dc"
    values = []
    for child in el:
        if child.tag != "dcvalue" or not child.get("element"):
            return ReadError(
                name, number, None, f"dublin_core: unexpected <{child.tag}> or dcvalue without element"
            )
        element = child.get("element")
        qualifier = child.get("qualifier")
        if qualifier and qualifier != "none":
            element = f"{element}.{qualifier}"
        if schema not in ("dc", "dcterms"):
            element = f"{schema}.{element}"  # dcterms refines dc; other schemas (local …) keep their name
        text = _text(child)
        if text:
            values.append(DCValue(element, text, lang_code(child.get("language"))))
    uri = next((v.value for v in values if v.element == "identifier.uri"), None)
    return SourceRecord(
        format="dc",
        file=name,
        number=number,
        id=uri or _item_name(Path(name)),
        dc=values,
        source=etree.tostring(el, encoding="utf-8", with_tail=False),
    )


def _item_name(path: Path) -> str:
    """An item is a folder: its name identifies it, failing all else (with the file's, if not the usual)."""
    folder = path.resolve().parent.name
    return folder if path.name in ("dublin_core.xml", "metadata_dcterms.xml") else f"{folder}/{path.stem}"


def _text(el: etree._Element | None) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def _nfc_tree(el: etree._Element) -> None:
    # text node by text node: NFC over serialised markup could fuse ">" with a combining mark
    for node in el.iter(tag=etree.Element):
        if node.text and not node.text.isascii():
            node.text = nfc(node.text)
        if node is not el and node.tail and not node.tail.isascii():
            node.tail = nfc(node.tail)
        for key, value in node.attrib.items():
            if not value.isascii():
                node.set(key, nfc(value))
