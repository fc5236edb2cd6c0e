"""Code lists from mappings/codes, and the lists derived from them.

A code list maps a code to a value. An entry may also be a mapping with `to` (the value, the code
itself when absent) and labels `en` and `vi`, which rules can publish with the value (`describe`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from lod.text import nfc

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
# libyaml's loader when PyYAML has it: the mapping files are read at every start
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Lists computed from other lists rather than read from a file of their own.
DERIVED = ("relators", "relator-terms", "relator-schema", "relator-terms-schema", "relator-schema-role",
           "relator-terms-schema-role", "languages", "language-tags")


@cache
def _read(name: str) -> dict:
    with open(MAPPINGS / "codes" / f"{name}.yaml", encoding="utf-8") as f:
        return {str(k): v for k, v in (yaml.load(f, Loader=LOADER) or {}).items()}


def _load(name: str) -> dict:
    """A list's entries, without its `@labels` line (the list whose labels its values have)."""
    return {k: v for k, v in _read(name).items() if not k.startswith("@")}


def exists(name: str) -> bool:
    base = name[:-6] if name.endswith("-terms") else name
    return name in DERIVED or (MAPPINGS / "codes" / f"{base}.yaml").is_file()


@cache
def code_list(name: str) -> dict[str, str]:
    """A code list as a plain mapping from code to value."""
    if name == "relators":
        return {code: code for code in _load("relators")}
    if name == "relator-terms":
        return _relator_terms()
    if name == "relator-schema":
        return {code: entry["schema"] for code, entry in _load("relators").items()}
    if name == "relator-terms-schema":
        schema = code_list("relator-schema")
        return {term: schema[code] for term, code in _relator_terms().items()}
    if name == "languages":
        return {code: code for code in _load("marc-languages")}
    if name == "language-tags":
        return {code: tag for code, tag in _load("marc-languages").items() if tag}
    if name == "relator-schema-role":
        return {code: "contributor" for code, entry in _load("relators").items() if entry["schema"] == "contributor"}
    if name == "relator-terms-schema-role":
        roles = code_list("relator-schema-role")
        return {term: roles[code] for term, code in _relator_terms().items() if code in roles}
    if name.endswith("-terms") and (MAPPINGS / "codes" / f"{name[:-6]}.yaml").is_file():
        return _terms(name[:-6])
    return {k: str(v.get("to", k)) if isinstance(v, dict) else str(v) for k, v in _load(name).items()}


def _terms(name: str) -> dict[str, str]:
    """A list turned round: each label (English, Vietnamese) and `also` term, in lower case → the value."""
    terms: dict[str, str] = {}
    for code, entry in _load(name).items():
        if isinstance(entry, dict):
            value = str(entry.get("to", code))
            names = [entry.get("en"), *_as_list(entry.get("vi")), *_as_list(entry.get("also"))]
            for term in filter(None, names):
                terms.setdefault(nfc(str(term)).lower(), value)
    return terms


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value] if value else []


@cache
def code_labels(name: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """The labels of a list's values: value → ((text, language), …)."""
    source = "relators" if name.startswith("relator") else name
    if source == name and name.endswith("-terms") and not (MAPPINGS / "codes" / f"{name}.yaml").is_file():
        source = name.removesuffix("-terms")
    if source in DERIVED and source != "relators":
        return {}
    if "@labels" in _read(source):
        return code_labels(_read(source)["@labels"])
    labels: dict[str, tuple[tuple[str, str], ...]] = {}
    for code, entry in _load(source).items():
        if not isinstance(entry, dict):
            continue
        value = code if source == "relators" else str(entry.get("to", code))
        vi = next(iter(_as_list(entry.get("vi"))), None)
        found = tuple((text, lang) for text, lang in ((entry.get("en"), "en"), (vi, "vi")) if text)
        if found and value not in labels:
            labels[value] = found
    return labels


def _relator_terms() -> dict[str, str]:
    terms = {}
    for code, entry in _load("relators").items():
        for term in [entry["en"], *_as_list(entry.get("vi")), *_as_list(entry.get("also"))]:
            terms[nfc(term).lower()] = code
    return terms


def language_tag(marc_code: str | None) -> str | None:
    """The BCP 47 tag for a MARC language code ("vie" → "vi"), None when unknown."""
    if not marc_code:
        return None
    return code_list("language-tags").get(marc_code.strip().lower())
