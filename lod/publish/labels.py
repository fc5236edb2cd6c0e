"""Labels for the vocabulary terms pages show, in Vietnamese and English.

Relators and languages come from the mapping code lists (mappings/codes); properties and classes from
ontologies/terms.yaml when that file is there. A term with no label is shown by its readable local name.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CODES = ROOT / "mappings" / "codes"
TERMS = ROOT / "ontologies" / "terms.yaml"
RELATORS = "http://id.loc.gov/vocabulary/relators/"
LANGUAGES = "http://id.loc.gov/vocabulary/languages/"


def term_label(uri: str, lang: str) -> str | None:
    """A label for a vocabulary term in `lang` (or in the other language when only that one exists)."""
    labels = _labels().get(uri)
    if not labels:
        return None
    return labels.get(lang) or next(iter(labels.values()))


def readable(uri: str) -> str:
    """A term's local name made readable: `mainTitle` → `main title`."""
    local = re.split(r"[#/]", uri.rstrip("/#"))[-1] or uri
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("_", " ").lower()


@cache
def _labels() -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    labels.update(_relators())
    labels.update(_languages())
    labels.update(_terms())
    return labels


def _load(path: Path):
    if not path.is_file():
        return None
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _relators() -> dict[str, dict[str, str]]:
    found = {}
    for code, entry in (_load(CODES / "relators.yaml") or {}).items():
        vi = entry.get("vi") or []
        found[RELATORS + str(code)] = {"en": entry.get("en", str(code)), **({"vi": vi[0]} if vi else {})}
    return found


def _languages() -> dict[str, dict[str, str]]:
    """Language names as Dublin Core records write them, one Vietnamese ("tiếng …") and one English each."""
    found: dict[str, dict[str, str]] = {}
    for name, code in (_load(CODES / "language-names.yaml") or {}).items():
        name, labels = str(name), found.setdefault(LANGUAGES + str(code), {})
        if name.startswith("tiếng "):
            labels.setdefault("vi", name.title())
        elif name.isascii() and name.isalpha() and len(name) > 3:
            labels.setdefault("en", name.capitalize())
    return {uri: labels for uri, labels in found.items() if labels}


def _expand(name: object) -> object:
    """A term named by CURIE (`bf:mainTitle`) as a full IRI, with our context's prefixes."""
    from lod.publish.jsonld import prefixes

    if isinstance(name, str) and ":" in name and "://" not in name:
        prefix, _, local = name.partition(":")
        return prefixes().get(prefix, prefix + ":") + local
    return name


def _terms() -> dict[str, dict[str, str]]:
    """ontologies/terms.yaml: either {uri: {vi:, en:}} or a list of {uri|id, vi|label_vi, en|label_en}."""
    data = _load(TERMS)
    entries = data.items() if isinstance(data, dict) else ((None, e) for e in data or [])
    found = {}
    for key, entry in entries:
        if not isinstance(entry, dict):
            continue
        uri = _expand(key or entry.get("uri") or entry.get("id"))
        labels = {lang: entry.get(lang) or entry.get(f"label_{lang}") for lang in ("vi", "en")}
        labels = {lang: str(text) for lang, text in labels.items() if isinstance(text, str) and text}
        if isinstance(uri, str) and labels:
            found[uri] = labels
    return found
