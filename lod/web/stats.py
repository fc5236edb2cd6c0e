"""Statistics per library at /stats, as HTML, JSON and CSV: records held and withdrawn, works, instances,
items, digitised objects (instances with an electronic locator, or a digital reproduction that has one),
records that failed the last ingest, and the last change.

The last ingest (or harvest) report of each library is kept as `reports/{ISIL}.json` in the store folder
by the commands that ingest (`save_report`); the rest is counted from the journal and the store, once per
store version.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Depends, FastAPI, Request, Response

from lod.dataset import library_descriptions, stored_base
from lod.describe import local_path
from lod.formats import HTML, Format, negotiate
from lod.journal import now
from lod.oai.records import last_changes
from lod.store import Store
from lod.web import PlainError, RebaseDep, SettingsDep, StoreDep, TemplatesDep, not_acceptable, render
from lod.web.resources import lang_links, page_lang, per_version

router = APIRouter()

REPORTS = "reports"
BF = "http://id.loc.gov/ontologies/bibframe/"
JSON = Format("json", "application/json")
CSV = Format("csv", "text/csv")
OFFERED = [HTML, JSON, CSV]


@dataclass
class LibraryFigures:
    isil: str
    name: str
    uri: str
    records: int = 0  # held now
    deleted: int = 0  # withdrawn, still listed as deleted by OAI-PMH
    works: int = 0
    instances: int = 0
    items: int = 0
    digitised: int = 0
    failed: int = 0  # records the last ingest could not read or convert
    last_update: str | None = None


@dataclass
class Figures:
    libraries: list[LibraryFigures]
    total: LibraryFigures  # works, instances … counted once across libraries: shared works are one
    generated: str

    @classmethod
    def from_dict(cls, data: dict) -> Figures:
        """The figures as `dataclasses.asdict` gave them (kept in a file between runs)."""
        return cls([LibraryFigures(**lib) for lib in data["libraries"]], LibraryFigures(**data["total"]),
                   data["generated"])


# --- the last ingest report of each library -----------------------------------------------------------


def save_report(folder: Path, library: str, report: dict) -> None:
    """Keep `report` as the last ingest report of `library` in the store folder `folder`."""
    target = folder / REPORTS
    target.mkdir(parents=True, exist_ok=True)
    partial = target / f".{_file_name(library)}.partial"
    partial.write_text(json.dumps({**report, "library": library, "time": now()}, ensure_ascii=False, indent=1),
                       encoding="utf-8")
    partial.replace(target / f"{_file_name(library)}.json")


def read_reports(folder: Path | None) -> dict[str, dict]:
    if folder is None or not (folder / REPORTS).is_dir():
        return {}
    reports = {}
    for path in sorted((folder / REPORTS).glob("*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        reports[report.get("library", path.stem)] = report
    return reports


def _file_name(library: str) -> str:
    return library.replace("/", "_").replace(":", "_")


# --- counting -------------------------------------------------------------------------------------------


def figures(store: Store, base: str, reports: dict[str, dict]) -> Figures:
    """Every library's figures, and the totals."""
    held = store.journal.counts()
    changed = last_changes(store)
    per_library = _counts(store, base, by_library=True)
    found = []
    for library in library_descriptions(store):
        isil = library["isil"]
        counted = per_library.get(isil, {})
        found.append(LibraryFigures(
            isil, library["name_vi"] or library["name_en"] or isil, library["uri"],
            records=held.get(isil, {}).get("records", 0), deleted=held.get(isil, {}).get("deleted", 0),
            failed=int(reports.get(isil, {}).get("failed", 0)), last_update=changed.get(isil), **counted))
    total = LibraryFigures("", "", "", **_counts(store, base, by_library=False).get("", {}))
    for name in ("records", "deleted", "failed"):
        setattr(total, name, sum(getattr(lib, name) for lib in found))
    total.last_update = max((lib.last_update for lib in found if lib.last_update), default=None)
    return Figures(found, total, now())


