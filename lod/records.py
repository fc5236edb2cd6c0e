"""What readers yield: source records, read errors and skipped files."""

from __future__ import annotations

from dataclasses import dataclass, field

from pymarc import Record


@dataclass(frozen=True)
class DCValue:
    """One Dublin Core statement: element (with DSpace qualifier, e.g. "contributor.author"), text, language."""

    element: str
    value: str
    lang: str | None = None


@dataclass
class SourceRecord:
    """One catalogue record as read, before conversion.

    `source` keeps the record's own XML (MARCXML for MARC, the DC/OAI metadata for Dublin Core)
    so that it can be republished unchanged (OAI-PMH marcxml, oai_dc).
    """

    format: str  # "marc" or "dc"
    file: str
    number: int  # 1-based position of the record in its file
    id: str | None
    marc: Record | None = None
    dc: list[DCValue] = field(default_factory=list)
    deleted: bool = False
    datestamp: str | None = None
    source: bytes = b""


@dataclass(frozen=True)
class ReadError:
    """A record that could not be read; reading goes on with the next one."""

    file: str
    record: int
    id: str | None
    reason: str

    def as_dict(self) -> dict:
        return {"file": self.file, "record": self.record, "id": self.id, "reason": self.reason}


@dataclass(frozen=True)
class SkippedFile:
    """A file under a folder that holds no records we read (schema, manifest, .mrk text …)."""

    file: str
    reason: str
