"""A uniform view of what mapping rules read: MARC fields, the leader, and Dublin Core statements.

A Dublin Core statement is seen as a field whose tag is the element ("title", "contributor.author")
and whose one subfield `a` holds the value, so one rule engine serves both formats.

An 880 field (the same data in another script) is seen under the tag it pairs with ("880 $6 245-01"
is read by the rules for 245), tagged with its language and script; it and its partner share a `key`,
so that both land on the same title, contribution or note, as alternates of one another.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from pymarc import Record

from lod.mapping.codes import code_list
from lod.records import DCValue
from lod.text import nfc

_LINK = re.compile(r"^(\d{3})-(\d{2})(?:/([^/]*))?")


@dataclass(frozen=True, slots=True)
class FieldView:
    tag: str
    ind1: str = " "
    ind2: str = " "
    data: str = ""  # control fields and the leader
    subfields: tuple[tuple[str, str], ...] = ()
    lang: str | None = None  # the text's own language: Dublin Core xml:lang, an 880's language and script
    script: str | None = None  # set on 880 fields only: their values are tagged even where others are not
    key: str | None = None  # identity shared by a field and its 880 partner (the field's own content)
    partner: FieldView | None = None  # for an 880, the field it pairs with: entities take their keys from it
    source: str = ""  # the tag as it stood in the record ("880"), when it differs from `tag`

    @property
    def is_control(self) -> bool:
        return not self.subfields and (self.tag == "LDR" or self.tag < "010")

    def values(self, codes: str) -> list[str]:
        return [value for code, value in self.subfields if code in codes]

    def has(self, codes: str) -> bool:
        """True when the field has one of these subfields with something in it (an empty one is absent)."""
        return any(code in codes and value.strip() for code, value in self.subfields)

    def only(self, index: int) -> FieldView:
        """The same field reduced to one of its subfields (for rules that make one node per subfield)."""
        code = self.subfields[index][0]
        key = None
        if self.key:
            nth = sum(1 for c, _ in self.subfields[:index] if c == code)
            key = f"{self.key}/{code}{nth}"
        partner = self.partner.only_like(code, index, self.subfields) if self.partner else None
        return FieldView(self.tag, self.ind1, self.ind2, "", (self.subfields[index],), self.lang, self.script, key,
                         partner, self.source)

    def only_like(self, code: str, index: int, other: tuple[tuple[str, str], ...]) -> FieldView | None:
        """The subfield of this field that stands where `other[index]` stands in its partner."""
        nth = sum(1 for c, _ in other[:index] if c == code)
        mine = [i for i, (c, _) in enumerate(self.subfields) if c == code]
        return self.only(mine[nth]) if nth < len(mine) else None

    def text(self) -> str:
        """The field's content as one string: what a node's digest is computed from."""
        if self.key:
            return self.key
        parts = [self.tag, self.ind1, self.ind2, self.data]
        parts.extend(f"${code}{value}" for code, value in self.subfields)
        return "".join(parts)


def marc_fields(record: Record, text_lang: str | None = None) -> dict[str, list[FieldView]]:
    """The record's fields grouped by tag, the leader under "LDR", 880s under the tag they pair with."""
    by_tag: dict[str, list[FieldView]] = {"LDR": [FieldView("LDR", data=str(record.leader))]}
    parallel: list[tuple[FieldView, str, str, str]] = []
    for field in record.fields:
        if field.is_control_field():
            view = FieldView(field.tag, data=_nfc(field.data or ""))
        else:
            subfields = tuple((sf.code, _nfc(sf.value)) for sf in field.subfields if sf.value is not None)
            view = FieldView(field.tag, field.indicator1 or " ", field.indicator2 or " ", "", subfields)
            if field.tag == "880" and (link := _LINK.match(_first_value(subfields, "6"))):
                parallel.append((view, link.group(1), link.group(2), link.group(3) or ""))
                continue
        by_tag.setdefault(field.tag, []).append(view)
    for view, tag, occurrence, script_code in parallel:
        _pair(by_tag, view, tag, occurrence, script_code, text_lang)
    return by_tag


def _pair(by_tag, view: FieldView, tag: str, occurrence: str, script_code: str, text_lang: str | None) -> None:
    script = script_tag(script_code, view)
    if script == "Hani":
        script = code_list("cjk-scripts").get(text_lang or "", script)
    # in lower case, as the store keeps language tags: a dump reloads to the very same quads
    lang = f"{text_lang or 'und'}-{script}".lower() if script else text_lang
    views = by_tag.setdefault(tag, [])
    partner_index = None
    if occurrence != "00":
        wanted = f"880-{occurrence}"
        partner_index = next(
            (i for i, v in enumerate(views) if not v.source and _first_value(v.subfields, "6")[:6] == wanted), None
        )
    key = partner = None
    if partner_index is not None:
        partner = views[partner_index]
        # the record's own field names both: parts made from them are shared, and differ across records
        key = partner.text()
        romanised = f"{text_lang}-latn" if text_lang and script and script != "Latn" else None
        views[partner_index] = partner = replace(partner, key=key, lang=romanised or partner.lang)
    views.append(replace(view, tag=tag, lang=lang, script=lang, key=key, partner=partner, source="880"))


def script_tag(code: str, view: FieldView) -> str | None:
    """ISO 15924 script of an 880: from its $6 script code, else from its first letter."""
    scripts = code_list("scripts")
    if code and code in scripts:
        found = scripts[code]
    else:
        found = next((_letter_script(ch) for _, v in view.subfields for ch in v if ch.isalpha()), None)
    return found or None


def _letter_script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    for prefix, script in code_list("script-names").items():
        if name.startswith(prefix):
            return script
    return None


def _first_value(subfields: tuple[tuple[str, str], ...], code: str) -> str:
    return next((v for c, v in subfields if c == code), "")


def _nfc(value: str) -> str:
    # readers normalise already; records built elsewhere (tests, other tools) may not have been
    return value if value.isascii() else nfc(value)


def dc_fields(values: list[DCValue], aliases: dict[str, str] | None = None) -> dict[str, list[FieldView]]:
    """Dublin Core statements grouped by element; `aliases` gives other names of the same element."""
    by_tag: dict[str, list[FieldView]] = {}
    for dc in values:
        element = (aliases or {}).get(dc.element.lower(), dc.element)
        view = FieldView(element, subfields=(("a", _nfc(dc.value)),), lang=dc.lang)
        by_tag.setdefault(element, []).append(view)
    return by_tag
