"""Deterministic URIs: `{base}id/{kind}/{key}` for things, `{base}graph/…` for named graphs."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

from lod.terms import IRI
from lod.text import fold, nfc

KINDS = ("work", "instance", "item", "agent", "subject", "place", "library", "dataset")

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_PUNCT = re.compile(r"[\s\.,:;/=\[\]\(\)\?!\"'`]+")


def digest(text: str, size: int = 8) -> str:
    return hashlib.blake2s(text.encode("utf-8"), digest_size=size // 2 + size % 2).hexdigest()[:size]


def normal_heading(text: str) -> str:
    """A heading as compared for identity: NFC, lower case, punctuation and spacing collapsed.

    Diacritics stay: "Hà" and "Hạ" are different Vietnamese names.
    """
    return _PUNCT.sub(" ", nfc(text).lower()).strip()


def slug(text: str, limit: int = 48) -> str:
    return _NOT_SLUG.sub("-", fold(text)).strip("-")[:limit].strip("-")


def heading_key(text: str) -> str:
    """A readable key for a heading, with a digest of its exact form so folding never merges names."""
    normal = normal_heading(text)
    readable = slug(normal)
    return f"{readable}-{digest(normal, 6)}" if readable else digest(normal, 12)


def local_key(text: str) -> str:
    """A key for a local identifier (control number, ISIL): kept as is where URI-safe."""
    return quote(nfc(text).strip().replace(" ", "_"), safe="-_.~")


class Minter:
    """Mints every URI of the dataset under one base."""

    def __init__(self, base: str):
        self.base = base if base.endswith("/") else base + "/"

    def thing(self, kind: str, key: str) -> IRI:
        return IRI(f"{self.base}id/{kind}/{key}")

    def record_graph(self, isil: str, record_id: str) -> IRI:
        return IRI(f"{self.base}graph/record/{local_key(isil)}/{local_key(record_id)}")

    def library(self, isil: str) -> IRI:
        return self.thing("library", local_key(isil))

    @property
    def registry_graph(self) -> IRI:
        return IRI(f"{self.base}graph/libraries")

    @property
    def meta_graph(self) -> IRI:
        return IRI(f"{self.base}graph/dataset")

    @property
    def dataset(self) -> IRI:
        return self.thing("dataset", "all")
