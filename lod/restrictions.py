"""Which records must never be published: rules as data in mappings/restrictions.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import yaml

from lod.mapping.codes import MAPPINGS
from lod.records import SourceRecord


@dataclass(frozen=True)
class Rule:
    marc: str | None
    dc: str | None
    ind1: str | None
    ind2: str | None
    subfield: str | None
    matches: re.Pattern | None
    why: str

    def holds(self, record: SourceRecord) -> bool:
        if self.marc and record.marc is not None:
            return any(self._field_holds(f) for f in record.marc.get_fields(self.marc))
        if self.dc:
            return any(v.element == self.dc and self._text_holds(v.value) for v in record.dc)
        return False

    def _field_holds(self, field) -> bool:
        if self.ind1 is not None and field.indicator1 != self.ind1:
            return False
        if self.ind2 is not None and field.indicator2 != self.ind2:
            return False
        if self.matches is None:
            return True
        texts = [sf.value for sf in field.subfields if not self.subfield or sf.code in self.subfield]
        return any(self._text_holds(text) for text in texts)

    def _text_holds(self, text: str) -> bool:
        return self.matches is None or bool(self.matches.search(text))


def _rule(entry: dict) -> Rule:
    unknown = set(entry) - {"marc", "dc", "ind1", "ind2", "subfield", "matches", "why"}
    if unknown or not (entry.get("marc") or entry.get("dc")) or not entry.get("why"):
        raise ValueError(f"restrictions.yaml: a rule needs marc or dc, and why (unknown keys: {sorted(unknown)})")
    pattern = re.compile(entry["matches"], re.IGNORECASE) if entry.get("matches") else None
    return Rule(entry.get("marc"), entry.get("dc"), entry.get("ind1"), entry.get("ind2"), entry.get("subfield"),
                pattern, entry["why"])


@cache
def _rules() -> dict[str, tuple[Rule, ...]]:
    with open(MAPPINGS / "restrictions.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    return {key: tuple(_rule(entry) for entry in entries or []) for key, entries in data.items()}


def restriction(record: SourceRecord, isil: str) -> str | None:
    """Why the record must not be published, or None when it may be."""
    rules = _rules()
    for rule in (*rules.get("all", ()), *rules.get(isil, ())):
        if rule.holds(record):
            return rule.why
    return None
