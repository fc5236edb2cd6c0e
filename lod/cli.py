"""The `lod` command: thin commands over the library in lod/."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from lod import config
from lod.dataset import libraries, minter_for, register_library
from lod.ingest import ingest as run_ingest
from lod.ingest import withdraw as run_withdraw
from lod.store import Store, StoreLocked

app = typer.Typer(help="Linked open data for Vietnam's library network.", no_args_is_help=True)
library_app = typer.Typer(help="The library registry.", no_args_is_help=True)
app.add_typer(library_app, name="library")
console = Console(stderr=True)

SAMPLES = Path(__file__).resolve().parent / "samples"
StoreOption = Annotated[Path | None, typer.Option("--store", help="Store folder [env LOD_STORE, else ./lod-store]")]
BaseOption = Annotated[str | None, typer.Option("--base-uri", help="Base URI [env LOD_BASE_URI]")]


def _open(store: Path | None, read_only: bool = False) -> Store:
    path = config.store_path(store)
    if read_only and not path.exists():
        console.print(f"[red]no store at {path}[/red]: ingest something first (lod ingest …)")
        raise typer.Exit(2)
    try:
        return Store(path, read_only=read_only)
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
                            on_record=lambda file: progress.update(task, advance=1, description=Path(file).name))
    console.print(
        f"{library}: read {result.read}, converted {result.converted}, failed {result.failed}, "
        f"deleted {result.deleted}, {result.quads} quads written, store now {result.store_quads} quads "
        f"({result.seconds:.1f} s); {len(result.skipped)} files skipped"
    )
    for error in result.errors[:10]:
        console.print(f"  [yellow]{error['file']} #{error['record']} ({error['id']}): {error['reason']}[/yellow]")
    if len(result.errors) > 10:
        console.print(f"  … and {len(result.errors) - 10} more errors (see --report)")
    if report:
        report.write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")


@app.command()
def withdraw(
    record_ids: Annotated[list[str], typer.Argument(help="Control numbers of the records to withdraw")],
    library: Annotated[str, typer.Option("--library", help="ISIL of the library")],
    store: StoreOption = None,
) -> None:
    """Remove records (their whole named graphs) from the store."""
    db = _open(store)
    removed, missing = run_withdraw(db, minter_for(db, config.base_uri()), library, record_ids)
    console.print(f"withdrew {removed} records")
    for record_id in missing:
        console.print(f"[yellow]not found: {library} {record_id}[/yellow]")
    if missing:
        raise typer.Exit(1)


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
) -> None:
    """Write the whole dataset as gzip N-Quads, with its SHA-256."""
    from lod.dumps import write_dumps

    path = config.store_path(store)
    db = _open(store, read_only=True)
    for entry in write_dumps(db, out or path / "dumps"):
        console.print(f"{entry['file']}: {entry['quads']} quads, {entry['bytes']} bytes, sha256 {entry['sha256']}")


@app.command()
def serve(
    store: StoreOption = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    base_uri: BaseOption = None,
) -> None:
    """Serve the store: SPARQL endpoint, resource pages, dumps."""
    _serve(config.store_path(store), host, port, config.base_uri(base_uri, host, port))


def _serve(store: Path, host: str, port: int, base: str) -> None:
    import uvicorn

    from lod.web.app import create_app

    try:
        web_app = create_app(config.Settings(store=store, base_uri=base))
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
    for library in _sample_libraries():
        register_library(db, minter, library)
        folder = SAMPLES / library["isil"]
        if folder.is_dir():
            result = run_ingest([folder], library["isil"], db, minter)
            console.print(f"{library['isil']}: {result.converted} records, {result.failed} failed")
    from lod.dumps import write_dumps

    write_dumps(db, store / "dumps")
    del db
    _serve(store, "127.0.0.1", port, base)


def _sample_libraries() -> list[dict]:
    return yaml.safe_load((SAMPLES / "libraries.yaml").read_text(encoding="utf-8"))


@library_app.command("add")
def library_add(
    isil: Annotated[str, typer.Argument(help="ISIL (ISO 15511), e.g. VN-TVQG")],
    name_vi: Annotated[str, typer.Option("--name-vi")],
    name_en: Annotated[str | None, typer.Option("--name-en")] = None,
    type: Annotated[str | None, typer.Option("--type", help="national, provincial, university …")] = None,
    address: Annotated[str | None, typer.Option("--address")] = None,
    website: Annotated[str | None, typer.Option("--website")] = None,
    store: StoreOption = None,
) -> None:
    """Add a library to the registry (or replace its description)."""
    db = _open(store)
    library = {"isil": isil, "name_vi": name_vi, "name_en": name_en, "type": type, "address": address,
               "website": website}
    register_library(db, minter_for(db, config.base_uri()), library)
    db.flush()
    console.print(f"registered {isil}")


@library_app.command("list")
def library_list(store: StoreOption = None) -> None:
    """List the libraries of the registry."""
    for library in libraries(_open(store, read_only=True)):
        typer.echo(f"{library['isil']}\t{library['name']}")
