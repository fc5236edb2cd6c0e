"""Mapping coverage: which MARC fields and subfields of a set of records turn into statements.

Each record is converted as ingest converts it, while the mapping engine says, field by field, which
rules said something and which subfields those rules read. A field occurrence "produces triples" when
some rule made a statement from it; a subfield occurrence does when such a rule reads its code.
What is left unmapped on purpose is listed, with the reason, in mappings/unmapped.yaml.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from lod.convert import ConversionError, Converter
from lod.mapping.codes import MAPPINGS
from lod.mapping.fields import FieldView
from lod.readers import read_path
from lod.records import ReadError, SourceRecord
from lod.uris import Minter

REASONS = ("local", "obsolete", "dropped", "structural")


@dataclass
class Coverage:
    records: int = 0
    failed: int = 0
    fields: Counter = field(default_factory=Counter)  # tag → occurrences
    mapped_fields: Counter = field(default_factory=Counter)  # tag → occurrences that produced triples
    subfields: Counter = field(default_factory=Counter)  # "245$a" → occurrences
    mapped_subfields: Counter = field(default_factory=Counter)
    triples: int = 0
    notes: list[str] = field(default_factory=list)  # legacy encodings repaired or suspected

    def observe(self, view: FieldView, used: set[str] | None) -> None:
        if view.is_control or view.tag.startswith("@"):
            return
        tag = view.source or view.tag
        self.fields[tag] += 1
        if used:
            self.mapped_fields[tag] += 1
        for code, _ in view.subfields:
            key = f"{view.tag}${code}"
            self.subfields[key] += 1
            if used and code in used:
                self.mapped_subfields[key] += 1

    def data_fields(self) -> tuple[int, int]:
        """(occurrences, occurrences that produced triples) of the data fields 010–899."""
        tags = [t for t in self.fields if t.isdigit() and "010" <= t <= "899"]
        return sum(self.fields[t] for t in tags), sum(self.mapped_fields[t] for t in tags)

    def share(self) -> float:
        total, mapped = self.data_fields()
        return mapped / total if total else 1.0

    def unmapped(self) -> dict[str, int]:
        """Data fields (010–899) and subfields that occurred and never produced triples, with counts."""
        tags = {t: n for t, n in self.fields.items() if not self.mapped_fields[t] and _bibliographic(t)}
        codes = {
            key: n
            for key, n in self.subfields.items()
            if not self.mapped_subfields[key] and _bibliographic(key[:3]) and self.mapped_fields[key[:3]]
        }
        return dict(sorted({**tags, **codes}.items()))

    def as_dict(self) -> dict:
        total, mapped = self.data_fields()
        listed = unmapped_list()
        return {
            "records": self.records,
            "failed": self.failed,
            "triples": self.triples,
            "triples_per_record": round(self.triples / self.records, 1) if self.records else 0,
            "data_field_occurrences": total,
            "data_field_occurrences_mapped": mapped,
            "share_mapped": round(self.share(), 4),
            "fields": {t: {"occurrences": n, "mapped": self.mapped_fields[t]} for t, n in sorted(self.fields.items())},
            "subfields": {k: {"occurrences": n, "mapped": self.mapped_subfields[k]}
                          for k, n in sorted(self.subfields.items())},
            "unmapped": {k: {"occurrences": n, "reason": reason_for(k, listed)} for k, n in self.unmapped().items()},
            "notes": self.notes,
        }


def _bibliographic(tag: str) -> bool:
    return tag.isdigit() and "010" <= tag <= "899"


def measure(paths: Iterable[str | Path], base: str = "http://127.0.0.1:8000/", isil: str = "VN-COVERAGE") -> Coverage:
    """Convert every MARC record under `paths` and count what its fields produced."""
    coverage = Coverage()
    converter = Converter(Minter(base), isil)
    for path in paths:
        for item in read_path(path):
            if isinstance(item, ReadError):
                coverage.failed += 1
            if not isinstance(item, SourceRecord) or item.deleted or item.format != "marc":
                continue
            try:
                conversion = converter.convert(item, coverage.observe)
            except ConversionError:
                coverage.failed += 1
                continue
            coverage.records += 1
            coverage.triples += len(conversion.triples)
            coverage.notes.extend(f"{item.file} #{item.number}: {note}" for note in conversion.notes)
    return coverage


@cache
def unmapped_list() -> dict[str, dict]:
    """mappings/unmapped.yaml: tag or tag$code (or *$code for every tag) → {why, note}."""
    with open(MAPPINGS / "unmapped.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    return {str(k): v for k, v in data.items()}


def reason_for(key: str, listed: dict[str, dict] | None = None) -> dict | None:
    """Why a tag ("029") or subfield ("245$6") is left unmapped, if mappings/unmapped.yaml says."""
    listed = unmapped_list() if listed is None else listed
    tag, _, code = key.partition("$")
    for candidate in (key, f"*${code}" if code else None, f"{tag[0]}XX${code}" if code else None,
                      tag if code else None):
        if candidate and candidate in listed:
            return listed[candidate]
    return None


def render(coverage: Coverage, title: str = "") -> str:
    """A plain-text report: the headline figure, then every field, then what is unmapped and why."""
    total, mapped = coverage.data_fields()
    lines = [
        f"{title}{coverage.records} records ({coverage.failed} not converted), {coverage.triples} triples "
        f"({coverage.triples / max(coverage.records, 1):.1f} per record)",
        f"data fields 010-899: {mapped} of {total} occurrences produced triples ({coverage.share():.1%})",
        "",
        "tag   occurrences  produced triples",
    ]
    for tag, n in sorted(coverage.fields.items()):
        lines.append(f"{tag}   {n:>11}  {coverage.mapped_fields[tag]:>6} ({coverage.mapped_fields[tag] / n:.0%})")
    unmapped = coverage.unmapped()
    if unmapped:
        lines += ["", "unmapped (never produced triples):"]
        listed = unmapped_list()
        for key, n in unmapped.items():
            reason = reason_for(key, listed)
            why = f"{reason['why']}: {reason.get('note', '')}" if reason else "NOT LISTED in mappings/unmapped.yaml"
            lines.append(f"  {key:<8} {n:>6}  {why}")
    if coverage.notes:
        lines += ["", "legacy encodings:"] + [f"  {note}" for note in coverage.notes]
    return "\n".join(lines)
