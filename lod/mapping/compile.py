"""Compile a mapping file (YAML in mappings/) once into Python functions, then run them on records.

A compiled mapping is a dict from tag to the rules for that tag; each rule is a closure built from
its YAML, so the YAML is read and checked once and records only pay for the work they need.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import quote

import yaml

from lod.mapping.codes import MAPPINGS, code_list
from lod.mapping.fields import FieldView
from lod.mapping.functions import CLEAN, join_heading
from lod.mapping.keys import KEYS, pick, subject_scheme
from lod.terms import IRI, Literal, Term, Triple
from lod.uris import Minter, digest

RDF_TYPE = IRI("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_POSITIONS = re.compile(r"^(\d+)(?:-(\d+))?$")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]+$", re.I)


class MappingError(ValueError):
    """A mapping file says something the engine cannot do."""


@dataclass
class Context:
    """What rules need while they convert one record, and the triples they produce."""

    minter: Minter
    resources: dict[str, IRI]  # work, instance, library …
    instance_key: str
    record_type: str = ""  # leader/06 for MARC; for Dublin Core, "a" (text) unless its type says otherwise
    text_lang: str | None = None
    catalog_lang: str | None = None
    triples: dict[Triple, None] = field(default_factory=dict)  # an ordered set

    def emit(self, s: IRI, p: IRI, o: Term) -> None:
        self.triples[(s, p, o)] = None


ValueFn = Callable[[FieldView, Context, IRI], list[Term]]


@cache
def prefixes() -> dict[str, str]:
    with open(MAPPINGS / "prefixes.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def expand(curie: str) -> str:
    prefix, sep, local = curie.partition(":")
    if sep and prefix in prefixes():
        return prefixes()[prefix] + local
    if curie.startswith(("http://", "https://", "{")):
        return curie
    raise MappingError(f"unknown prefix in {curie!r}")


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _types(value, tag: str) -> list[IRI]:
    chosen = pick(value, tag)
    return [IRI(expand(t)) for t in _as_list(chosen)] if chosen else []


# --- values --------------------------------------------------------------------------------------


def _getter(source, join) -> Callable[[FieldView], list[str]]:
    """What `from` reads: subfield codes, positions of a control field, data, an indicator, scheme."""
    if isinstance(source, dict):
        getters = {k: _getter(v, join) for k, v in source.items()}
        return lambda f: (getters.get(f.tag[1:]) or getters.get("default") or (lambda _: []))(f)
    source = str(source)
    if source == "data":
        return lambda f: [f.data] if f.data else []
    if source in ("ind1", "ind2"):
        return lambda f: [v] if (v := getattr(f, source)).strip() else []
    if source == "scheme":
        return lambda f: [s] if (s := subject_scheme(f)) else []
    positions = _POSITIONS.match(source)

    def read(f: FieldView) -> list[str]:
        if f.is_control:
            if not positions:
                return [f.data] if f.data else []
            start = int(positions.group(1))
            end = int(positions.group(2) or start) + 1
            part = f.data[start:end]
            return [part] if part.strip(" |#") else []
        if join is None:
            return f.values(source)
        chosen = [(c, v) for c, v in f.subfields if c in source]
        if not chosen:
            return []
        if join == "heading":
            return [join_heading(chosen)]
        return [(" " if join == "space" else join).join(v for _, v in chosen)]

    return read


def _term(value: str, spec: dict, field_view: FieldView, context: Context) -> Term | None:
    if "iri" in spec:
        template = spec["iri"]
        text = value if template == "{}" else quote(value, safe="")
        iri = expand(template).format(text)
        return IRI(iri) if _URL.match(iri) else None
    lang = spec.get("lang")
    if lang == "text":
        lang = context.text_lang
    elif lang == "catalog":
        lang = context.catalog_lang
    elif lang == "value":
        lang = field_view.lang or context.text_lang
    datatype = expand(spec["datatype"]) if "datatype" in spec else None
    return Literal(value, lang or None, None if lang else datatype)


def _constant(value: str) -> Callable[[Context], Term]:
    text = str(value)
    if text.startswith("{") and text.endswith("}"):
        role = text[1:-1]
        return lambda context: context.resources[role]
    try:
        iri = IRI(expand(text))
        return lambda context: iri
    except MappingError:
        literal = Literal(text)
        return lambda context: literal


def compile_value(spec: dict, entities: dict) -> ValueFn:
    if "node" in spec or "entity" in spec:
        return compile_resource(spec, entities)
    if "value" in spec:
        constant = _constant(spec["value"])
        return lambda f, context, subject: [constant(context)]
    if "from" not in spec:
        raise MappingError(f"a value needs from, value, node or entity: {spec}")
    read = _getter(spec["from"], spec.get("join"))
    cleans = [CLEAN[name] for name in _as_list(spec.get("clean", []))]
    table = code_list(spec["map"]) if "map" in spec else None
    default = _constant(spec["default"]) if "default" in spec else None

    def values(f: FieldView, context: Context, subject: IRI) -> list[Term]:
        out: list[Term] = []
        for value in read(f):
            for clean in cleans:
                value = clean(value)
                if not value:
                    break
            if value and table is not None:
                value = table.get(value, "")
            if value and (term := _term(value, spec, f, context)) is not None:
                out.append(term)
        if not out and default:
            out.append(default(context))
        return out

    return values


def compile_set(set_spec: dict, entities: dict) -> list[tuple[IRI, ValueFn]]:
    compiled = []
    for prop, specs in (set_spec or {}).items():
        for spec in _as_list(specs):
            compiled.append((IRI(expand(prop)), compile_value(spec, entities)))
    return compiled


# --- resources: nodes (parts of a resource) and entities (things with their own key) ------------


def _node_iri(parent: IRI, name: str, content: str | None) -> IRI:
    base, _, fragment = parent.partition("#")
    part = name if content is None else f"{name}-{digest(content)}"
    return IRI(f"{base}#{fragment}.{part}" if fragment else f"{base}#{part}")


def compile_resource(spec: dict, entities: dict) -> ValueFn:
    if "entity" in spec:
        return _compile_entity(spec["entity"], entities, spec.get("set"))
    node = spec["node"]
    name, single = node["name"], node.get("one", False)
    types = node.get("type")
    each = spec.get("each")
    setters = compile_set(spec.get("set"), entities)

    def make(f: FieldView, context: Context, parent: IRI) -> list[IRI]:
        views = [f.only(i) for i, (c, _) in enumerate(f.subfields) if c in each] if each else [f]
        made = []
        for view in views:
            iri = _node_iri(parent, name, None if single else view.text())
            if _fill(iri, view, context, setters):
                for t in _types(types, f.tag):
                    context.emit(iri, RDF_TYPE, t)
                made.append(iri)
        return made

    return make


def _fill(iri: IRI, view: FieldView, context: Context, setters) -> bool:
    """Run a resource's setters; a node that says nothing is dropped, with what its parts said."""
    mark = len(context.triples)
    for prop, value_fn in setters:
        for value in value_fn(view, context, iri):
            context.emit(iri, prop, value)
    return len(context.triples) > mark


