"""The OAI-PMH 2.0 provider: the six verbs over the record journal.

Every record the journal holds is an OAI item: its identifier is `oai:{host}:{ISIL}/{record id}`, its
datestamp the journal's (seconds), its set the library's ISIL. Deleted records stay, with their status
(deletedRecord: persistent). Formats: oai_dc for every record (a crosswalk from MARC, see lod/oai/dc.py),
marcxml for MARC records (the kept source record), and rdf: the record's named graph as RDF/XML.

Lists are paged by their last (datestamp, library, record id): a resumption token carries the request and
that position, so it never expires and a record changed during a harvest is listed again, later.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

from lxml import etree

from lod.dataset import library_descriptions
from lod.formats import GRAPH_FORMATS, by_name
from lod.journal import Entry
from lod.oai import dc, records
from lod.oai.records import Key, Selection
from lod.readers.marc import MARC_NS, SAFE_XML
from lod.rebase import Rebase
from lod.store import Store

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
PAGE_SIZE = 100
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
_IDENTIFIER = re.compile(r"oai:[^:]+:([^/]+)/(.+)")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str
    marc_only: bool = False


FORMATS = {
    f.prefix: f for f in (
        MetadataFormat("oai_dc", dc.OAI_DC_SCHEMA, dc.OAI_DC_NS),
        MetadataFormat("marcxml", "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", MARC_NS,
                       marc_only=True),
        MetadataFormat("rdf", "http://www.w3.org/2000/07/rdf.xsd", RDF_NS),
    )
}


@dataclass(frozen=True)
class Repository:
    """The provider's view of one served store."""

    store: Store
    rebase: Rebase  # the store's base and the served one: the base URL and the RDF payloads use the latter
    name: str
    admin_email: str
    page_size: int = PAGE_SIZE

    @property
    def base_url(self) -> str:
        return f"{self.rebase.served}oai"

    @property
    def host(self) -> str:
        return urlsplit(self.rebase.served).hostname or "localhost"


class OaiError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def identifier(repo: Repository, library: str, record_id: str) -> str:
    return f"oai:{repo.host}:{quote(library, safe='-._~:')}/{quote(record_id, safe='-._~:/@')}"


def parse_identifier(value: str) -> tuple[str, str] | None:
    """(library, record id) of an identifier we issued (under any host: a store may be served anywhere)."""
    match = _IDENTIFIER.fullmatch(value)
    return (unquote(match[1]), unquote(match[2])) if match else None


def respond(repo: Repository, args: list[tuple[str, str]]) -> bytes:
    """The response to one request, given its arguments (query string or form) in order."""
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
    etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = _now()
    request = etree.SubElement(root, f"{{{OAI_NS}}}request")
    request.text = repo.base_url
    try:
        verb, params = _arguments(args)
        for name, value in params.items():
            request.set(name, value)
        request.set("verb", verb)
        root.append(VERBS[verb][0](repo, params))
    except OaiError as error:
        if error.code in ("badVerb", "badArgument"):
            request.attrib.clear()  # the protocol echoes only requests that were well-formed
        element = etree.SubElement(root, f"{{{OAI_NS}}}error", code=error.code)
        element.text = error.message
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --- arguments -------------------------------------------------------------------------------------


