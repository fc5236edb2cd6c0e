"""Code lists from mappings/codes, and the lists derived from them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from lod.text import nfc

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


def _load(name: str) -> dict:
    with open(MAPPINGS / "codes" / f"{name}.yaml", encoding="utf-8") as f:
        return {str(k): v for k, v in (yaml.safe_load(f) or {}).items()}


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
    return {k: str(v) for k, v in _load(name).items()}


def _relator_terms() -> dict[str, str]:
    terms = {}
    for code, entry in _load("relators").items():
        for term in [entry["en"], *entry.get("vi", [])]:
            terms[nfc(term).lower()] = code
    return terms


def language_tag(marc_code: str | None) -> str | None:
    """The BCP 47 tag for a MARC language code ("vie" → "vi"), None when unknown."""
    if not marc_code:
        return None
    return code_list("language-tags").get(marc_code.strip().lower())
