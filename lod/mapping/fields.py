"""A uniform view of what mapping rules read: MARC fields, the leader, and Dublin Core statements.

A Dublin Core statement is seen as a field whose tag is the element ("title", "contributor.author")
and whose one subfield `a` holds the value, so one rule engine serves both formats.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymarc import Record

from lod.records import DCValue


@dataclass(frozen=True)
class FieldView:
    tag: str
    ind1: str = " "
    ind2: str = " "
    data: str = ""  # control fields and the leader
    subfields: tuple[tuple[str, str], ...] = ()
    lang: str | None = None  # the statement's own language (Dublin Core xml:lang)

    @property
    def is_control(self) -> bool:
        return not self.subfields and (self.tag == "LDR" or self.tag < "010")

    def values(self, codes: str) -> list[str]:
        return [value for code, value in self.subfields if code in codes]

    def has(self, codes: str) -> bool:
        return any(code in codes for code, _ in self.subfields)

    def only(self, index: int) -> FieldView:
        """The same field reduced to one of its subfields (for rules that make one node per subfield)."""
        return FieldView(self.tag, self.ind1, self.ind2, "", (self.subfields[index],), self.lang)

    def text(self) -> str:
        """The field's content as one string: what a node's digest is computed from."""
        parts = [self.tag, self.ind1, self.ind2, self.data]
        parts.extend(f"${code}{value}" for code, value in self.subfields)
        return "".join(parts)


def marc_fields(record: Record) -> dict[str, list[FieldView]]:
    """The record's fields grouped by tag, the leader under "LDR"."""
    by_tag: dict[str, list[FieldView]] = {"LDR": [FieldView("LDR", data=str(record.leader))]}
    for field in record.fields:
        if field.is_control_field():
            view = FieldView(field.tag, data=field.data or "")
        else:
            subfields = tuple((sf.code, sf.value) for sf in field.subfields if sf.value is not None)
            view = FieldView(field.tag, field.indicator1 or " ", field.indicator2 or " ", "", subfields)
        by_tag.setdefault(field.tag, []).append(view)
    return by_tag


def dc_fields(values: list[DCValue]) -> dict[str, list[FieldView]]:
    """Dublin Core statements grouped by element; an element also answers to its unqualified name."""
    by_tag: dict[str, list[FieldView]] = {}
    for dc in values:
        view = FieldView(dc.element, subfields=(("a", dc.value),), lang=dc.lang)
        by_tag.setdefault(dc.element, []).append(view)
    return by_tag
