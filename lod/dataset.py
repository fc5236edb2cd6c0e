"""What the store says about itself: its base URI and the library registry."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import yaml

from lod.store import Store
from lod.terms import IRI, Literal, Triple, nquads
from lod.uris import Minter

VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "http://schema.org/"
RDF_TYPE = IRI("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"

log = logging.getLogger(__name__)


def stored_base(store: Store) -> str | None:
    """The base URI the store's URIs were minted under, if anything was ingested."""
    for row in store.query(f"SELECT ?base WHERE {{ GRAPH ?g {{ ?d <{VOID}uriSpace> ?base }} }} LIMIT 1"):
        return row["base"].value
    return None


def minter_for(store: Store, wanted_base: str) -> Minter:
    """A minter under the store's own base: URIs of one dataset never mix two bases."""
    base = stored_base(store)
    if base and base != wanted_base:
        log.warning("the store's URIs are minted under %s; keeping that base (not %s)", base, wanted_base)
    return Minter(base or wanted_base)


def write_dataset_description(store: Store, minter: Minter) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    d = minter.dataset
    triples: list[Triple] = [
        (d, RDF_TYPE, IRI(VOID + "Dataset")),
        (d, IRI(VOID + "uriSpace"), Literal(minter.base)),
        (d, IRI(DCT + "modified"), Literal(now, datatype=XSD_DATETIME)),
    ]
    store.replace_graphs([minter.meta_graph], nquads(triples, minter.meta_graph))


def library_graph(minter: Minter, isil: str) -> IRI:
    return IRI(f"{minter.registry_graph}/{isil}")


def library_triples(minter: Minter, library: dict) -> list[Triple]:
    """A library of the registry as Schema.org: ISIL, names in Vietnamese and English, type, address."""
    lib = minter.library(library["isil"])
    triples: list[Triple] = [
        (lib, RDF_TYPE, IRI(SCHEMA + "Library")),
        (lib, IRI(SCHEMA + "identifier"), Literal(library["isil"])),
    ]
    for lang in ("vi", "en"):
        if library.get(f"name_{lang}"):
            triples.append((lib, IRI(SCHEMA + "name"), Literal(library[f"name_{lang}"], lang)))
    if library.get("type"):
        triples.append((lib, IRI(SCHEMA + "additionalType"), Literal(library["type"])))
    if library.get("address"):
        triples.append((lib, IRI(SCHEMA + "address"), Literal(library["address"], "vi")))
    if library.get("website"):
        triples.append((lib, IRI(SCHEMA + "url"), IRI(library["website"])))
    for service in library.get("services") or []:
        triples.append((lib, IRI(SCHEMA + "availableService"), Literal(service, "vi")))
    return triples


def register_library(store: Store, minter: Minter, library: dict) -> None:
    graph = library_graph(minter, library["isil"])
    store.replace_graphs([graph], nquads(library_triples(minter, library), graph))


def known_library(store: Store, minter: Minter, isil: str) -> bool:
    return store.has_graph(library_graph(minter, isil))


def libraries(store: Store) -> list[dict]:
    rows = store.query(
        f"""SELECT ?lib ?isil (SAMPLE(COALESCE(?vi, ?n)) AS ?name) WHERE {{
              ?lib a <{SCHEMA}Library> ; <{SCHEMA}identifier> ?isil .
              OPTIONAL {{ ?lib <{SCHEMA}name> ?vi FILTER(lang(?vi) = "vi") }}
              OPTIONAL {{ ?lib <{SCHEMA}name> ?n }} }} GROUP BY ?lib ?isil ORDER BY ?isil"""
    )
    return [{"uri": r["lib"].value, "isil": r["isil"].value, "name": r["name"].value if r["name"] else ""}
            for r in rows]


def library_descriptions(store: Store) -> list[dict]:
    """Every library of the registry with all it says: ISIL, names (vi, en), type, address, website, services."""
    found: dict[str, dict] = {}
    rows = store.query(f"SELECT ?lib ?p ?o WHERE {{ ?lib a <{SCHEMA}Library> ; ?p ?o }}")
    for row in rows:
        uri, prop, value = row["lib"].value, row["p"].value.removeprefix(SCHEMA), row["o"]
        library = found.setdefault(uri, {"uri": uri, "isil": "", "name_vi": "", "name_en": "", "type": "",
                                         "address": "", "website": "", "services": []})
        if prop == "name":
            lang = "en" if getattr(value, "language", None) == "en" else "vi"
            library[f"name_{lang}"] = library[f"name_{lang}"] or value.value
        elif prop in ("identifier", "additionalType", "address", "url"):
            key = {"identifier": "isil", "additionalType": "type", "url": "website"}.get(prop, prop)
            library[key] = value.value
        elif prop == "availableService":
            library["services"].append(value.value)
    for library in found.values():
        library["services"].sort()
    return sorted((lib for lib in found.values() if lib["isil"]), key=lambda lib: lib["isil"])


LIBRARY_TYPES = ("national", "provincial", "district", "school", "university", "specialised", "armed_forces")
# ISO 15511: a prefix (a country code or another agency's), a hyphen, the library's own part; 16 characters
_ISIL = re.compile(r"[A-Za-z0-9]{1,4}-[A-Za-z0-9\-/:]{1,11}")


def library_problems(library: dict) -> list[str]:
    """What is wrong with a library's description before it enters the registry (nothing: [])."""
    isil = str(library.get("isil") or "")
    problems = []
    if not _ISIL.fullmatch(isil) or len(isil) > 16:
        problems.append(f"{isil!r} is not an ISIL (ISO 15511: prefix, hyphen, identifier; at most 16 characters)")
    if not library.get("name_vi"):
        problems.append(f"{isil}: name_vi (the library's name in Vietnamese) is missing")
    if library.get("type") and library["type"] not in LIBRARY_TYPES:
        problems.append(f"{isil}: type {library['type']!r} is not one of {', '.join(LIBRARY_TYPES)}")
    if library.get("website") and not str(library["website"]).startswith(("http://", "https://")):
        problems.append(f"{isil}: website {library['website']!r} is not an http(s) URL")
    services = library.get("services") or []
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        problems.append(f"{isil}: services must be a list of texts")
    return problems


def read_registry(path: Path) -> list[dict]:
    """Libraries described in a YAML file: a list of libraries (as lod/samples/libraries.yaml), or
    `libraries:` holding one."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("libraries")
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError(f"{path}: expected a list of libraries (isil, name_vi, name_en, type, address, website, "
                         f"services)")
    return data