def _counts(store: Store, base: str, by_library: bool) -> dict[str, dict[str, int]]:
    """Works, instances, items and digitised instances in the record graphs, per library or all together."""
    graphs = json.dumps(f"{base}graph/record/")
    things = json.dumps(f"{base}id/")
    group = "?library ?kind" if by_library else "?kind"
    rows = store.query(f"""
        SELECT {group} (COUNT(DISTINCT ?s) AS ?n) WHERE {{
          GRAPH ?g {{
            {{ ?s a <{BF}Work> BIND("works" AS ?kind) }}
            UNION {{ ?s a <{BF}Instance> BIND("instances" AS ?kind) }}
            UNION {{ ?s a <{BF}Item> BIND("items" AS ?kind) }}
            UNION {{ ?s a <{BF}Instance> ; <{BF}electronicLocator> ?url BIND("digitised" AS ?kind) }}
            UNION {{ ?s a <{BF}Instance> ; <{BF}hasReproduction>/<{BF}electronicLocator> ?url
                     BIND("digitised" AS ?kind) }}
          }}
          FILTER(STRSTARTS(STR(?g), {graphs}) && STRSTARTS(STR(?s), {things}) && !CONTAINS(STR(?s), "#"))
          BIND(STRBEFORE(STRAFTER(STR(?g), {graphs}), "/") AS ?library)
        }} GROUP BY {group}""")
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        library = unquote(row["library"].value) if by_library else ""
        found.setdefault(library, {})[row["kind"].value] = int(row["n"].value)
    return found


def library_figures(app: FastAPI, store: Store, settings) -> Figures:
    """The figures, counted once per store version (reports are only written with the store)."""
    def compute(s: Store) -> Figures:
        return figures(s, stored_base(s) or settings.base_uri, read_reports(settings.store))

    return per_version(app, store, "library-figures", compute, Figures.from_dict)


def get_figures(request: Request, store: StoreDep, settings: SettingsDep) -> Figures:
    return library_figures(request.app, store, settings)


FiguresDep = Annotated[Figures, Depends(get_figures)]


# --- the page and its formats -----------------------------------------------------------------------


COLUMNS = [f.name for f in fields(LibraryFigures)]


@router.api_route("/stats", methods=["GET", "HEAD"])
@router.api_route("/stats.{ext}", methods=["GET", "HEAD"])
def stats(request: Request, data: FiguresDep, rebase: RebaseDep, templates: TemplatesDep,
          ext: str | None = None) -> Response:
    chosen = _chosen(request, ext)
    rows = [{**asdict(lib), "uri": rebase.to_served(lib.uri)} for lib in data.libraries]
    total = {**asdict(data.total), "isil": "", "name": "", "uri": ""}
    headers = {"Vary": "Accept", "Link": ", ".join(f'</stats.{f.name}>; rel="alternate"; type="{f.media_type}"'
                                                   for f in OFFERED if f is not chosen)}
    if chosen is JSON:
        body = {"generated": data.generated, "libraries": rows,
                "total": {k: v for k, v in total.items() if k not in ("isil", "name", "uri")}}
        return Response(json.dumps(body, ensure_ascii=False, indent=1), media_type=JSON.media_type, headers=headers)
    if chosen is CSV:
        return Response(_csv(rows, total), media_type="text/csv; charset=utf-8", headers=headers)
    lang = page_lang(request)
    for row, lib in zip(rows, data.libraries, strict=True):
        row["href"] = local_path(lib.uri, rebase.stored)
    return render(templates, "stats.html", libraries=rows, total=total, generated=data.generated, lang=lang,
                  lang_links=lang_links(request), headers=headers)


def _chosen(request: Request, ext: str | None) -> Format:
    name = ext or request.query_params.get("format")
    if name is not None:
        chosen = next((f for f in OFFERED if f.name == name), None)
        if chosen is None:
            raise PlainError(404, f"No statistics as {name!r}: use /stats.html, /stats.json or /stats.csv.")
        return chosen
    chosen = negotiate(request.headers.get("accept"), OFFERED)
    if chosen is None:
        raise not_acceptable(OFFERED, {"Vary": "Accept"})
    return chosen


def _csv(rows: list[dict], total: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    writer.writerow({**total, "isil": "*", "name": "total"})
    return out.getvalue()
