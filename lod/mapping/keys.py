"""Named key functions: how an entity's URI key is made from the field that names it."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import yaml

from lod.mapping.codes import MAPPINGS, code_list
from lod.mapping.fields import FieldView
from lod.mapping.functions import CLEAN, authority, isbd, isbn, issn, join_heading, name
from lod.uris import digest, heading_key, normal_heading, slug


def pick(value, tag: str):
    """A mapping value that may differ by tag: a dict keyed by the tag's last two digits (or by the
    whole tag, or "default"), or a plain value that holds for every tag."""
    if isinstance(value, dict):
        return value.get(tag, value.get(tag[1:], value.get("default")))
    return value


def authority_key(field: FieldView) -> str | None:
    """The key of the first authority identifier in $0/$1 that mappings/authorities.yaml knows."""
    for value in field.values("10"):
        found = authority(value)
        if found:
            return found[1]
    return None


def subject_scheme(field: FieldView) -> str | None:
    """The subject scheme a 6XX field says it follows: its second indicator, or $2 when that is 7."""
    if field.ind2 == "7":
        source = field.values("2")
        return slug(source[0]) or None if source else None
    return code_list("subject-schemes").get(field.ind2)


def heading(field: FieldView, entity: dict, context) -> str | None:
    found = authority_key(field)
    if found:
        return found
    text = name(" ".join(field.values(pick(entity["heading"], field.tag) or "")))
    return heading_key(text) if text else None


def subject(field: FieldView, entity: dict, context) -> str | None:
    found = authority_key(field)
    if found:
        return found
    codes = pick(entity["heading"], field.tag) or ""
    text = join_heading([(c, v) for c, v in field.subfields if c in codes])
    if not text:
        return None
    scheme = subject_scheme(field) or ("keyword" if field.tag == "653" else "local")
    return f"{scheme}-{heading_key(text)}"


def link(field: FieldView, entity: dict, context) -> str | None:
    """A resource a linking field names: by the identifiers it gives (`identifiers`: subfield → kind,
    tried in order; a kind is a clean-up such as issn or isbn, or `record` for a control number such as
    "(OCoLC)12345"), else by its heading, as `heading` keys it."""
    for code, kind in (entity.get("identifiers") or {}).items():
        for value in field.values(str(code)):
            found = slug(value) if kind == "record" else CLEAN[kind](value)
            if found:
                return f"{'rec' if kind == 'record' else kind}-{slug(found, 40)}"
    return heading(field, entity, context)


def item(field: FieldView, entity: dict, context) -> str | None:
    return f"{context.instance_key}-{digest(field.text(), 8)}"


def manifestation(field: FieldView, entity: dict, context) -> str | None:
    """The key of every instance sharing an ISBN (as ISBN-13) or an ISSN: the union catalogue's cluster."""
    for value in field.values("a"):
        if number := isbn(value):
            return f"isbn-{_isbn13(number)}"
        if field.tag in ("022", "identifier.issn") and (number := issn(value)):
            return f"issn-{number}"
    return None


def _isbn13(number: str) -> str:
    if len(number) == 13:
        return number
    stem = "978" + number[:9]
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(stem)) % 10) % 10
    return stem + str(check)


KEYS: dict[str, Callable[[FieldView, dict, object], str | None]] = {
    "manifestation": manifestation,
    "heading": heading,
    "subject": subject,
    "item": item,
    "link": link,
}


@cache
def generic_titles() -> frozenset[str]:
    """Titles too generic to identify a work ("Báo cáo", "Tuyển tập" …): never merged on."""
    with open(MAPPINGS / "generic-titles.yaml", encoding="utf-8") as f:
        return frozenset(normal_heading(t) for t in yaml.safe_load(f))


def work_key(title: str | None, agent_key: str | None, instance_key: str) -> str:
    """The key of a record's work: its title with its first agent, so that two libraries' records of
    the same work meet. Without an agent, or with a generic title, the work stays the record's own."""
    title = normal_heading(isbd(title or ""))
    if not title or not agent_key or title in generic_titles():
        return "r-" + instance_key
    return heading_key(f"{title} / {agent_key}")
