"""Ingest speed and memory at scale, each against a reference measured in the same run.

    python benchmarks/ingest.py [RECORDS]        (default 20000; the issue's scale is 1000000)

Scale data: the records of ../shared/corpus/loc-books-sample and the bundled samples, replicated with
fresh control numbers up to RECORDS, written as one ISO 2709 file. Each phase runs in a process of its
own so that its peak memory is its own:
  - read: our reader vs a bare pymarc MARCReader loop (records/s);
  - conversion (read + convert + serialise to N-Quads), one process and one worker per core, vs the
    raw pymarc parse rate;
  - load: our store's bulk load of the N-Quads vs `oxigraph load` of the same file (quads/s);
  - ingest end to end (records/s, peak memory);
  - dump: gzip N-Quads of the whole store (quads/s).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from a checkout
CORPUS = ROOT.parent / "shared" / "corpus"
SOURCES = [CORPUS / "loc-books-sample", ROOT / "lod" / "samples" / "VN-TVVP"]
LOAD_PIECE = 100_000  # quads per bulk load: about one ingest batch (500 records of 190 quads)


def make_scale_file(target: Path, count: int) -> None:
    import pymarc
    from pymarc import Field

    from lod.readers import read_path
    from lod.records import SourceRecord

    originals = [r.marc for src in SOURCES if src.exists() for r in read_path(src) if isinstance(r, SourceRecord)]
    with open(target, "wb") as out:
        for n in range(count):
            record = originals[n % len(originals)]
            record.remove_fields("001")
            record.add_ordered_field(Field(tag="001", data=f"SCALE{n:08d}"))
            out.write(record.as_marc())
    del pymarc


def phase(name: str, *args: str) -> dict:
    """Run one phase in a fresh process; returns what it printed as JSON, plus its peak memory."""
    out = subprocess.run([sys.executable, __file__, "--phase", name, *args], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if out.returncode:
        raise RuntimeError(f"phase {name} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_phase(name: str, args: list[str]) -> dict:
    started = time.perf_counter()
    if name == "pymarc":
        import pymarc

        with open(args[0], "rb") as f:
            count = sum(1 for r in pymarc.MARCReader(f, to_unicode=True, force_utf8=True) if r is not None)
        return {"records": count, "seconds": time.perf_counter() - started}
    if name == "read":
        from lod.readers import read_path

        count = sum(1 for _ in read_path(args[0]))
        return {"records": count, "seconds": time.perf_counter() - started}
    if name == "convert":
        return convert(Path(args[0]), Path(args[1]), int(args[2]), started)
    if name == "stages":
        return stages(Path(args[0]), int(args[1]))
    if name == "load":
        from lod.store import Store

        store = Store(Path(args[1]))
        with open(args[0], encoding="utf-8") as f:  # in pieces the size of an ingest batch, as ingest loads
            while lines := list(islice(f, LOAD_PIECE)):
                store.replace_graphs([], "".join(lines))
        store.flush()
        return {"quads": len(store), "seconds": time.perf_counter() - started}
    if name == "ingest":
        from lod.ingest import ingest
        from lod.store import Store
        from lod.uris import Minter

        report = ingest([args[0]], "VN-SCALE", Store(Path(args[1])), Minter("http://127.0.0.1:8000/"),
                        workers=int(args[2]))
        return {"records": report.converted, "quads": report.quads, "seconds": time.perf_counter() - started}
    if name == "dump":
        from lod.dumps import write_dumps
        from lod.store import Store

        store = Store(Path(args[0]), read_only=True)
        entries = write_dumps(store, Path(args[1]), ["nq"], False)
        return {"quads": len(store), "bytes": entries[0]["bytes"], "seconds": time.perf_counter() - started}
    raise ValueError(name)


def convert(source: Path, out: Path, workers: int, started: float) -> dict:
    """Read, convert and serialise every record to N-Quads text (what ingest does before loading)."""
    from lod.ingest import Loaded, _outcomes
    from lod.readers import read_path

    count = 0
    with open(out, "w", encoding="utf-8") as f:
        for outcome in _outcomes(read_path(source, deferred=workers > 1), "http://127.0.0.1:8000/", "VN-SCALE",
                                workers):
            if isinstance(outcome, Loaded) and outcome.nquads:
                f.write(outcome.nquads)
                count += 1
    return {"records": count, "seconds": time.perf_counter() - started}


def stages(source: Path, count: int) -> dict:
    """Where one record's conversion time goes (µs per record, one process, the first `count` records)."""

    import pymarc

    from lod.convert import Converter, _marc_text_language
    from lod.legacy import repair_fields
    from lod.mapping.fields import marc_fields
    from lod.readers.marc import UnparsedRecord, read_iso2709
    from lod.terms import nquads
    from lod.uris import Minter

    chunks = [item.chunk for item in islice(read_iso2709(source, deferred=True), count)]
    records = [UnparsedRecord(chunk, str(source), n).parse() for n, chunk in enumerate(chunks, 1)]
    converter = Converter(Minter("http://127.0.0.1:8000/"), "VN-SCALE")
    conversions = [converter.convert(record) for record in records]  # compiles the mappings first

    def each(run, items) -> float:
        started = time.perf_counter()
        for item in items:
            run(item)
        return (time.perf_counter() - started) / len(items) * 1e6

    def views(record):
        repair_fields(marc_fields(record.marc, _marc_text_language(record)))

    return {
        "pymarc parse": each(lambda chunk: pymarc.Record(chunk + b"\x1d", force_utf8=True), chunks),
        "our reader (checks, NFC, MARCXML copy)": each(lambda n_chunk: UnparsedRecord(n_chunk, "", 0).parse(), chunks),
        "field views and legacy-text check": each(views, records),
        "mapping rules (incl. field views)": each(converter.convert, records),
        "N-Quads text": each(lambda c: nquads(c.triples, c.graph), conversions),
        "quads per record": sum(len(set(c.triples)) for c in conversions) / len(conversions),
    }


