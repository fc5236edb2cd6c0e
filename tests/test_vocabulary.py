"""Every class and property we emit exists in the published vocabularies (../shared/ontologies)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import rdflib

from lod.convert import Converter
from lod.readers import read_path
from lod.records import SourceRecord
from lod.uris import Minter
from tests.test_ingest import CORPUS, sample_folders

ONTOLOGIES = CORPUS.parent / "ontologies"
BF = "http://id.loc.gov/ontologies/bibframe/"
BFLC = "http://id.loc.gov/ontologies/bflc/"
SDO = "http://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
VOCABULARIES = {BF: "bibframe-2.6.0.rdf", BFLC: "bflc.rdf", SDO: "schemaorg-30.0-current-https.ttl"}


@cache
def defined_terms(namespace: str) -> frozenset[str]:
    path = ONTOLOGIES / VOCABULARIES[namespace]
    graph = rdflib.Graph().parse(path)
    published = "https://schema.org/" if namespace == SDO else namespace
    return frozenset(str(s)[len(published):] for s in graph.subjects() if str(s).startswith(published))


def emitted_terms(paths: list[Path]) -> dict[str, set[str]]:
    converter = Converter(Minter("http://lod.test/"), "VN-TEST")
    used: dict[str, set[str]] = {ns: set() for ns in VOCABULARIES}
    for path in paths:
        for record in read_path(path):
            if not isinstance(record, SourceRecord) or record.deleted:
                continue
            for _, p, o in converter.convert(record).triples:
                for term in (p, o if p == RDF_TYPE else None):
                    for ns in VOCABULARIES:
                        if term and term.startswith(ns):
                            used[ns].add(term[len(ns):])
    return used


def check(paths: list[Path]) -> None:
    if not ONTOLOGIES.is_dir():
        pytest.skip("../shared/ontologies is not here")
    for namespace, terms in emitted_terms(paths).items():
        unknown = sorted(terms - defined_terms(namespace))
        assert not unknown, f"not in {VOCABULARIES[namespace]}: {unknown}"


def test_sample_output_uses_only_published_terms():
    check(sample_folders())


def test_corpus_output_uses_only_published_terms():
    folders = [CORPUS / name for name in ("marc2bibframe2-dataset", "dspace-samples", "zenodo-oai-dc")]
    if not all(f.is_dir() for f in folders):
        pytest.skip("../shared/corpus is not here")
    check(folders)
