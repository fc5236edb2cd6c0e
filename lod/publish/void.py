"""The dataset described for machines: a DCAT 3 catalogue and a VoID description in one graph.

Everything is named under the store's base (rebased on the way out like any document): the catalogue
`id/dataset/catalog`, the whole dataset `id/dataset/all`, one subset per library `id/dataset/{ISIL}`, and
hash IRIs for partitions, distributions and checksums (no blank nodes, so the description reloads
to the same triples).
"""

from __future__ import annotations

from dataclasses import dataclass

from lod.publish.stats import Stats
from lod.terms import IRI, Literal, Triple
from lod.uris import digest

RDF_TYPE = IRI("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = IRI("http://www.w3.org/2000/01/rdf-schema#label")
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SPDX = "http://spdx.org/rdf/terms#"
XSD = "http://www.w3.org/2001/XMLSchema#"
MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
VOCABULARIES = ("http://id.loc.gov/ontologies/bibframe/", "http://id.loc.gov/ontologies/bflc/",
                "http://schema.org/", "http://www.w3.org/2000/01/rdf-schema#")
TITLE = {"vi": "Mục lục liên hợp các thư viện Việt Nam (dữ liệu mở liên kết)",
         "en": "Union catalogue of Vietnam's libraries (linked open data)"}
DESCRIPTION = {
    "vi": "Biểu ghi thư mục của các thư viện Việt Nam chuyển sang BIBFRAME 2 và Schema.org: tác phẩm, "
          "ấn phẩm, bản tài liệu, tác giả, chủ đề và thư viện, mỗi thứ một URI.",
    "en": "Catalogue records of Vietnam's libraries as BIBFRAME 2 and Schema.org: works, instances, items, "
          "agents, subjects and libraries, each with a URI of its own.",
}


@dataclass(frozen=True)
class Publication:
    """What the description says besides the figures: who publishes, under which licence, where."""

    base: str  # the store's base: every IRI of the description is made under it
    licence: str
    publisher: str

    def dataset(self, key: str = "all") -> IRI:
        return IRI(f"{self.base}id/dataset/{key}")

    @property
    def catalog(self) -> IRI:
        return self.dataset("catalog")


def description(stats: Stats, dumps: list[dict], publication: Publication) -> list[Triple]:
    """The catalogue, the dataset, its partitions, its library subsets and their dumps, as triples."""
    p = publication
    data, catalog, publisher = p.dataset(), p.catalog, IRI(p.catalog + "#publisher")
    service = IRI(f"{p.base}sparql")
    triples: list[Triple] = [
        (catalog, RDF_TYPE, IRI(DCAT + "Catalog")),
        *_titled(catalog, TITLE, DESCRIPTION),
        (catalog, IRI(DCT + "publisher"), publisher),
        (catalog, IRI(DCT + "license"), IRI(p.licence)),
        (catalog, IRI(FOAF + "homepage"), IRI(p.base)),
        (catalog, IRI(DCAT + "dataset"), data),
        (catalog, IRI(DCAT + "service"), service),
        (publisher, RDF_TYPE, IRI(FOAF + "Agent")),
        (publisher, IRI(FOAF + "name"), Literal(p.publisher, "vi")),
        (service, RDF_TYPE, IRI(DCAT + "DataService")),
        (service, RDFS_LABEL, Literal("SPARQL 1.1")),
        (service, IRI(DCAT + "endpointURL"), service),
        (service, IRI(DCT + "conformsTo"), IRI("https://www.w3.org/TR/sparql11-protocol/")),
        (service, IRI(DCAT + "servesDataset"), data),
        *_dataset(data, stats.statements, publication, stats.modified),
        *_titled(data, TITLE, DESCRIPTION),
        (data, IRI(VOID + "sparqlEndpoint"), service),
        (data, IRI(VOID + "uriSpace"), Literal(p.base + "id/")),
        (data, IRI(VOID + "entities"), _count(stats.entity_count)),
        (data, IRI(VOID + "classes"), _count(len(stats.classes))),
        (data, IRI(VOID + "properties"), _count(len(stats.properties))),
        (data, IRI(DCAT + "landingPage"), IRI(f"{p.base}dataset")),
        *((data, IRI(VOID + "vocabulary"), IRI(v)) for v in VOCABULARIES),
        *((data, IRI(VOID + "exampleResource"), IRI(uri)) for uri in stats.examples),
    ]
    for cls, entities in stats.classes:
        triples += _class_partition(data, cls, entities)
    for prop, statements in stats.properties:
        triples += _property_partition(data, prop, statements)
    triples += _distributions(data, [d for d in dumps if d.get("library") is None], publication)
    for library in stats.libraries:
        subset = p.dataset(library.isil)
        names = {"vi": f"{library.name or library.isil} ({library.isil})"}
        triples += [
            (data, IRI(VOID + "subset"), subset),
            *_dataset(subset, library.statements, publication, stats.modified),
            *_titled(subset, names, {}),
            (subset, IRI(DCT + "isPartOf"), data),
            (subset, IRI(DCT + "source"), IRI(library.uri)),
            (subset, IRI(VOID + "sparqlEndpoint"), service),
            (subset, IRI(VOID + "documents"), _count(library.records)),
        ]
        triples += _distributions(subset, [d for d in dumps if d.get("library") == library.isil], publication)
    return list(dict.fromkeys(triples))


def _dataset(uri: IRI, statements: int, p: Publication, modified: str | None) -> list[Triple]:
    triples = [
        (uri, RDF_TYPE, IRI(VOID + "Dataset")),
        (uri, RDF_TYPE, IRI(DCAT + "Dataset")),
        (uri, IRI(DCT + "license"), IRI(p.licence)),
        (uri, IRI(DCT + "publisher"), IRI(p.catalog + "#publisher")),
        (uri, IRI(VOID + "triples"), _count(statements)),
    ]
    if modified:
        triples.append((uri, IRI(DCT + "modified"), Literal(modified, datatype=XSD + "dateTime")))
    return triples


def _titled(uri: IRI, titles: dict[str, str], descriptions: dict[str, str]) -> list[Triple]:
    triples = [(uri, IRI(DCT + "title"), Literal(text, lang)) for lang, text in titles.items()]
    triples += [(uri, RDFS_LABEL, Literal(text, lang)) for lang, text in titles.items()]
    triples += [(uri, IRI(DCT + "description"), Literal(text, lang)) for lang, text in descriptions.items()]
    return triples


def _class_partition(data: IRI, cls: str, entities: int) -> list[Triple]:
    part = IRI(f"{data}#class-{digest(cls, 12)}")
    return [(data, IRI(VOID + "classPartition"), part), (part, IRI(VOID + "class"), IRI(cls)),
            (part, IRI(VOID + "entities"), _count(entities))]


def _property_partition(data: IRI, prop: str, statements: int) -> list[Triple]:
    part = IRI(f"{data}#property-{digest(prop, 12)}")
    return [(data, IRI(VOID + "propertyPartition"), part), (part, IRI(VOID + "property"), IRI(prop)),
            (part, IRI(VOID + "triples"), _count(statements))]


def _distributions(data: IRI, dumps: list[dict], p: Publication) -> list[Triple]:
    triples: list[Triple] = []
    for dump in dumps:
        url = IRI(f"{p.base}dumps/{dump['file']}")
        dist = IRI(f"{data}#dump-{dump['file']}")
        checksum = IRI(f"{dist}-sha256")
        triples += [
            (data, IRI(VOID + "dataDump"), url),
            (data, IRI(DCAT + "distribution"), dist),
            (dist, RDF_TYPE, IRI(DCAT + "Distribution")),
            (dist, IRI(DCT + "title"), Literal(dump["file"])),
            (dist, IRI(DCAT + "downloadURL"), url),
            (dist, IRI(DCAT + "accessURL"), IRI(f"{p.base}dumps/")),
            (dist, IRI(DCAT + "mediaType"), IRI(MEDIA_TYPES + dump["format"])),
            (dist, IRI(DCAT + "byteSize"), Literal(str(dump["bytes"]), datatype=XSD + "nonNegativeInteger")),
            (dist, IRI(DCT + "license"), IRI(p.licence)),
            (dist, IRI(SPDX + "checksum"), checksum),
            (checksum, RDF_TYPE, IRI(SPDX + "Checksum")),
            (checksum, IRI(SPDX + "algorithm"), IRI(SPDX + "checksumAlgorithm_sha256")),
            (checksum, IRI(SPDX + "checksumValue"), Literal(dump["sha256"], datatype=XSD + "hexBinary")),
        ]
        if dump.get("compression"):
            compression = IRI(f"{MEDIA_TYPES}application/{dump['compression']}")
            triples.append((dist, IRI(DCAT + "compressFormat"), compression))
    return triples


def _count(n: int) -> Literal:
    return Literal(str(n), datatype=XSD + "integer")
