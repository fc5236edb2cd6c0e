"""Settings, built in one place from the command line and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_STORE = "lod-store"
# Catalogue metadata is facts about books: dedicated to the public domain unless a deployment says otherwise.
DEFAULT_LICENCE = "http://creativecommons.org/publicdomain/zero/1.0/"
DEFAULT_PUBLISHER = "Mạng lưới thư viện Việt Nam"


def store_location(given: str | Path | None = None) -> tuple[Path, str | None]:
    """`--store`, else `LOD_STORE`, else a folder in the working directory.

    A store is a folder; or the URL of a SPARQL 1.1 server holding the RDF (Oxigraph's layout), with
    the journal and files kept in the folder `LOD_STATE` (else ./lod-state). Returns (folder, URL).
    """
    value = str(given or os.environ.get("LOD_STORE") or DEFAULT_STORE)
    if value.startswith(("http://", "https://")):
        return Path(os.environ.get("LOD_STATE") or "lod-state"), value
    return Path(value), None


def store_path(given: str | Path | None = None) -> Path:
    """The store's folder (with a remote store: the folder of its journal and files)."""
    return store_location(given)[0]


def base_uri(given: str | None = None, host: str = "127.0.0.1", port: int = 8000) -> str:
    """`--base-uri`, else `LOD_BASE_URI`, else the address the server listens on."""
    base = given or os.environ.get("LOD_BASE_URI") or f"http://{host}:{port}/"
    return base if base.endswith("/") else base + "/"


@dataclass(frozen=True)
class Settings:
    """What the web app needs to know."""

    store: Path | None  # None: an in-memory store (tests)
    remote: str | None = None  # the SPARQL server holding the RDF, when it is not embedded
    base_uri: str = "http://127.0.0.1:8000/"
    dumps: Path | None = None
    site: Path = Path(__file__).resolve().parents[1] / "site"
    licence: str = field(default_factory=lambda: os.environ.get("LOD_LICENCE") or DEFAULT_LICENCE)
    publisher: str = field(default_factory=lambda: os.environ.get("LOD_PUBLISHER") or DEFAULT_PUBLISHER)
    sitemap_chunk: int = 50_000  # URLs per sitemap file, the protocol's limit
    # The public SPARQL endpoint's limits (see lod/sparql): seconds per query, result rows, request
    # bytes, worker processes, and the SERVICE endpoints a query may call (none by default).
    sparql_time_limit: float = 10.0
    sparql_max_rows: int = 10_000
    sparql_max_request: int = 64 * 1024
    sparql_workers: int = 2
    sparql_services: tuple[str, ...] = ()
    # Writing over HTTP (lod/web/admin.py): off unless a token is set; the largest upload accepted.
    write_token: str | None = field(default_factory=lambda: os.environ.get("LOD_WRITE_TOKEN") or None)
    max_upload: int = 200 * 1024 * 1024
    # Served documents kept in memory for the current store version (bytes), and linked resources' labels.
    document_cache: int = 64 * 1024 * 1024
    label_cache: int = 200_000
    # A search index far behind the store (a large ingest made without it) is brought up to date in the
    # background; off, it is left to `lod index`.
    search_catch_up: bool = True

    @property
    def dumps_dir(self) -> Path | None:
        if self.dumps is not None:
            return self.dumps
        return self.store / "dumps" if self.store else None
