"""Settings, built in one place from the command line and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_STORE = "lod-store"


def store_path(given: str | Path | None = None) -> Path:
    """`--store`, else `LOD_STORE`, else a folder in the working directory."""
    return Path(given or os.environ.get("LOD_STORE") or DEFAULT_STORE)


def base_uri(given: str | None = None, host: str = "127.0.0.1", port: int = 8000) -> str:
    """`--base-uri`, else `LOD_BASE_URI`, else the address the server listens on."""
    base = given or os.environ.get("LOD_BASE_URI") or f"http://{host}:{port}/"
    return base if base.endswith("/") else base + "/"


@dataclass(frozen=True)
class Settings:
    """What the web app needs to know."""

    store: Path | None  # None: an in-memory store (tests)
    base_uri: str = "http://127.0.0.1:8000/"
    dumps: Path | None = None
    site: Path = Path(__file__).resolve().parents[1] / "site"

    @property
    def dumps_dir(self) -> Path | None:
        if self.dumps is not None:
            return self.dumps
        return self.store / "dumps" if self.store else None
