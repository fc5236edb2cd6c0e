"""The classes and properties the mapping files can emit, read from the files themselves.

Properties are the keys of `set:` and `via:`; classes are the types of records, nodes and entities,
`rdf:type` values, and the values of code lists that an `rdf:type` rule turns into a class URI.
"""

from __future__ import annotations

from collections.abc import Iterator

from lod.mapping.codes import code_list
from lod.mapping.compile import expand, load_yaml

MAPPING_FILES = ("marc-bibframe.yaml", "marc-schema.yaml", "dc-bibframe.yaml", "dc-schema.yaml")
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF + "type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def mapping_terms(files: tuple[str, ...] = MAPPING_FILES) -> tuple[set[str], set[str]]:
    """(classes, properties) as full IRIs, over every mapping file. Types may be keyed by "$code" (node per
    subfield): those count too."""
    classes: set[str] = set()
    properties: set[str] = {RDF_TYPE}
    for name in files:
        data = load_yaml(name)
        for role, spec in (data.get("record") or {}).items():
            if role == "links":
                properties.update(expand(p) for _, p, _ in spec)
            else:
                classes.update(_types(spec.get("type")))
        for description in (data.get("entities") or {}).values():
            classes.update(_types(description.get("type")))
            _walk_set(description.get("set"), classes, properties)
        for rule in data.get("rules") or []:
            _walk_resource(rule, classes, properties)
    return classes, properties


def _types(value) -> Iterator[str]:
    for choice in value.values() if isinstance(value, dict) else [value]:
        for t in choice if isinstance(choice, list) else [choice]:
            if t:
                yield expand(str(t))


def _walk_resource(spec: dict, classes: set[str], properties: set[str]) -> None:
    node = spec.get("node")
    if isinstance(node, dict):
        classes.update(_types(node.get("type")))
        if node.get("list"):
            properties.update((RDF + "first", RDF + "rest"))
        if isinstance(node.get("via"), str):
            properties.add(expand(node["via"]))
    via = spec.get("via")
    if isinstance(via, str):
        properties.add(expand(via))
    elif via:
        for value in via if isinstance(via, list) else [via]:
            properties.update(_coded(value))
    _walk_set(spec.get("set"), classes, properties)


def _walk_set(set_spec, classes: set[str], properties: set[str]) -> None:
    for prop, values in (set_spec or {}).items():
        iri = expand(prop)
        properties.add(iri)
        for value in values if isinstance(values, list) else [values]:
            if not isinstance(value, dict):
                continue
            if "node" in value or "entity" in value:
                _walk_resource(value, classes, properties)
            elif iri == RDF_TYPE:
                classes.update(_coded(value))
            if "describe" in value:  # the coded value is typed and labelled
                classes.update(_types(value["describe"]))
                properties.add(RDFS_LABEL)


def _coded(value: dict) -> set[str]:
    """The IRIs a value spec can make: its constant, or its code list's values put in its template."""
    if "value" in value:
        return {expand(str(value["value"]))}
    if "iri" in value and "map" in value:
        template = expand(value["iri"])
        return {template.format(v) for v in code_list(value["map"]).values() if v}
    return set()