def oxigraph_load(nquads: Path, location: Path) -> dict:
    command = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    started = time.perf_counter()
    subprocess.run([command, "load", "--location", str(location), "--file", str(nquads)], check=True,
                   capture_output=True)
    return {"seconds": time.perf_counter() - started, "peak_mib": 0}


def main(count: int) -> None:
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "scale.mrc"
        make_scale_file(source, count)
        print(f"{count} records, {source.stat().st_size / 2**20:.0f} MiB of ISO 2709, {cores} cores\n")
        profile = phase("stages", str(source), "2000")
        raw = phase("pymarc", str(source))
        read = phase("read", str(source))
        one = phase("convert", str(source), str(work / "one.nq"), "1")
        many = phase("convert", str(source), str(work / "many.nq"), str(cores))
        quads = sum(1 for _ in open(work / "one.nq", encoding="utf-8"))
        load = phase("load", str(work / "one.nq"), str(work / "loaded"))
        peer = oxigraph_load(work / "one.nq", work / "peer")
        ingest = phase("ingest", str(source), str(work / "store"), str(cores))
        dump = phase("dump", str(work / "store"), str(work / "dumps"))

        raw_rate = raw["records"] / raw["seconds"]
        rows = [
            ("pymarc raw parse", f"{raw_rate:,.0f} records/s", "1.00", raw["peak_mib"]),
            ("our reader", f"{read['records'] / read['seconds']:,.0f} records/s",
             f"{read['records'] / read['seconds'] / raw_rate:.2f}", read["peak_mib"]),
            ("conversion, 1 process", f"{one['records'] / one['seconds']:,.0f} records/s",
             f"{one['records'] / one['seconds'] / raw_rate:.2f}", one["peak_mib"]),
            (f"conversion, {cores} workers", f"{many['records'] / many['seconds']:,.0f} records/s",
             f"{many['records'] / many['seconds'] / raw_rate:.2f}", many["peak_mib"]),
            ("oxigraph load (peer)", f"{quads / peer['seconds']:,.0f} quads/s", "1.00", "-"),
            ("our bulk load", f"{load['quads'] / load['seconds']:,.0f} quads/s",
             f"{load['quads'] / load['seconds'] / (quads / peer['seconds']):.2f}", load["peak_mib"]),
            (f"ingest end to end, {cores} workers", f"{ingest['records'] / ingest['seconds']:,.0f} records/s",
             f"{ingest['records'] / ingest['seconds'] / raw_rate:.2f}", ingest["peak_mib"]),
            ("dump (gzip N-Quads)", f"{dump['quads'] / dump['seconds']:,.0f} quads/s", "-", dump["peak_mib"]),
        ]
        print(f"{'phase':34} {'rate':>22} {'ratio':>7} {'peak MiB':>9}")
        for name, rate, ratio, peak in rows:
            print(f"{name:34} {rate:>22} {ratio:>7} {peak!s:>9}")
        print(f"\n{quads:,} quads ({quads / one['records']:.0f} per record); ratios of records/s are to the raw "
              "pymarc parse, of quads/s to `oxigraph load`")
        print("\nwhere a record's conversion time goes (one process, first 2,000 records):")
        for stage, figure in profile.items():
            if stage not in ("peak_mib", "quads per record"):
                print(f"  {stage:44} {figure:8.0f} µs")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--phase":
        measured = run_phase(sys.argv[2], sys.argv[3:])
        # the phase's own peak, and its worker processes' (each worker's peak, the largest of them)
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        measured["peak_mib"] = f"{own / 1024:.0f}" + (f"+{workers / 1024:.0f}" if workers else "")
        print(json.dumps(measured))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
