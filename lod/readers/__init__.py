"""Record readers: ISO 2709, MARCXML, OAI-PMH and Dublin Core, streamed, one bad record never stops a file.

`read_path` takes a file or a folder and yields, in file order, a SourceRecord for every record read, a
ReadError for every record that could not be read, and a SkippedFile for every file that holds no records
in a format we read (with the reason).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

from lod.readers import dc, marc
from lod.readers.marc import SAFE_XML, Item, open_binary
from lod.records import SkippedFile

FORMATS = ("auto", "marc", "marcxml", "dc")

_READERS: dict[str, Callable[[Path], Iterator[Item]]] = {
    "iso2709": marc.read_iso2709,
    "marcxml": marc.read_marcxml,
    "oai_marc": marc.read_oai_marc,
    "oai": dc.read_oai,
    "oai_dc": dc.read_oai_dc,
    "dspace": dc.read_dspace,
}
# which kinds each explicit format accepts (OAI-PMH carries either family)
_ACCEPTS = {
    "marc": {"iso2709"},
    "marcxml": {"marcxml", "oai_marc", "oai"},
    "dc": {"oai", "oai_dc", "dspace"},
}
_XML_ROOTS = {
    f"{{{marc.MARC_NS}}}collection": "marcxml",
    f"{{{marc.MARC_NS}}}record": "marcxml",
    "collection": "marcxml",
    "record": "marcxml",
    # SRU responses carry MARCXML records inside
    "{http://www.loc.gov/zing/srw/}searchRetrieveResponse": "marcxml",
    "{http://docs.oasis-open.org/ns/search-ws/sruResponse}searchRetrieveResponse": "marcxml",
    **dict.fromkeys(marc.OAI_MARC_TAGS, "oai_marc"),
    f"{{{dc.OAI_NS}}}OAI-PMH": "oai",
    dc.OAI_DC: "oai_dc",
    "dublin_core": "dspace",
}
_HEAD = 65536
# five digits of record length, seven leader bytes, five digits of base address
_ISO2709_START = re.compile(rb"[\r\n]*\d{5}[\x20-\x7e]{7}\d{5}")


def read_path(path: str | Path, format: str = "auto", deferred: bool = False) -> Iterator[Item]:
    """Read every record under PATH (a file, or a folder walked in sorted order, hidden files skipped).

    format: "auto" recognises each file by its content; "marc", "marcxml" or "dc" accept only that
    family (a file that cannot be recognised is then read as ISO 2709 when "marc" is asked).
    deferred: ISO 2709 records come as UnparsedRecord, to be parsed where they are converted.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    root = Path(path)
    if root.is_dir():
        for file in _walk(root):
            yield from read_file(file, format, deferred)
    elif root.exists():
        yield from read_file(root, format, deferred)
    else:
        raise FileNotFoundError(f"no such file or folder: {root}")


def read_file(path: Path, format: str = "auto", deferred: bool = False) -> Iterator[Item]:
    """Read one file: its records and read errors, or one SkippedFile saying why it holds none."""
    kind, reason = sniff(path)
    if format == "marc" and kind == "unknown":
        kind = "iso2709"  # a broken ISO 2709 file is not recognisable; asked for, it is read and reported
    if format != "auto" and kind in _READERS and kind not in _ACCEPTS[format]:
        yield SkippedFile(str(path), f"{kind} content, but format {format!r} was asked for")
    elif kind == "iso2709":
        yield from marc.read_iso2709(path, deferred)
    elif kind in _READERS:
        yield from _READERS[kind](path)
    else:
        yield SkippedFile(str(path), reason)


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder, name)


def sniff(path: Path) -> tuple[str, str]:
    """(kind, reason): kind is a reader's name, "other" (known not to hold records) or "unknown"."""
    with open_binary(path) as f:
        head = f.read(_HEAD)
    if not head:
        return "other", "empty file"
    if _ISO2709_START.match(head) and b"\x1e" in head:
        return "iso2709", ""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if re.match(rb"<[a-z][\w+.-]*:[^>\s]*>\s", text):
        return "other", "RDF (N-Triples or Turtle): not records"
    if text.startswith(b"<"):
        return _sniff_xml(path)
    return _describe(text)


def _sniff_xml(path: Path) -> tuple[str, str]:
    try:
        with open_binary(path) as f:
            _, root = next(etree.iterparse(f, events=("start",), **SAFE_XML))
    except (etree.XMLSyntaxError, StopIteration) as err:
        return "other", f"XML whose root element cannot be read: {err}"
    kind = _XML_ROOTS.get(root.tag)
    if kind:
        return kind, ""
    if root.tag == "{http://www.w3.org/2001/XMLSchema}schema":
        return "other", "XML Schema, not records"
    if etree.QName(root).localname == "metadata" and "xoai" in (etree.QName(root).namespace or ""):
        return "other", "DSpace XOAI item metadata: not read (DSpace is read as dublin_core.xml or oai_dc)"
    return "other", f"XML with root element {root.tag}: holds no records we read"


def _describe(text: bytes) -> tuple[str, str]:
    """Say what a file that is neither ISO 2709 nor XML seems to be."""
    if text[:1] in (b"{", b"["):
        return "other", "JSON (MARC-in-JSON and other JSON are not read)"
    if text.startswith((b"=LDR", b"=000")):
        return "other", "MARC mnemonic text (.mrk): not read"
    if re.match(rb"(LDR|000) ", text):
        return "other", "MARC line text (Aleph sequential or similar): not read"
    if text.startswith(b"---") or re.match(rb"[A-Za-z_][\w-]*:(\s|$)", text):
        return "other", "YAML (HTTP recordings and other YAML are not read)"
    if b"\x00" in text or not _mostly_text(text):
        return "unknown", "neither UTF-8 text nor a record format we read"
    return "unknown", "text that is not a record format we read"


def _mostly_text(text: bytes) -> bool:
    try:
        text[:4096].decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start >= 4090  # a character cut at the end of the sample is still text
    return True
