"""MARC readers: ISO 2709 and MARCXML (and Aleph's OAI-MARC), streamed one record at a time.

Each record is parsed on its own; a record that cannot be read becomes a ReadError and the file goes on.
The XML streaming helpers here (safe parsing, salvage of files that are not well-formed) serve the
Dublin Core readers too.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

from lxml import etree
from pymarc import Field, Indicators, Leader, Record, Subfield
from pymarc.marcxml import record_to_xml_node

from lod.records import ReadError, SkippedFile, SourceRecord
from lod.text import needs_nfc, nfc

log = logging.getLogger(__name__)

Item = SourceRecord | ReadError | SkippedFile
Build = Callable[[etree._Element, int], Item]

MARC_NS = "http://www.loc.gov/MARC21/slim"
MARC_RECORD_TAGS = (f"{{{MARC_NS}}}record", "record")
OAI_MARC_TAGS = ("oai_marc", "{http://www.openarchives.org/OAI/1.1/oai_marc}oai_marc")

# No entities, no DTDs, no network, no huge trees: records come from outside.
SAFE_XML = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}

BLOCK = 1 << 20
END_OF_RECORD = b"\x1d"
FIELD_END = 0x1E
_PADDING = b" \t\r\n\x00\x1a"  # newlines between records, NUL or ^Z padding at the end of a file
_LEADER_NUMBERS = re.compile(rb"\d{5}.{7}\d{5}", re.S)
_NON_ASCII_CODE = re.compile(rb"\x1f[\x80-\xff]")
_MARC8_BAD_ESCAPE = re.compile(rb"\x1b(?![(,$)\-gbps])")
# pymarc's MARC-8 decoder reports unmappable characters on stderr and puts a space in their place;
# 0x20 is reported in non-Latin sets although a space is exactly right there.
_MARC8_LOSS = re.compile(r"^(?:Unable to parse character 0x(?!20 )|Multi-byte position).*$", re.M)
_MARC8_NOISE = re.compile(r"^(?:Unable to parse character|Multi-byte position).*\n?", re.M)
_STDERR_LOCK = threading.Lock()
_TAG = re.compile("[0-9A-Za-z]{3}")
_CONTROL = re.compile("[\x00-\x1f]+")
_XML_ILLEGAL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class RecordError(ValueError):
    """A record that cannot be read; the message says why."""


# ---------------------------------------------------------------------------------------------------------
# files


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for reading bytes, through gzip when it is compressed."""
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def _blocks(f: IO[bytes]) -> Iterator[bytes]:
    while block := f.read(BLOCK):
        yield block


# ---------------------------------------------------------------------------------------------------------
# ISO 2709


def read_iso2709(path: Path, deferred: bool = False) -> Iterator[Item | UnparsedRecord]:
    """Yield each ISO 2709 record of a file as a SourceRecord, or a ReadError when it cannot be read.

    deferred: yield each record's bytes unparsed instead, for a worker process to parse (`.parse()`).
    """
    name = str(path)
    with open_binary(path) as f:
        for number, chunk in enumerate(iso2709_chunks(_blocks(f)), 1):
            yield UnparsedRecord(chunk, name, number) if deferred else _iso2709_item(chunk, name, number)


@dataclass(frozen=True)
class UnparsedRecord:
    """An ISO 2709 record split from its file but not parsed yet: cheap to send to another process."""

    chunk: bytes
    file: str
    number: int

    def parse(self) -> Item:
        return _iso2709_item(self.chunk, self.file, self.number)