def _arguments(args: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    params: dict[str, str] = {}
    for name, value in args:
        if _NOT_XML.search(name) or _NOT_XML.search(value):
            raise OaiError("badArgument", "an argument holds characters that XML cannot carry")
        if name in params:
            raise OaiError("badArgument", f"the argument {name} is repeated")
        params[name] = value
    verb = params.pop("verb", None)
    if verb not in VERBS:
        raise OaiError("badVerb", f"{verb!r} is not an OAI-PMH verb" if verb else "the verb argument is missing")
    _, required, optional = VERBS[verb]
    if "resumptionToken" in params and "resumptionToken" in optional:
        if len(params) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument")
        return verb, params
    unknown = sorted(set(params) - set(required) - set(optional) - {"resumptionToken"})
    if unknown or ("resumptionToken" in params and "resumptionToken" not in optional):
        raise OaiError("badArgument", f"{verb} takes no argument {', '.join(unknown) or 'resumptionToken'}")
    missing = [name for name in required if not params.get(name)]
    if missing:
        raise OaiError("badArgument", f"{verb} needs the argument {', '.join(missing)}")
    return verb, params


def _stamp(value: str, end: bool) -> tuple[str, str]:
    """A from/until argument as a journal datestamp (inclusive bound), and its granularity."""
    for pattern, granularity in (("%Y-%m-%d", "day"), ("%Y-%m-%dT%H:%M:%SZ", "seconds")):
        try:
            # the round trip refuses what strptime lets through ("2020-1-5"): stamps compare as text
            if datetime.strptime(value, pattern).strftime(pattern) != value:
                continue
        except ValueError:
            continue
        if granularity == "day":
            return value + ("T23:59:59Z" if end else "T00:00:00Z"), granularity
        return value, granularity
    raise OaiError("badArgument", f"{value!r} is not a date of the form YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _element(name: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.Element(f"{{{OAI_NS}}}{name}", **attributes)
    element.text = text
    return element


def _child(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{OAI_NS}}}{name}")
    element.text = text
    return element


# --- verbs -----------------------------------------------------------------------------------------


def _identify(repo: Repository, params: dict[str, str]) -> etree._Element:
    element = _element("Identify")
    for name, text in (("repositoryName", repo.name), ("baseURL", repo.base_url), ("protocolVersion", "2.0"),
                       ("adminEmail", repo.admin_email), ("earliestDatestamp", records.earliest(repo.store) or _now()),
                       ("deletedRecord", "persistent"), ("granularity", GRANULARITY)):
        _child(element, name, text)
    return element


def _list_metadata_formats(repo: Repository, params: dict[str, str]) -> etree._Element:
    offered = list(FORMATS.values())
    if "identifier" in params:
        entry = _entry(repo, params["identifier"])
        offered = [f for f in offered if _disseminates(f, entry)]
    element = _element("ListMetadataFormats")
    for f in offered:
        node = _child(element, "metadataFormat")
        _child(node, "metadataPrefix", f.prefix)
        _child(node, "schema", f.schema)
        _child(node, "metadataNamespace", f.namespace)
    return element


def _list_sets(repo: Repository, params: dict[str, str]) -> etree._Element:
    if "resumptionToken" in params:
        raise OaiError("badResumptionToken", "the list of sets is never split: this token was not issued here")
    libraries = [lib for lib in library_descriptions(repo.store) if SET_SPEC.fullmatch(lib["isil"])]
    if not libraries:
        raise OaiError("noSetHierarchy", "no library is registered yet")
    element = _element("ListSets")
    for library in libraries:
        node = _child(element, "set")
        _child(node, "setSpec", library["isil"])
        _child(node, "setName", library["name_vi"] or library["name_en"] or library["isil"])
        values = [("title", library[f"name_{lang}"], lang) for lang in ("vi", "en") if library[f"name_{lang}"]]
        values.append(("identifier", repo.rebase.to_served(library["uri"]), None))
        _child(node, "setDescription").append(dc.build(values))
    return element


def _get_record(repo: Repository, params: dict[str, str]) -> etree._Element:
    f = _format(params["metadataPrefix"])
    entry = _entry(repo, params["identifier"])
    if not _disseminates(f, entry):
        raise OaiError("cannotDisseminateFormat", f"{params['identifier']} is not available as {f.prefix}")
    element = _element("GetRecord")
    element.append(_record(repo, entry, f))
    return element


def _list_identifiers(repo: Repository, params: dict[str, str]) -> etree._Element:
    return _list(repo, params, "ListIdentifiers", lambda entry, f: _header(repo, entry))


def _list_records(repo: Repository, params: dict[str, str]) -> etree._Element:
    return _list(repo, params, "ListRecords", lambda entry, f: _record(repo, entry, f))


VERBS: dict[str, tuple[Callable, tuple[str, ...], tuple[str, ...]]] = {
    # verb: (handler, required arguments, optional arguments)
    "Identify": (_identify, (), ()),
    "ListMetadataFormats": (_list_metadata_formats, (), ("identifier",)),
    "ListSets": (_list_sets, (), ("resumptionToken",)),
    "GetRecord": (_get_record, ("identifier", "metadataPrefix"), ()),
    "ListIdentifiers": (_list_identifiers, ("metadataPrefix",), ("from", "until", "set", "resumptionToken")),
    "ListRecords": (_list_records, ("metadataPrefix",), ("from", "until", "set", "resumptionToken")),
}


# --- lists and their resumption tokens ---------------------------------------------------------------


@dataclass(frozen=True)
class _Position:
    """Where a list stands: the request it answers and the last record sent."""

    prefix: str
    since: str | None
    until: str | None
    set: str | None
    after: Key | None = None
    cursor: int = 0
    total: int = 0


def _list(repo: Repository, params: dict[str, str], name: str, item: Callable) -> etree._Element:
    position = _decode(params["resumptionToken"]) if "resumptionToken" in params else _first(repo, params)
    f = _format(position.prefix)
    selection = Selection(position.set, position.since, position.until, f.marc_only)
    entries = records.page(repo.store, selection, position.after, repo.page_size, sources=name == "ListRecords")
    if not entries:
        if position.after is not None:
            raise OaiError("badResumptionToken", "the list this token continues has no records left")
        raise OaiError("noRecordsMatch", "no records match these arguments")
    if position.after is None:
        position = replace(position, total=records.count(repo.store, selection))
    element = _element(name)
    for entry in entries:
        element.append(item(entry, f))
    last = entries[-1]
    following = _Position(position.prefix, position.since, position.until, position.set,
                          (last.datestamp, last.library, last.record_id), position.cursor + len(entries),
                          position.total)
    more = bool(records.page(repo.store, selection, following.after, 1, sources=False))
    if more or "resumptionToken" in params:  # the last page of a split list ends it with an empty token
        token = _child(element, "resumptionToken", _encode(following) if more else None)
        token.set("cursor", str(position.cursor))
        token.set("completeListSize", str(max(position.total, following.cursor)))
    return element


def _first(repo: Repository, params: dict[str, str]) -> _Position:
    _format(params["metadataPrefix"])
    since = until = None
    granularities = set()
    if "from" in params:
        since, granularity = _stamp(params["from"], end=False)
        granularities.add(granularity)
    if "until" in params:
        until, granularity = _stamp(params["until"], end=True)
        granularities.add(granularity)
    if len(granularities) > 1:
        raise OaiError("badArgument", "from and until must have the same granularity")
    if since and until and since > until:
        raise OaiError("badArgument", "from is later than until")
    return _Position(params["metadataPrefix"], since, until, params.get("set"))


def _encode(position: _Position) -> str:
    fields = [position.prefix, position.since, position.until, position.set, list(position.after or ()),
              position.cursor, position.total]
    return base64.urlsafe_b64encode(json.dumps(fields, ensure_ascii=False).encode("utf-8")).decode("ascii")


def _decode(token: str) -> _Position:
    try:
        prefix, since, until, set_spec, after, cursor, total = json.loads(base64.urlsafe_b64decode(token.encode()))
        if not (isinstance(after, list) and len(after) == 3 and all(isinstance(x, str) for x in after)):
            raise ValueError(after)
        if prefix not in FORMATS or not isinstance(cursor, int) or not isinstance(total, int):
            raise ValueError(prefix)
        return _Position(prefix, since, until, set_spec, tuple(after), cursor, total)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise OaiError("badResumptionToken", "this resumption token was not issued here, or is damaged") from None


# --- records -----------------------------------------------------------------------------------------


def _format(prefix: str) -> MetadataFormat:
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"{prefix!r} is not offered: use {', '.join(FORMATS)}")
    return FORMATS[prefix]


