"""The SPARQL 1.1 Service Description of the endpoint, as triples (served at /sparql without a query)."""

from __future__ import annotations

from lod.formats import GRAPH_FORMATS, RESULT_FORMATS
from lod.terms import IRI, Literal, Triple

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = IRI("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCT = "http://purl.org/dc/terms/"
PREFIXES = {"sd": SD, "formats": FORMATS, "rdfs": RDFS, "dcterms": DCT}
# Our format names to the W3C's unique format IRIs (http://www.w3.org/ns/formats/).
FORMAT_IRIS = {"json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
               "tsv": "SPARQL_Results_TSV", "ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples",
               "rdf": "RDF_XML", "nq": "N-Quads", "trig": "TriG"}


def service_description(endpoint: str, time_limit: float, max_rows: int, max_request: int,
                        allowed_services: tuple[str, ...]) -> list[Triple]:
    """The endpoint described under its served IRI: language, formats, features, dataset and limits."""
    service, dataset, default = IRI(f"{endpoint}#service"), IRI(f"{endpoint}#dataset"), IRI(f"{endpoint}#default-graph")
    formats = [f for f in RESULT_FORMATS + GRAPH_FORMATS[:4]]
    features = [IRI(SD + "UnionDefaultGraph")] + ([IRI(SD + "BasicFederatedQuery")] if allowed_services else [])
    limits = (f"Read-only. Each query may run {time_limit:g} s; results stop at {max_rows} rows (the response "
              f"then carries X-SPARQL-MaxRows); requests may be {max_request} bytes. SERVICE calls: "
              + (", ".join(allowed_services) if allowed_services else "none") + ".")
    triples: list[Triple] = [
        (service, RDF_TYPE, IRI(SD + "Service")),
        (service, IRI(SD + "endpoint"), IRI(endpoint)),
        (service, IRI(SD + "supportedLanguage"), IRI(SD + "SPARQL11Query")),
        (service, IRI(SD + "defaultEntailmentRegime"), IRI("http://www.w3.org/ns/entailment/Simple")),
        (service, IRI(RDFS + "label"), Literal("Điểm truy vấn SPARQL dữ liệu mở thư viện Việt Nam", "vi")),
        (service, IRI(RDFS + "label"), Literal("SPARQL endpoint of Vietnam's library linked open data", "en")),
        (service, IRI(RDFS + "comment"), Literal(limits, "en")),
        (service, IRI(SD + "defaultDataset"), dataset),
        (dataset, RDF_TYPE, IRI(SD + "Dataset")),
        (dataset, IRI(SD + "defaultGraph"), default),
        (default, RDF_TYPE, IRI(SD + "Graph")),
        (default, IRI(DCT + "description"),
         Literal("The union of every named graph: one graph per source record, the library registry "
                 "and the dataset description.", "en")),
    ]
    triples += [(service, IRI(SD + "resultFormat"), IRI(FORMATS + FORMAT_IRIS[f.name])) for f in formats]
    triples += [(service, IRI(SD + "feature"), feature) for feature in features]
    return triples
