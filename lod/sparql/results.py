"""Query results written with a cap on rows: the first `max_rows` solutions (or triples) and a flag
saying whether more were left out.

pyoxigraph serialises a whole result or nothing, so solutions are taken one by one up to the cap and
written here in the four standard result formats (SPARQL 1.1 JSON, XML, CSV and TSV). Graph results
(CONSTRUCT, DESCRIBE) are taken as N-Triples lines and, for the other graph formats, written by the
store's own serialisers from a small in-memory store.
"""

from __future__ import annotations

import csv
import io
import json
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

from lod.formats import Format, serialize_results
from lod.store import Store

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RESULTS_NS = "http://www.w3.org/2005/sparql-results#"


def capped_table(results, f: Format, max_rows: int) -> tuple[bytes, bool]:
    """SELECT results in format `f`: at most `max_rows` rows; True when rows were left out."""
    variables = [v.value for v in results.variables]
    rows = list(islice(results, max_rows + 1))
    truncated = len(rows) > max_rows
    rows = [[row[i] for i in range(len(variables))] for row in rows[:max_rows]]
    return WRITERS[f.name](variables, rows), truncated


def capped_graph(results, f: Format, max_triples: int) -> tuple[bytes, bool]:
    """CONSTRUCT or DESCRIBE results in graph format `f`: at most `max_triples` triples."""
    lines = [f"{triple} .\n" for triple in islice(results, max_triples + 1)]
    truncated = len(lines) > max_triples
    text = "".join(lines[:max_triples])
    if f.name == "nt":
        return text.encode("utf-8"), truncated
    scratch = Store()
    scratch.replace_graphs([], text)
    body, _ = serialize_results(scratch.query("CONSTRUCT WHERE { ?s ?p ?o }"), f.name)
    return body, truncated


def _kind(term) -> str:
    return type(term).__name__  # NamedNode, BlankNode, Literal or Triple


def _json_term(term) -> dict:
    kind = _kind(term)
    if kind == "NamedNode":
        return {"type": "uri", "value": term.value}
    if kind == "BlankNode":
        return {"type": "bnode", "value": term.value}
    if kind == "Literal":
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                        "predicate": _json_term(term.predicate),
                                        "object": _json_term(term.object)}}


def write_json(variables: list[str], rows: list[list]) -> bytes:
    bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
    document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _xml_term(term) -> str:
    kind = _kind(term)
    if kind == "NamedNode":
        return f"<uri>{escape(term.value)}</uri>"
    if kind == "BlankNode":
        return f"<bnode>{escape(term.value)}</bnode>"
    if kind == "Literal":
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
            f"</predicate><object>{_xml_term(term.object)}</object></triple>")


def write_xml(variables: list[str], rows: list[list]) -> bytes:
    out = [f'<?xml version="1.0"?>\n<sparql xmlns="{RESULTS_NS}"><head>']
    out += [f"<variable name={quoteattr(v)}/>" for v in variables]
    out.append("</head><results>")
    for row in rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, row, strict=True) if t is not None]
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "".join(out).encode("utf-8")


def _csv_value(term) -> str:
    if term is None:
        return ""
    if _kind(term) == "BlankNode":
        return f"_:{term.value}"
    if _kind(term) == "Triple":
        return str(term)
    return term.value


def write_csv(variables: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([_csv_value(t) for t in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def write_tsv(variables: list[str], rows: list[list]) -> bytes:
    # TSV cells are terms in N-Triples syntax (which escapes line breaks); tabs must be escaped too.
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join("" if t is None else str(t).replace("\t", "\\t") for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


WRITERS = {"json": write_json, "xml": write_xml, "csv": write_csv, "tsv": write_tsv}
