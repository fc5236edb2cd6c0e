"""Converted records against our SHACL shapes (ontologies/shapes) with pyshacl.

Every violation must be one of the explained kinds below, each checked against the record it comes
from; the share of records that conform is printed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate

from lod.convert import Converter
from lod.readers import read_path
from lod.records import SourceRecord
from lod.terms import nquads
from lod.uris import Minter
from tests.test_ingest import CORPUS, sample_folders

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ROOT / "ontologies" / "shapes"
BASE = "http://lod.test/"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
FOLDERS = ("marc2bibframe2", "marc2bibframe2-dataset", "lobid-resources", "zenodo-oai-dc", "mit-dspace-oai")


def shapes() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(SHAPES.glob("*.ttl")):
        graph.parse(path)
    return graph


def convert_all(paths: list[Path]) -> tuple[rdflib.Graph, dict[str, list[SourceRecord]]]:
    """The records' triples in one graph, and the records each work and instance comes from. Each record
    is converted under a library code of its own, so that records sharing a control number stay apart."""
    records: dict[str, list[SourceRecord]] = defaultdict(list)
    text = []
    count = 0
    for path in paths:
        for record in read_path(path):
            if isinstance(record, SourceRecord) and not record.deleted and record.id:
                count += 1
                conversion = Converter(Minter(BASE), f"T{count}").convert(record)
                records[conversion.work].append(record)
                records[conversion.instance].append(record)
                text.append(nquads(conversion.triples, conversion.graph).replace(f" <{conversion.graph}> .", " ."))
    return rdflib.Graph().parse(data="".join(text), format="nt"), records


def fields(record: SourceRecord, tag: str, codes: str = "") -> list:
    found = record.marc.get_fields(tag) if record.format == "marc" else []
    return [f for f in found if not codes or any(sf.code in codes and sf.value.strip() for sf in f.subfields)]


def explanation(record: SourceRecord | None, path: str) -> str | None:
    """Why a violation is expected for this record, or None when it is not."""
    if record is None or record.format != "marc":
        return None
    if path in ("http://schema.org/name", "http://id.loc.gov/ontologies/bibframe/title",
                "http://id.loc.gov/ontologies/bibframe/mainTitle") and not fields(record, "245", "a"):
        return "the record has no title (no 245 $a)"
    if path.endswith("/changeDate") and len(fields(record, "005")) > 1:
        return "the record has two 005 fields (date of latest transaction)"
    if path.endswith("/creationDate") and len(fields(record, "008")) > 1:
        return "the record has two 008 fields"
    return None


def check(paths: list[Path], name: str) -> None:
    graph, records = convert_all(paths)
    _, results, _ = validate(graph, shacl_graph=shapes(), ont_graph=ontology(), inference="none")
    explained: Counter = Counter()
    failing: set[int] = set()
    unexplained = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus, path = str(results.value(result, SH.focusNode)), str(results.value(result, SH.resultPath))
        sources = records.get(focus.split("#")[0], [])
        reasons = {explanation(record, path) for record in sources}
        if not sources or None in reasons:
            unexplained.append((focus, path, str(results.value(result, SH.resultMessage))))
            continue
        explained[reasons.pop()] += 1
        failing.update(id(record) for record in sources)
    total = len({id(r) for found in records.values() for r in found})
    print(f"{name}: {total} records, {len(graph)} triples, {1 - len(failing) / total:.1%} conform; "
          f"explained: {dict(explained)}")
    assert not unexplained, unexplained[:10]


def ontology() -> rdflib.Graph:
    path = CORPUS.parent / "ontologies" / "bibframe-2.6.0.rdf"
    if not path.is_file():
        pytest.skip("../shared/ontologies is not here: the shapes need BIBFRAME's class hierarchy")
    return rdflib.Graph().parse(path)


def test_samples_conform_to_the_shapes():
    graph, records = convert_all(sample_folders())
    conforms, _, text = validate(graph, shacl_graph=shapes(), ont_graph=ontology(), inference="none")
    assert conforms, text


@pytest.mark.parametrize("folder", FOLDERS)
def test_corpus_output_conforms_or_its_violations_are_explained(folder):
    if not (CORPUS / folder).is_dir() or not (CORPUS.parent / "ontologies").is_dir():
        pytest.skip(f"../shared/corpus/{folder} or ../shared/ontologies is not here")
    check([CORPUS / folder], folder)


def test_shapes_catch_a_broken_record():
    """The shapes are not vacuous: an instance without a title or admin metadata, an item of no instance."""
    bf = "http://id.loc.gov/ontologies/bibframe/"
    text = f"""
        <{BASE}id/work/w> <{bf}hasInstance> <{BASE}id/instance/i> .
        <{BASE}id/work/w> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{bf}Work> .
        <{BASE}id/instance/i> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{bf}Instance> .
        <{BASE}id/instance/i> <{bf}instanceOf> <{BASE}id/work/w> .
        <{BASE}id/item/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{bf}Item> .
    """
    conforms, results, _ = validate(rdflib.Graph().parse(data=text, format="nt"), shacl_graph=shapes())
    assert not conforms
    paths = {str(results.value(r, SH.resultPath)).rsplit("/", 1)[1]
             for r in results.subjects(rdflib.RDF.type, SH.ValidationResult)}
    assert {"title", "adminMetadata", "itemOf", "heldBy"} <= paths
