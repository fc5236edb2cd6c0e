"""The site's own pages: the home page and the dumps (listing and files)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse

from lod.dataset import libraries
from lod.describe import counts, local_path, recent_works
from lod.web import PlainError, RebaseDep, SettingsDep, StoreDep, TemplatesDep, render

router = APIRouter()

DUMP_TYPES = {".gz": "application/gzip", ".json": "application/json", ".nq": "application/n-quads",
              ".nt": "application/n-triples", ".ttl": "text/turtle", ".jsonld": "application/ld+json"}


@router.api_route("/", methods=["GET", "HEAD"])
def home(store: StoreDep, rebase: RebaseDep, templates: TemplatesDep) -> Response:
    base = rebase.stored
    libs = [{**lib, "href": local_path(lib["uri"], base)} for lib in libraries(store)]
    return render(templates, "home.html", counts=counts(store, base), libraries=libs,
                  works=recent_works(store, base), base=rebase.served)


@router.api_route("/dumps/", methods=["GET", "HEAD"])
def dumps(settings: SettingsDep, rebase: RebaseDep, templates: TemplatesDep) -> Response:
    return render(templates, "dumps.html", files=dump_index(settings.dumps_dir), stored_base=rebase.stored,
                  rebased=rebase.active)


@router.api_route("/dumps/{name}", methods=["GET", "HEAD"])
def dump_file(name: str, settings: SettingsDep) -> Response:
    path = dump_path(settings.dumps_dir, name)
    if path is None:
        raise PlainError(404, f"No dump file named {name!r}: see /dumps/ for the list.")
    return FileResponse(path, media_type=DUMP_TYPES.get(path.suffix, "application/octet-stream"))


def dump_index(folder: Path | None) -> list[dict]:
    """The dump files index.json lists (file, size, SHA-256, quads), with a readable size."""
    index = folder / "index.json" if folder else None
    if index is None or not index.is_file():
        return []
    entries = json.loads(index.read_text(encoding="utf-8"))
    return [{**entry, "size": _size(entry.get("bytes", 0))} for entry in entries if _plain_name(entry.get("file"))]


def dump_path(folder: Path | None, name: str) -> Path | None:
    """A file of the dumps folder that may be served: index.json and the files it lists, nothing else,
    so no name can reach outside the folder."""
    if folder is None or not _plain_name(name):
        return None
    listed = {"index.json", *(entry["file"] for entry in dump_index(folder))}
    path = folder / name
    return path if name in listed and path.is_file() else None


def _plain_name(name: object) -> bool:
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\\" not in name


def _size(count: int) -> str:
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"