def _compile_entity(name: str, entities: dict, extra: dict | None = None) -> ValueFn:
    """An entity described as its vocabulary's `entities:` section says, plus what the rule adds."""
    try:
        definition, description = entities["keys"][name], entities["described"].get(name, {})
    except KeyError:
        raise MappingError(f"unknown entity {name!r}") from None
    make_key = KEYS[definition["key"]]
    setters = compile_set(description.get("set"), entities) + compile_set(extra, entities)
    types = description.get("type")

    def make(f: FieldView, context: Context, parent: IRI) -> list[IRI]:
        key = make_key(f, definition, context)
        if not key:
            return []
        iri = context.minter.thing(pick(definition["kind"], f.tag), key)
        for t in _types(types, f.tag):
            context.emit(iri, RDF_TYPE, t)
        _fill(iri, f, context, setters)
        return [iri]

    return make


# --- rules ---------------------------------------------------------------------------------------


def _condition(when: dict | None) -> Callable[[FieldView, Context], bool]:
    if not when:
        return lambda f, context: True
    checks = []
    if "record_type" in when:
        types = str(when["record_type"])
        checks.append(lambda f, context: context.record_type in types)
    if "has" in when:
        checks.append(lambda f, context, codes=str(when["has"]): f.has(codes))
    if "lacks" in when:
        checks.append(lambda f, context, codes=str(when["lacks"]): not f.has(codes))
    for ind in ("ind1", "ind2"):
        if ind in when:
            checks.append(lambda f, context, ind=ind, allowed=str(when[ind]): getattr(f, ind) in allowed)
    return lambda f, context: all(check(f, context) for check in checks)


