"""Every class and property we emit exists in the published vocabularies (../shared/ontologies), is one
the mapping files declare, and has Vietnamese and English labels in ontologies/terms.yaml."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import rdflib
import yaml

from lod.convert import Converter
from lod.mapping.compile import expand
from lod.mapping.vocabulary import mapping_terms
from lod.readers import read_path
from lod.records import SourceRecord
from lod.uris import Minter
from tests.test_ingest import CORPUS, RECORD_FOLDERS, sample_folders

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGIES = CORPUS.parent / "ontologies"
BF = "http://id.loc.gov/ontologies/bibframe/"
BFLC = "http://id.loc.gov/ontologies/bflc/"
SDO = "http://schema.org/"
MADS = "http://www.loc.gov/mads/rdf/v1#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = RDF + "type"
VOCABULARIES = {BF: "bibframe-2.6.0.rdf", BFLC: "bflc.rdf", SDO: "schemaorg-30.0-current-https.ttl",
                MADS: "madsrdf-v1.ttl"}
# the few core terms of RDF, RDFS and OWL we use (their vocabularies are not among the files)
CORE = {RDF + "type", RDF + "value", RDF + "first", RDF + "rest", RDFS + "label", OWL + "sameAs"}


@cache
def defined_terms(namespace: str) -> frozenset[str]:
    graph = rdflib.Graph().parse(ONTOLOGIES / VOCABULARIES[namespace])
    published = "https://schema.org/" if namespace == SDO else namespace
    return frozenset(namespace + str(s)[len(published):] for s in graph.subjects() if str(s).startswith(published))


def published(term: str) -> bool:
    if term in CORE:
        return True
    namespace = next((ns for ns in VOCABULARIES if term.startswith(ns)), None)
    return namespace is not None and term in defined_terms(namespace)


def emitted_terms(paths: list[Path]) -> tuple[set[str], set[str], int]:
    """(classes, properties, records) over every record under `paths`."""
    converter = Converter(Minter("http://lod.test/"), "VN-TEST")
    classes: set[str] = set()
    properties: set[str] = set()
    records = 0
    for path in paths:
        for record in read_path(path):
            if not isinstance(record, SourceRecord) or record.deleted or not record.id:
                continue
            records += 1
            for _, p, o in converter.convert(record).triples:
                properties.add(p)
                if p == RDF_TYPE:
                    classes.add(o)
    return classes, properties, records


def terms_file() -> dict:
    return yaml.safe_load((ROOT / "ontologies" / "terms.yaml").read_text(encoding="utf-8"))


def needs_ontologies() -> None:
    if not ONTOLOGIES.is_dir():
        pytest.skip("../shared/ontologies is not here (the published vocabularies sit beside the project)")


def test_what_the_mappings_declare_is_published_and_labelled():
    needs_ontologies()
    classes, properties = mapping_terms()
    unknown = sorted(t for t in classes | properties if not published(t))
    assert not unknown, f"not in the published vocabularies: {unknown}"
    labelled = {expand(entry["iri"]): entry for group in terms_file().values() for entry in group}
    missing = sorted((classes | properties) - set(labelled))
    assert not missing, f"not in ontologies/terms.yaml: {missing}"
    for iri, entry in labelled.items():
        assert published(iri), iri
        assert entry["label_vi"].strip() and entry["label_en"].strip(), iri


def test_schema_org_side_uses_only_schema_org():
    classes, properties = mapping_terms(("marc-schema.yaml", "dc-schema.yaml"))
    foreign = sorted(t for t in classes | properties if not t.startswith(SDO) and t != RDF_TYPE)
    assert not foreign


def test_sample_output_uses_only_published_declared_terms():
    needs_ontologies()
    check(sample_folders())


def test_whole_corpus_output_uses_only_published_declared_terms():
    needs_ontologies()
    folders = [CORPUS / name for name in RECORD_FOLDERS if (CORPUS / name).is_dir()]
    if len(folders) < len(RECORD_FOLDERS):
        pytest.skip("../shared/corpus is not here (the shared test corpus sits beside the project)")
    records = check(folders)
    assert records > 4000


def check(paths: list[Path]) -> int:
    classes, properties, records = emitted_terms(paths)
    unknown = sorted(t for t in classes | properties if not published(t))
    assert not unknown, f"not in the published vocabularies: {unknown}"
    declared_classes, declared_properties = mapping_terms()
    assert classes <= declared_classes, sorted(classes - declared_classes)
    assert properties <= declared_properties, sorted(properties - declared_properties)
    return records