def _entry(repo: Repository, value: str) -> Entry:
    parsed = parse_identifier(value)
    entry = repo.store.journal.get(*parsed) if parsed else None
    if entry is None:
        raise OaiError("idDoesNotExist", f"{value} is not an identifier of this repository")
    return entry


def _disseminates(f: MetadataFormat, entry: Entry) -> bool:
    return not f.marc_only or entry.format == "marc" or (entry.deleted and entry.format == "")


def _header(repo: Repository, entry: Entry) -> etree._Element:
    header = _element("header", status="deleted") if entry.deleted else _element("header")
    _child(header, "identifier", identifier(repo, entry.library, entry.record_id))
    _child(header, "datestamp", entry.datestamp)
    if SET_SPEC.fullmatch(entry.library):
        _child(header, "setSpec", entry.library)
    return header


def _record(repo: Repository, entry: Entry, f: MetadataFormat) -> etree._Element:
    record = _element("record")
    record.append(_header(repo, entry))
    if not entry.deleted:
        _child(record, "metadata").append(_payload(repo, entry, f))
    return record


def _payload(repo: Repository, entry: Entry, f: MetadataFormat) -> etree._Element:
    if f.prefix == "marcxml":
        return etree.fromstring(entry.source, etree.XMLParser(**SAFE_XML))
    if f.prefix == "rdf":
        out = io.BytesIO()
        repo.store.dump(out, by_name("rdf", GRAPH_FORMATS).rdf, from_graph=entry.graph)
        return etree.fromstring(repo.rebase.body_to_served(out.getvalue()), etree.XMLParser(**SAFE_XML))
    uri = records.instance_uri(repo.rebase.served, entry.library, entry.record_id)
    return dc.oai_dc(entry.source or b"", entry.format, uri)
