"""The `lod` command: thin commands over the library in lod/."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from lod import config
from lod.dataset import (
    LIBRARY_TYPES,
    library_descriptions,
    library_problems,
    minter_for,
    read_registry,
    register_library,
)
from lod.ingest import ingest as run_ingest
from lod.ingest import withdraw as run_withdraw
from lod.samples import ingest_samples
from lod.store import Store, StoreLocked

app = typer.Typer(help="Linked open data for Vietnam's library network.", no_args_is_help=True)
library_app = typer.Typer(help="The library registry.", no_args_is_help=True)
app.add_typer(library_app, name="library")
console = Console(stderr=True, soft_wrap=True)  # messages stay whole lines in logs and pipes

StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="Store folder, or the URL of a SPARQL server holding the RDF [env LOD_STORE, "
                                 "else ./lod-store]"),
]
BaseOption = Annotated[str | None, typer.Option("--base-uri", help="Base URI [env LOD_BASE_URI]")]


def _open(store: str | None, read_only: bool = False) -> Store:
    path, remote = config.store_location(store)
    if read_only and not remote and not path.exists():
        console.print(f"[red]no store at {path}[/red]: ingest something first (lod ingest …)")
        raise typer.Exit(2)
    try:
        return Store(path, read_only=read_only, remote=remote)
    except StoreLocked as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(message)s")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Record files or folders", exists=True)],
    library: Annotated[str, typer.Option("--library", help="ISIL of the library the records come from")],
    store: StoreOption = None,
    base_uri: BaseOption = None,
    format: Annotated[str, typer.Option("--format", help="auto|marc|marcxml|dc")] = "auto",
    report: Annotated[Path | None, typer.Option("--report", help="Write a JSON report here")] = None,
    workers: Annotated[int, typer.Option("--workers", help="Conversion processes (0: one per core)")] = 0,
    index: Annotated[bool, typer.Option(
        help="Bring the search index up to date afterwards (--no-index: leave it to `lod index`)")] = True,
) -> None:
    """Read, convert and load records; a bad record is reported and skipped."""
    if format not in ("auto", "marc", "marcxml", "dc"):
        console.print(f"[red]unknown format {format!r}[/red]: use auto, marc, marcxml or dc")
        raise typer.Exit(2)
    db = _open(store)
    minter = minter_for(db, config.base_uri(base_uri))
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed} records"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"ingesting for {library}", total=None)
        result = run_ingest(paths, library, db, minter, format,
                            on_record=lambda file: progress.update(task, advance=1, description=Path(file).name),
                            workers=workers or os.cpu_count() or 1)
    console.print(
        f"{library}: read {result.read}, converted {result.converted}, failed {result.failed}, "
        f"deleted {result.deleted}, restricted (not published) {result.restricted}, {result.quads} quads written, "
        f"in {result.seconds:.1f} s; {len(result.skipped)} files skipped"
    )
    for error in result.errors[:10]:
        console.print(f"  [yellow]{error['file']} #{error['record']} ({error['id']}): {error['reason']}[/yellow]")
    if len(result.errors) > 10:
        console.print(f"  … and {len(result.errors) - 10} more errors (see --report)")
    if result.notes:
        console.print(f"{len(result.notes)} values repaired or suspect (legacy encodings …): see --report")
    if report:
        report.write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    if index:
        _follow(db)
    _keep_report(store, library, result.as_dict())


def _keep_report(store: str | None, library: str, report: dict) -> None:
    """The last ingest report of each library, for the statistics page (failed records)."""
    from lod.web.stats import save_report

    save_report(config.store_path(store), library, {**report, "errors": report.get("errors", [])[:100]})


def _follow(db: Store) -> None:
    """Bring what follows the store (the search index) up to date after a write."""
    from lod.search import update_index

    with console.status("bringing the search index up to date"):
        report = update_index(db)
    if report is not None and report.documents:
        console.print(f"search index: {report.documents} documents written in {report.seconds:.1f} s")


@app.command()
def withdraw(
    record_ids: Annotated[list[str], typer.Argument(help="Control numbers of the records to withdraw")],
    library: Annotated[str, typer.Option("--library", help="ISIL of the library")],
    store: StoreOption = None,
) -> None:
    """Remove records (their whole named graphs) from the store."""
    db = _open(store)
    removed, missing = run_withdraw(db, minter_for(db, config.base_uri()), library, record_ids)
    _follow(db)
    console.print(f"withdrew {removed} records")
    for record_id in missing:
        console.print(f"[yellow]not found: {library} {record_id}[/yellow]")
    if missing:
        raise typer.Exit(1)


@app.command()
def harvest(
    url: Annotated[str, typer.Argument(help="Base URL of an OAI-PMH repository")],
    library: Annotated[str, typer.Option("--library", help="ISIL of the library the records come from")],
    store: StoreOption = None,
    base_uri: BaseOption = None,
    prefix: Annotated[str, typer.Option("--metadata-prefix", help="oai_dc, marcxml, marc21 …")] = "oai_dc",
    set_spec: Annotated[str | None, typer.Option("--set", help="Harvest one set only")] = None,
    since: Annotated[str | None, typer.Option("--from", help="From this date (default: the last one seen)")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Until this date")] = None,
    method: Annotated[str, typer.Option("--method", help="list: ListRecords; get: ListIdentifiers and "
                                                         "GetRecord for each")] = "list",
    full: Annotated[bool, typer.Option("--full", help="Forget the last date seen: harvest everything")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Write a JSON report here")] = None,
) -> None:
    """Harvest an OAI-PMH repository: from the last datestamp seen, following resumption tokens, applying
    deletions; a harvest cut short resumes where it stopped when run again."""
    from lod.oai.harvester import Harvest, HarvestError
    from lod.oai.harvester import harvest as run_harvest

    if method not in ("list", "get"):
        console.print(f"[red]unknown method {method!r}[/red]: use list or get")
        raise typer.Exit(2)
    db = _open(store)
    minter = minter_for(db, config.base_uri(base_uri))
    job = Harvest(url, library, prefix, set_spec, since, until, method, full)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  transient=True) as progress:
        task = progress.add_task(f"harvesting {url}", total=None)
        try:
            result = run_harvest(job, db, minter, config.store_path(store), on_page=lambda r: progress.update(
                task, description=f"{r.pages} pages, {r.headers} records, {r.deleted} deleted"))
        except HarvestError as error:
            console.print(f"[red]{error}[/red]\nwhat was harvested is kept: run the same command to resume")
            raise typer.Exit(1) from None
    how = " (resumed)" if result.resumed else ""
    console.print(
        f"{library}: {result.pages} pages{how}, {result.headers} records ({result.deleted} deleted) from "
        f"{result.since or 'the start'}; converted {result.converted}, failed {result.failed}; "
        f"latest datestamp {result.latest or '-'} ({result.seconds:.1f} s, {result.requests} requests)")
    for error in result.errors[:10]:
        console.print(f"  [yellow]#{error['record']} ({error['id']}): {error['reason']}[/yellow]")
    if report:
        report.write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    _keep_report(store, library, result.as_dict())
    _follow(db)


@app.command()
def coverage(
    paths: Annotated[list[Path], typer.Argument(help="MARC record files or folders", exists=True)],
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the full report as JSON here")] = None,
) -> None:
    """Which MARC fields and subfields occurred, how often, and whether they produced triples."""
    from lod.coverage import measure, render

    result = measure(paths)
    typer.echo(render(result))
    if json_file:
        json_file.write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")


@app.command()
def query(
    sparql: Annotated[str, typer.Argument(help="A SPARQL query (or @FILE)")],
    store: StoreOption = None,
    format: Annotated[str, typer.Option("--format", help="json|xml|csv|tsv, or ttl|nt|jsonld|rdf")] = "tsv",
) -> None:
    """Run a SPARQL query on the store and print the results."""
    from lod.formats import serialize_results

    text = Path(sparql[1:]).read_text(encoding="utf-8") if sparql.startswith("@") else sparql
    db = _open(store, read_only=True)
    try:
        results = db.query(text)
    except SyntaxError as error:
        console.print(f"[red]SPARQL syntax error:[/red] {error}")
        raise typer.Exit(2) from None
    body, _ = serialize_results(results, format)
    sys.stdout.buffer.write(body)


@app.command()
def dump(
    store: StoreOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the dump files [STORE/dumps]")] = None,
    formats: Annotated[str, typer.Option("--formats", help="Comma-separated: nq, ttl, jsonld")] = "nq,ttl,jsonld",
    per_library: Annotated[bool, typer.Option("--per-library/--whole-only", help="One set per library too")] = True,
) -> None:
    """Write the whole dataset (and one set per library) as gzip files, with SHA-256, size and triple count."""
    from lod.dumps import write_dumps

    path = config.store_path(store)
    db = _open(store, read_only=True)
    try:
        entries = write_dumps(db, out or path / "dumps", [f.strip() for f in formats.split(",") if f.strip()],
                              per_library)
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    for entry in entries:
        console.print(f"{entry['file']}: {entry['triples']} triples, {entry['bytes']} bytes, sha256 {entry['sha256']}")
    console.print(f"{len(entries)} files in {entries[0]['seconds']:.1f} s")


@app.command()
def index(store: StoreOption = None) -> None:
    """Rebuild the search index (STORE/search/) from the store."""
    from lod.search import IndexLocked, SearchIndex, index_path, rebuild

    path = config.store_path(store)
    db = _open(store, read_only=True)
    columns = (TextColumn("indexing"), BarColumn(), TextColumn("{task.completed}/{task.total} documents"),
               TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as shown:
            task = shown.add_task("indexing", total=None)
            report = rebuild(db, SearchIndex(index_path(path)),
                             lambda done, total: shown.update(task, completed=done, total=total))
    except IndexLocked as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    console.print(f"indexed {report.documents} works, instances, agents and subjects in {report.seconds:.1f} s "
                  f"(journal change {report.seq})")


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(help="A new folder for the backup")],
    store: StoreOption = None,
) -> None:
    """Back up the store (also while it is served): RDF and journal, consistent as of now."""
    db = _open(store, read_only=True)
    try:
        db.backup(target)
    except (ValueError, FileExistsError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    console.print(f"backed up {len(db)} quads and the journal into {target}")


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="A folder made by `lod backup`", exists=True, file_okay=False)],
    store: StoreOption = None,
) -> None:
    """Make the store from a backup; the store folder must be new or empty (nothing is overwritten)."""
    from lod.store import restore as restore_store

    path, remote = config.store_location(store)
    if remote:
        console.print("[red]a remote store is restored with its own server's tools[/red]")
        raise typer.Exit(2)
    try:
        restored = restore_store(source, path)
    except (FileExistsError, FileNotFoundError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    console.print(f"restored {len(restored)} quads into {path}")


@app.command()
def serve(
    store: StoreOption = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    base_uri: BaseOption = None,
    query_time_limit: Annotated[float, typer.Option("--query-time-limit", help="Seconds a SPARQL query runs")] = 10.0,
    max_rows: Annotated[int, typer.Option("--max-rows", help="Result rows a SPARQL query may return")] = 10_000,
    sparql_workers: Annotated[int, typer.Option("--sparql-workers", help="Query worker processes")] = 2,
    allow_service: Annotated[list[str] | None, typer.Option(
        "--allow-service", help="A SERVICE endpoint queries may call (repeat; an IRI ending in / allows all under it)")]
    = None,
    cache_mib: Annotated[int, typer.Option(
        "--cache-mib", help="Memory for resource documents kept until the store changes (0: none)")] = 64,
    index_catch_up: Annotated[bool, typer.Option(
        help="Bring a far-behind search index up to date in the background (else: `lod index`)")] = True,
) -> None:
    """Serve the store: SPARQL endpoint, resource pages, dumps."""
    sparql = {"sparql_time_limit": query_time_limit, "sparql_max_rows": max_rows, "sparql_workers": sparql_workers,
              "sparql_services": tuple(allow_service or ())}
    caches = {"document_cache": cache_mib * 2**20, "search_catch_up": index_catch_up}
    path, remote = config.store_location(store)
    _serve(path, host, port, config.base_uri(base_uri, host, port), {**sparql, **caches, "remote": remote})


def _serve(store: Path, host: str, port: int, base: str, settings: dict | None = None) -> None:
    import uvicorn

    from lod.web.app import create_app

    try:
        web_app = create_app(config.Settings(store=store, base_uri=base, **(settings or {})))
    except StoreLocked as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    console.print(f"serving {store} at {base} (listening on http://{host}:{port}/)")
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


@app.command()
def demo(
    port: Annotated[int, typer.Option("--port")] = 8000,
    store: Annotated[Path, typer.Option("--store", help="Where the demo store is made")] = Path("lod-demo-store"),
) -> None:
    """Ingest the bundled sample into a fresh store and serve it."""
    import shutil

    if store.exists():
        shutil.rmtree(store)
    base = config.base_uri(None, "127.0.0.1", port)
    db = Store(store)
    minter = minter_for(db, base)
    for isil, result in ingest_samples(db, minter).items():
        console.print(f"{isil}: {result.converted} records, {result.failed} failed")
        _keep_report(str(store), isil, result.as_dict())
    from lod.dumps import write_dumps

    write_dumps(db, store / "dumps")
    del db
    _serve(store, "127.0.0.1", port, base)


@library_app.command("add")
def library_add(
    isil: Annotated[str | None, typer.Argument(help="ISIL (ISO 15511), e.g. VN-TVQG")] = None,
    name_vi: Annotated[str | None, typer.Option("--name-vi")] = None,
    name_en: Annotated[str | None, typer.Option("--name-en")] = None,
    type: Annotated[str | None, typer.Option("--type", help=", ".join(LIBRARY_TYPES))] = None,
    address: Annotated[str | None, typer.Option("--address")] = None,
    website: Annotated[str | None, typer.Option("--website")] = None,
    service: Annotated[list[str] | None, typer.Option("--service", help="A service it offers (repeat)")] = None,
    file: Annotated[Path | None, typer.Option("--file", exists=True, dir_okay=False,
                                              help="A YAML list of libraries, as lod/samples/libraries.yaml")] = None,
    store: StoreOption = None,
) -> None:
    """Add libraries to the registry (or replace their descriptions): one from the options, or all in --file."""
    if file is not None:
        try:
            entries = read_registry(file)
        except (ValueError, yaml.YAMLError) as error:
            console.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from None
    elif isil:
        entries = [{"isil": isil, "name_vi": name_vi, "name_en": name_en, "type": type, "address": address,
                    "website": website, "services": service or []}]
    else:
        console.print("[red]give an ISIL (with --name-vi …) or --file[/red]")
        raise typer.Exit(2)
    problems = [problem for entry in entries for problem in library_problems(entry)]
    for problem in problems:
        console.print(f"[red]{problem}[/red]")
    if problems:
        raise typer.Exit(2)
    db = _open(store)
    minter = minter_for(db, config.base_uri())
    for entry in entries:
        register_library(db, minter, entry)
    db.flush()
    console.print(f"registered {', '.join(entry['isil'] for entry in entries)}")


@library_app.command("list")
def library_list(
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Everything the registry says, with record counts")] = False,
) -> None:
    """List the libraries of the registry: ISIL, type, records held, name."""
    db = _open(store, read_only=True)
    held = db.journal.counts()
    found = [{**library, "records": held.get(library["isil"], {}).get("records", 0)}
             for library in library_descriptions(db)]
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    for library in found:
        typer.echo(f"{library['isil']}\t{library['type'] or '-'}\t{library['records']}\t{library['name_vi']}")