def _properties(via, entities: dict) -> ValueFn:
    """The property linking a rule's resource: fixed, or read from the field (a relator → a property)."""
    if isinstance(via, str):
        prop = IRI(expand(via))
        return lambda f, context, subject: [prop]
    fns = [compile_value(spec, entities) for spec in _as_list(via)]
    return lambda f, context, subject: [p for fn in fns for p in fn(f, context, subject)]


def compile_rule(rule: dict, entities: dict) -> Callable[[FieldView, Context], None]:
    applies = _condition(rule.get("when"))
    on = rule["for"]
    if "node" in rule or "entity" in rule:
        properties = _properties(rule.get("via") or rule["node"]["via"], entities)
        make = compile_resource(rule, entities)

        def apply(f: FieldView, context: Context) -> None:
            if applies(f, context):
                parent = context.resources[on]
                vias = properties(f, context, parent)
                for iri in make(f, context, parent) if vias else ():
                    for via in vias:
                        context.emit(parent, via, iri)

        return apply
    setters = compile_set(rule.get("set"), entities)

    def apply_set(f: FieldView, context: Context) -> None:
        if applies(f, context):
            parent = context.resources[on]
            for prop, value_fn in setters:
                for value in value_fn(f, context, parent):
                    context.emit(parent, prop, value)

    return apply_set


@dataclass
class Mapping:
    """A compiled mapping file."""

    record_types: dict[str, list[IRI]]
    links: list[tuple[str, IRI, str]]
    rules: dict[str, list[Callable[[FieldView, Context], None]]]

    def apply(self, fields: dict[str, list[FieldView]], context: Context) -> None:
        for role, types in self.record_types.items():
            for t in types:
                context.emit(context.resources[role], RDF_TYPE, t)
        for s, p, o in self.links:
            context.emit(context.resources[s], p, context.resources[o])
        for tag, rules in self.rules.items():
            for f in fields.get(tag, ()):
                for rule in rules:
                    rule(f, context)


@cache
def load_yaml(name: str) -> dict:
    """A mapping file as data (read once; callers must not change it)."""
    with open(MAPPINGS / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


@cache
def load_mapping(name: str, entities_file: str) -> Mapping:
    """Read and compile `mappings/{name}` once; entity keys come from `mappings/{entities_file}`."""
    data = load_yaml(name)
    entities = {"keys": load_yaml(entities_file), "described": data.get("entities", {})}
    record = data.get("record", {})
    record_types = {
        role: _types(spec["type"], "") for role, spec in record.items() if role != "links" and "type" in spec
    }
    links = [(s, IRI(expand(p)), o) for s, p, o in record.get("links", [])]
    rules: dict[str, list] = {}
    for rule in data["rules"]:
        compiled = compile_rule(rule, entities)
        for tag in str(rule["tag"]).split():
            rules.setdefault(tag, []).append(compiled)
    return Mapping(record_types, links, rules)