def iso2709_chunks(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """Split a stream of bytes into records at the record terminator, without reading it all at once."""
    rest = b""
    for block in blocks:
        parts = (rest + block).split(END_OF_RECORD)
        rest = parts.pop()
        for part in parts:
            part = part.lstrip(_PADDING)
            if part:
                yield part
    rest = rest.strip(_PADDING)
    if rest:
        yield rest


def _iso2709_item(chunk: bytes, name: str, number: int) -> Item:
    try:
        return marc_source_record(parse_iso2709(chunk, f"{name} record {number}"), name, number)
    except Exception as err:  # one record's failure, whatever pymarc raised, must not stop the file
        reason = str(err) if isinstance(err, RecordError) else f"{type(err).__name__}: {err}"
        return ReadError(name, number, raw_control_number(chunk), reason)


def parse_iso2709(chunk: bytes, where: str = "") -> Record:
    """Parse one ISO 2709 record (without its terminator) into a pymarc Record with NFC values."""
    _check_structure(chunk)
    utf8 = chunk[9:10] == b"a"
    if not utf8 and _mislabelled_utf8(chunk):
        log.warning("%s: leader/09 says MARC-8 but the record is valid UTF-8; read as UTF-8", where)
        utf8 = True
    data = chunk + END_OF_RECORD
    try:
        record = Record(data, force_utf8=True) if utf8 else _parse_marc8(data)
    except UnicodeDecodeError as err:
        if err.encoding == "ascii":
            raise RecordError(f"non-ASCII byte in the leader, directory or indicators: {err}") from err
        if utf8:
            raise RecordError(
                f"invalid UTF-8 (leader/09 = 'a'){_bad_utf8_field(data)}: {err.reason}"
            ) from err
        raise RecordError(f"MARC-8 cannot be decoded: {err}") from err
    if not chunk.isascii() and (not utf8 or needs_nfc(chunk.decode("utf-8"))):
        normalise(record)
    return record


def _check_structure(chunk: bytes) -> None:
    """Check leader numbers and that every directory entry ends on a field terminator.

    pymarc trusts the directory: when offsets are off (a record re-encoded without recounting lengths,
    two records run together) it silently returns shifted, wrong fields. Checking costs a few µs.
    """
    if len(chunk) < 25 or not _LEADER_NUMBERS.match(chunk):
        raise RecordError(f"bad leader: {chunk[:24]!r}")
    base = int(chunk[12:17])
    if not 24 < base <= len(chunk) or chunk[base - 1] != FIELD_END:
        raise RecordError(f"bad directory: base address {base} does not follow the directory")
    directory = chunk[24 : base - 1]
    if len(directory) % 12:
        raise RecordError("bad directory: its length is not a multiple of 12")
    size = len(chunk)
    for i in range(0, len(directory), 12):
        try:
            end = base + int(directory[i + 7 : i + 12]) + int(directory[i + 3 : i + 7]) - 1
        except ValueError:
            raise RecordError(f"bad directory entry {directory[i : i + 12]!r}") from None
        if end >= size or chunk[end] != FIELD_END:
            raise RecordError(f"bad directory: field {directory[i : i + 3]!r} does not end where it says")
    if _NON_ASCII_CODE.search(chunk, base):
        raise RecordError("bad subfield code: a subfield code is not ASCII (damaged text after a delimiter)")


def _mislabelled_utf8(chunk: bytes) -> bool:
    """True when a record flagged MARC-8 is valid multi-byte UTF-8 without MARC-8 escapes.

    Real MARC-8 text (a combining mark before an ASCII letter, ơ/ư alone) is almost never valid UTF-8.
    """
    if chunk.isascii() or b"\x1b" in chunk:
        return False
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parse_marc8(data: bytes) -> Record:
    if data.isascii() and b"\x1b" not in data:
        return Record(data)
    bad = _MARC8_BAD_ESCAPE.search(data)
    if bad:
        raise RecordError(
            f"MARC-8 cannot be decoded: invalid escape sequence {data[bad.start() : bad.start() + 3]!r}"
        )
    # pymarc writes unmappable characters to stderr and substitutes a space: catch that, never publish it.
    # stderr is process-wide, hence the lock; anything else caught meanwhile is written out again below.
    messages = io.StringIO()
    with _STDERR_LOCK, contextlib.redirect_stderr(messages):
        record = Record(data)
    text = messages.getvalue()
    lost = _MARC8_LOSS.findall(text)
    other = _MARC8_NOISE.sub("", text).strip()
    if other:
        sys.stderr.write(other + "\n")  # pymarc's other warnings are not ours to swallow
    if lost:
        raise RecordError(f"MARC-8 cannot be decoded: {len(lost)} unmappable character(s), first: {lost[0]}")
    return record


def _bad_utf8_field(data: bytes) -> str:
    """Name the first field whose bytes are not UTF-8, for the error message."""
    try:
        raw = Record(data, to_unicode=False)
    except Exception:  # the message is only a hint; the error is reported anyway
        return ""
    for field in raw.fields:
        values = [field.data] if field.control_field else [s.value for s in field.subfields]
        for value in values:
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                return f" in field {field.tag}"
    return ""


def raw_control_number(chunk: bytes) -> str | None:
    """The 001 of a record that could not be parsed, read from its directory when that is possible."""
    try:
        base = int(chunk[12:17])
        directory = chunk[24 : base - 1]
        for i in range(0, len(directory) - 11, 12):
            if directory[i : i + 3] == b"001":
                start = base + int(directory[i + 7 : i + 12])
                value = chunk[start : start + int(directory[i + 3 : i + 7]) - 1]
                return _CONTROL.sub(" ", value.decode("utf-8", "replace")).strip() or None
    except ValueError:
        return None
    return None


def normalise(record: Record) -> None:
    """NFC every control field, indicator and subfield value (pymarc leaves UTF-8 as it finds it)."""
    for field in record.fields:
        if field.control_field:
            field.data = nfc(field.data)
            continue
        first, second = field.indicators
        if not (first + second).isascii():
            field.indicators = Indicators(nfc(first), nfc(second))
        if not all(s.value.isascii() for s in field.subfields):
            field.subfields = [Subfield(s.code, nfc(s.value)) for s in field.subfields]


def marc_source_record(
    record: Record,
    name: str,
    number: int,
    *,
    id: str | None = None,
    datestamp: str | None = None,
    deleted: bool = False,
) -> SourceRecord:
    """Wrap a parsed record: id from 001 unless given, deleted from leader/05, source as MARCXML.

    Raises RecordError when a value holds a character XML cannot carry (a control character).
    """
    leader = str(record.leader)
    # 10-11 and 20-23 are constants in MARC 21 (pymarc writes them so too); 09: values are Unicode now
    record.leader = Leader(leader[:9] + "a22" + leader[12:20] + "4500")
    source = marcxml(record)
    if _XML_ILLEGAL.search(source):
        raise RecordError(_illegal_character(record))
    return SourceRecord(
        format="marc",
        file=name,
        number=number,
        id=id if id is not None else control_number(record),
        marc=record,
        deleted=deleted or _deleted(str(record.leader)),
        datestamp=datestamp,
        source=source,
    )


def marcxml(record: Record) -> bytes:
    """The record as MARCXML in UTF-8 (pymarc's own writer escapes every non-ASCII letter)."""
    return ElementTree.tostring(record_to_xml_node(record, namespace=True), encoding="unicode").encode("utf-8")


def _illegal_character(record: Record) -> str:
    for field in record.fields:
        values = [field.data] if field.control_field else [s.value for s in field.subfields]
        for value in values:
            bad = _XML_ILLEGAL.search(value.encode("utf-8"))
            if bad:
                return f"field {field.tag}: control character {bad.group()!r} cannot be written as XML"
    return "a control character that cannot be written as XML (leader or indicators)"


def _deleted(leader: str) -> bool:
    # authority records (leader/06 z) are also deleted as "split" (s) or "replaced" (x)
    return leader[5] == "d" or (leader[6] == "z" and leader[5] in "sx")


def control_number(record: Record) -> str | None:
    field = record.get("001")
    value = field.data.strip() if field is not None and field.data else ""
    return value or None


# ---------------------------------------------------------------------------------------------------------
# MARCXML and OAI-MARC


def read_marcxml(path: Path) -> Iterator[Item]:
    """Yield each MARCXML record of a file (collection, single record, SRU response …)."""
    yield from read_elements(path, MARC_RECORD_TAGS, "record", _marcxml_item, "MARCXML records")


def read_oai_marc(path: Path) -> Iterator[Item]:
    """Yield each record of an OAI-MARC file (Aleph's older XML: fixfield/varfield)."""
    yield from read_elements(path, OAI_MARC_TAGS, "oai_marc", _oai_marc_item, "OAI-MARC records")


def read_elements(
    path: Path, tags: tuple[str, ...], local: str, build: Callable, what: str
) -> Iterator[Item]:
    """Read every element named `tags` with `build(el, file, number)`; a file without any is skipped."""
    name = str(path)
    count = 0
    for item in read_xml(path, tags, local, lambda el, n: build(el, name, n)):
        count += 1
        yield item
    if count == 0:
        yield SkippedFile(name, f"XML without {what}")


def _marcxml_item(el: etree._Element, name: str, number: int) -> Item:
    try:
        return marc_source_record(record_from_xml(el), name, number)
    except RecordError as err:
        return ReadError(name, number, xml_control_number(el), str(err))


def _oai_marc_item(el: etree._Element, name: str, number: int) -> Item:
    try:
        return marc_source_record(record_from_oai_marc(el), name, number)
    except RecordError as err:
        return ReadError(name, number, None, str(err))


def record_from_xml(el: etree._Element) -> Record:
    """Build a pymarc Record from a MARCXML record element, strictly and with NFC values."""
    ns = etree.QName(el).namespace
    record = Record()
    leader = None
    for child in _elements(el, "record"):
        q = etree.QName(child)
        if q.namespace != ns:
            continue  # elements of other vocabularies are extensions, not MARC data
        if q.localname == "leader":
            leader = child.text
        elif q.localname == "controlfield":
            record.add_field(_control_field(child.get("tag"), child.text, len(child)))
        elif q.localname == "datafield":
            record.add_field(_data_field(child, ns))
        else:
            raise RecordError(f"unexpected element <{q.localname}> in a MARCXML record")
    return _finish(record, leader)


def _control_field(tag: str | None, text: str | None, children: int = 0) -> Field:
    tag = _check_tag(tag)
    if not (tag.isdigit() and tag < "010"):
        raise RecordError(f"controlfield {tag}: only 001-009 are control fields")
    if children:
        raise RecordError(f"controlfield {tag}: markup inside the value")
    return Field(tag=tag, data=nfc(text or ""))  # MARC21slim allows an empty control field


def _data_field(el: etree._Element, ns: str | None) -> Field:
    tag = _check_tag(el.get("tag"))
    subfields = []
    for child in _elements(el, f"datafield {tag}"):
        q = etree.QName(child)
        if q.namespace != ns:
            continue
        if q.localname != "subfield":
            raise RecordError(f"datafield {tag}: unexpected element <{q.localname}>")
        subfields.append(_subfield(tag, child.get("code"), child.text, len(child)))
    return Field(tag=tag, indicators=_indicators(tag, el.get("ind1"), el.get("ind2")), subfields=subfields)


def _subfield(tag: str, code: str | None, text: str | None, children: int = 0) -> Subfield:
    if not code or len(code) != 1 or not code.isascii() or not code.isprintable():
        raise RecordError(f"datafield {tag}: bad subfield code {code!r}")
    if children:
        raise RecordError(f"datafield {tag} ${code}: markup inside the value")
    return Subfield(code, nfc(text or ""))


def _indicators(tag: str, *values: str | None) -> Indicators:
    # a missing indicator is read as blank ("no information"), as pymarc does for ISO 2709
    checked = []
    for value in values:
        if value and len(value) > 1 and len(value.strip()) <= 1:
            value = value.strip()  # "0 ": whitespace around one character
        value = value or " "
        if len(value) != 1:
            raise RecordError(f"datafield {tag}: indicator {value!r} is not one character")
        checked.append(nfc(value))
    return Indicators(*checked)


def _check_tag(tag: str | None) -> str:
    if tag is not None and tag.isdigit() and len(tag) < 3:
        return tag.zfill(3)  # "42" can only be 042, as pymarc reads it
    if tag is None or not _TAG.fullmatch(tag):
        raise RecordError(f"bad tag {tag!r}")
    return tag


def _elements(el: etree._Element, where: str) -> Iterator[etree._Element]:
    for child in el:
        if not isinstance(child.tag, str):
            raise RecordError(f"entity reference in {where}")  # entities are never expanded
        yield child


def _finish(record: Record, leader: str | None) -> Record:
    if not record.fields:
        raise RecordError("record has no fields")
    if not leader:
        # no leader at all: keep pymarc's blank one ("no information"), as pymarc and LC's XSLT read it
        return record
    # Aleph and friends write blanks as ^; no leader position may hold ^, so this repair is certain
    leader = leader.strip("\r\n\t").replace("^", " ")
    if len(leader) != 24:
        raise RecordError(f"leader is {len(leader)} characters, not 24: {leader!r}")
    record.leader = Leader(leader)
    return record


def record_from_oai_marc(el: etree._Element) -> Record:
    """Build a pymarc Record from an OAI-MARC <oai_marc> element (fixfield / varfield / subfield label)."""
    record = Record()
    leader = None
    for child in _elements(el, "oai_marc"):
        local = etree.QName(child).localname
        if local == "fixfield" and child.get("id") == "LDR":
            leader = child.text
        elif local == "fixfield":
            record.add_field(_control_field(child.get("id"), child.text, len(child)))
        elif local == "varfield":
            record.add_field(_oai_marc_varfield(child))
        else:
            raise RecordError(f"unexpected element <{local}> in an OAI-MARC record")
    return _finish(record, leader)


def _oai_marc_varfield(el: etree._Element) -> Field:
    tag = _check_tag(el.get("id"))
    subfields = []
    for child in _elements(el, f"varfield {tag}"):
        if etree.QName(child).localname != "subfield":
            raise RecordError(f"varfield {tag}: unexpected element <{etree.QName(child).localname}>")
        subfields.append(_subfield(tag, child.get("label"), child.text, len(child)))
    return Field(tag=tag, indicators=_indicators(tag, el.get("i1"), el.get("i2")), subfields=subfields)


def xml_control_number(el: etree._Element) -> str | None:
    for child in el:
        if etree.QName(child).localname == "controlfield" and child.get("tag") == "001":
            return (child.text or "").strip() or None
    return None


# ---------------------------------------------------------------------------------------------------------
# streaming XML, and salvage when a file is not well-formed


def read_xml(path: Path, tags: tuple[str, ...], local: str, build: Build) -> Iterator[Item]:
    """Stream the elements named `tags` (any of them), building one item from each.

    If the file turns out not to be well-formed, the rest is salvaged: the bytes are split at the
    elements named `local` (any prefix) and each piece is parsed on its own, so a broken record costs
    only itself.
    """
    done = 0
    try:
        with open_binary(path) as f:
            for _, el in etree.iterparse(f, events=("end",), tag=tags, **SAFE_XML):
                done += 1
                yield build(el, done)
                _release(el)
    except etree.XMLSyntaxError as err:
        log.warning("%s is not well-formed XML (%s): reading it record by record", path, err)
        yield from _salvage(path, tags, local, done, err, build)


def _release(el: etree._Element) -> None:
    # keep memory flat: drop the record and everything before it
    el.clear(keep_tail=True)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def _salvage(
    path: Path, tags: tuple[str, ...], local: str, done: int, err: Exception, build: Build
) -> Iterator[Item]:
    prolog, declarations = _document_context(path)
    parser = etree.XMLParser(**SAFE_XML)
    found = 0
    with open_binary(path) as f:
        for number, piece in enumerate(split_elements(_blocks(f), local), 1):
            found = number
            if number <= done:
                continue
            try:
                wrapper = etree.fromstring(
                    prolog + b"<salvage" + declarations + b">" + piece + b"</salvage>", parser
                )
            except etree.XMLSyntaxError as bad:
                yield ReadError(str(path), number, _piece_id(piece), f"not well-formed XML: {bad}")
                continue
            el = next(wrapper.iter(*tags), None)
            if el is not None:
                yield build(el, number)
    if found == 0:
        yield SkippedFile(str(path), f"not well-formed XML and no records in it: {err}")


def split_elements(blocks: Iterable[bytes], local: str) -> Iterator[bytes]:
    """Cut a byte stream into the outermost elements whose local name is `local`, whatever their prefix.

    An element left open at the end (a truncated file) is yielded as it is, so that it is reported.
    """
    pattern = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?" + re.escape(local.encode()) + rb"(?=[\s/>])")
    buf = bytearray()
    depth = start = pos = 0
    for block in blocks:
        buf += block
        while (m := pattern.search(buf, pos)) is not None:
            close = buf.find(b">", m.end())
            if close < 0:
                break  # the tag is cut by the end of the block: wait for the next one
            pos = close + 1
            if m.group(1):
                if depth:
                    depth -= 1
                    if depth == 0:
                        yield bytes(buf[start:pos])
            elif buf[close - 1] != ord("/"):
                if depth == 0:
                    start = m.start()
                depth += 1
        # forget what lies behind; keep an open element, or a tag that may be cut at the end
        cut = start if depth else (m.start() if m is not None else max(pos, len(buf) - 256))
        del buf[:cut]
        pos = max(pos - cut, 0)
        start = max(start - cut, 0)
    if depth:
        yield bytes(buf[start:])


def _document_context(path: Path) -> tuple[bytes, bytes]:
    """The XML declaration (for the encoding) and the root's namespace declarations, to parse pieces."""
    with open_binary(path) as f:
        head = f.read(65536)
    decl = re.match(rb"\s*(<\?xml[^>]*\?>)", head)
    prolog = decl.group(1) if decl else b""
    declarations = "".join(
        f" xmlns:{prefix}={quoteattr(uri)}" if prefix else f" xmlns={quoteattr(uri)}"
        for prefix, uri in root_namespaces(path).items()
    )
    return prolog, declarations.encode()


def root_namespaces(path: Path) -> dict[str | None, str]:
    """The namespaces declared on the root element; none when even the root cannot be read."""
    try:
        with open_binary(path) as f:
            for _, el in etree.iterparse(f, events=("start",), **SAFE_XML):
                return dict(el.nsmap)
    except etree.XMLSyntaxError as err:
        log.warning("%s: root element unreadable (%s)", path, err)
    return {}


_PIECE_ID = (
    re.compile(rb"<(?:[\w.-]+:)?controlfield[^>]*tag=[\"']001[\"'][^>]*>\s*([^<]+?)\s*<"),
    re.compile(rb"<(?:[\w.-]+:)?fixfield[^>]*id=[\"']001[\"'][^>]*>\s*([^<]+?)\s*<"),
    re.compile(rb"<(?:[\w.-]+:)?identifier>\s*([^<]+?)\s*<"),
)


def _piece_id(piece: bytes) -> str | None:
    for pattern in _PIECE_ID:
        m = pattern.search(piece)
        if m:
            return m.group(1).decode("utf-8", "replace")
    return None
