"""Compile a mapping file (YAML in mappings/) once into Python functions, then run them on records.

A compiled mapping is a dict from tag to the rules for that tag; each rule is a closure built from
its YAML, so the YAML is read and checked once and records only pay for the work they need. Every
key, clean-up, code list and key function a file names is checked while it compiles: a mistake is a
MappingError that names the file and the rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple
from urllib.parse import quote

import yaml

from lod.mapping import codes
from lod.mapping.codes import LOADER, MAPPINGS, code_labels, code_list
from lod.mapping.fields import FieldView
from lod.mapping.functions import CLEAN, join_heading
from lod.mapping.keys import KEYS, pick, subject_scheme
from lod.terms import IRI, Literal, Term, Triple
from lod.uris import Minter, digest

RDF_TYPE = IRI("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDF_FIRST = IRI("http://www.w3.org/1999/02/22-rdf-syntax-ns#first")
RDF_REST = IRI("http://www.w3.org/1999/02/22-rdf-syntax-ns#rest")
RDF_NIL = IRI("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil")
RDFS_LABEL = IRI("http://www.w3.org/2000/01/rdf-schema#label")
_POSITIONS = re.compile(r"^(\d+)(?:-(\d+))?$")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]+$", re.I)

# What each part of a mapping file may say. Anything else is a mistake, reported with where it is.
RULE_KEYS = {"tag", "when", "for", "node", "entity", "via", "set", "each"}
VALUE_KEYS = {"from", "join", "split", "clean", "map", "iri", "lang", "datatype", "value", "default", "describe"}
RESOURCE_KEYS = {"node", "entity", "each", "set"}
NODE_KEYS = {"name", "type", "via", "one", "list"}
WHEN_KEYS = {"leader", "at", "has", "lacks", "ind1", "ind2"}
LANGS = {"text", "catalog"}
ROLES = {"work", "instance", "library"}
FILE_KEYS = {"record", "entities", "rules", "aliases"}


class MappingError(ValueError):
    """A mapping file says something the engine cannot do."""


@dataclass
class Context:
    """What rules need while they convert one record, and the triples they produce."""

    minter: Minter
    resources: dict[str, IRI]  # work, instance, library …
    instance_key: str
    leader: str = ""  # MARC leader; empty for Dublin Core
    text_lang: str | None = None
    catalog_lang: str | None = None
    triples: dict[Triple, None] = field(default_factory=dict)  # an ordered set
    emitted: int = 0  # statements made, counting repeats: tells coverage whether a rule said anything
    recording: list[list[Triple]] = field(default_factory=list)  # statements being remembered (entities)

    def emit(self, s: IRI, p: IRI, o: Term) -> None:
        self.triples[(s, p, o)] = None
        self.emitted += 1
        if self.recording:
            for record in self.recording:
                record.append((s, p, o))


ValueFn = Callable[[FieldView, Context, IRI], list[Term]]
Apply = Callable[[FieldView, Context], None]


class Rule(NamedTuple):
    apply: Apply
    reads: frozenset[str]  # the subfield codes whose content the rule can turn into statements


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


def _check(spec, allowed: set[str], where: str) -> dict:
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: expected a mapping, got {spec!r}")
    unknown = sorted(set(spec) - allowed)
    if unknown:
        keys = ", ".join(map(repr, unknown))
        raise MappingError(f"{where}: unknown key {keys} (allowed: {', '.join(sorted(allowed))})")
    return spec


def _types(value, tag: str, view: FieldView | None = None) -> list[IRI]:
    """The classes a (per-tag, or for one-subfield nodes per-code: "$a") type names."""
    if isinstance(value, dict) and view is not None and len(view.subfields) == 1:
        chosen = value.get("$" + view.subfields[0][0]) or pick(value, tag)
    else:
        chosen = pick(value, tag)
    return [IRI(expand(t)) for t in _as_list(chosen)] if chosen else []


def _typer(value, by_code: bool = False) -> Callable[[str, FieldView], list[IRI]]:
    """`_types` for one type spec, with its answers remembered (types are looked up for every node)."""
    if not isinstance(value, dict):
        constant = _types(value, "")
        return lambda tag, view: constant
    known: dict[tuple[str, str], list[IRI]] = {}

    def types(tag: str, view: FieldView) -> list[IRI]:
        code = view.subfields[0][0] if by_code and len(view.subfields) == 1 else ""
        found = known.get((tag, code))
        if found is None:
            found = known[(tag, code)] = _types(value, tag, view if code else None)
        return found

    return types


def _all_types(value, where: str) -> None:
    """Check every class a (possibly per-tag) type names."""
    for choice in value.values() if isinstance(value, dict) else [value]:
        for t in _as_list(choice):
            _expand(t, where)


def _expand(curie: str, where: str) -> str:
    try:
        return expand(str(curie))
    except MappingError as error:
        raise MappingError(f"{where}: {error}") from None


# --- values --------------------------------------------------------------------------------------


def _getter(source, join) -> Callable[[FieldView], list[str]]:
    """What `from` reads: subfield codes, positions of a control field, data, an indicator, scheme."""
    if isinstance(source, dict):
        getters = {k: _getter(v, join) for k, v in source.items()}
        return lambda f: (getters.get(f.tag[1:]) or getters.get("default") or (lambda _: []))(f)
    source = str(source)
    if source == "data":
        return lambda f: [f.data] if f.data else []
    if source == "tag":
        return lambda f: [f.tag]
    if source == "code":
        return lambda f: [f.subfields[0][0]] if len(f.subfields) == 1 else []
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
            return [v for c, v in f.subfields if c in source]
        chosen = [(c, v) for c, v in f.subfields if c in source]
        if not chosen:
            return []
        if join == "heading":
            return [join_heading(chosen)]
        return [(" " if join == "space" else join).join(v for _, v in chosen)]

    return read


def _splitter(split, where: str) -> Callable[[str], list[str]]:
    """`split: 3` cuts a value into codes of three characters; `split: "pattern"` cuts where a regular
    expression matches (", | và " cuts "biên soạn, dịch" in two)."""
    if isinstance(split, int) and split > 0:
        return lambda v: [v[i : i + split] for i in range(0, len(v), split)]
    try:
        pattern = re.compile(str(split))
    except re.error as error:
        raise MappingError(f"{where}: split {split!r} is not a regular expression: {error}") from None
    return lambda v: [part for part in pattern.split(v) if part]


def _language(spec: dict, where: str) -> Callable[[FieldView, Context], str | None]:
    lang = spec.get("lang")
    if lang is None:
        # text from an 880 is tagged with its script even where the record's own text is not
        return lambda f, context: f.script
    if lang == "text":
        return lambda f, context: f.lang or context.text_lang
    if lang == "catalog":
        return lambda f, context: f.lang or context.catalog_lang
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", str(lang)):
        raise MappingError(f"{where}: lang must be text, catalog or a language tag, not {lang!r}")
    return lambda f, context: lang


def _term_maker(spec: dict, where: str) -> Callable[[str, FieldView, Context], Term | None]:
    if "iri" in spec:
        template = _expand(spec["iri"], where)
        if "{}" not in template:
            raise MappingError(f"{where}: an iri template needs {{}} where the value goes")
        plain = template == "{}"

        made: dict[str, IRI | None] = {}  # codes recur in every record: remember what each became

        def make_iri(value: str, f: FieldView, context: Context) -> Term | None:
            if value in made:
                return made[value]
            iri = template.format(value if plain else quote(value, safe="/"))
            if len(made) > 1 << 14:
                made.clear()
            made[value] = found = IRI(iri) if _URL.match(iri) else None
            return found

        return make_iri
    language = _language(spec, where)
    datatype = _expand(spec["datatype"], where) if "datatype" in spec else None
    if datatype:
        return lambda value, f, context: Literal(value, None, datatype)
    if spec.get("lang") is None:
        # numbers and codes are in no language, even when they come from an 880
        return lambda value, f, context: Literal(value, f.script if f.script and not value.isascii() else None)
    return lambda value, f, context: Literal(value, language(f, context))


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


def _check_constant(value, where: str) -> None:
    text = str(value)
    if text.startswith("{") and text.endswith("}") and text[1:-1] not in ROLES:
        raise MappingError(f"{where}: {text} names no resource (known: {', '.join(sorted(ROLES))})")


def _describer(spec: dict, where: str) -> Callable[[IRI, str, Context], None] | None:
    """`describe: CLASS` types a coded value's IRI and gives it the labels its code list has."""
    if "describe" not in spec:
        return None
    if "iri" not in spec:
        raise MappingError(f"{where}: describe needs an iri template")
    types = [IRI(_expand(t, where)) for t in _as_list(spec["describe"])]
    labels = code_labels(spec["map"]) if "map" in spec else {}
    literals = {value: [Literal(text, lang) for text, lang in found] for value, found in labels.items()}

    def describe(iri: IRI, value: str, context: Context) -> None:
        for t in types:
            context.emit(iri, RDF_TYPE, t)
        for label in literals.get(value, ()):
            context.emit(iri, RDFS_LABEL, label)

    return describe


def compile_value(spec, entities: dict, where: str) -> ValueFn:
    if isinstance(spec, dict) and ("node" in spec or "entity" in spec):
        return compile_resource(spec, entities, where)
    spec = _check(spec, VALUE_KEYS, where)
    if "value" in spec:
        _check_constant(spec["value"], where)
        constant = _constant(spec["value"])
        return lambda f, context, subject: [constant(context)]
    if "from" not in spec:
        raise MappingError(f"{where}: a value needs from, value, node or entity")
    read = _getter(spec["from"], spec.get("join"))
    split = _splitter(spec["split"], where) if "split" in spec else None
    cleans = []
    for name in _as_list(spec.get("clean", [])):
        if name not in CLEAN:
            raise MappingError(f"{where}: unknown clean-up {name!r} (known: {', '.join(sorted(CLEAN))})")
        cleans.append(CLEAN[name])
    if "map" in spec and not codes.exists(spec["map"]):
        raise MappingError(f"{where}: no code list {spec['map']!r} in mappings/codes")
    table = code_list(spec["map"]) if "map" in spec else None
    make_term = _term_maker(spec, where)
    describe = _describer(spec, where)
    if "default" in spec:
        _check_constant(spec["default"], where)
    default = _constant(spec["default"]) if "default" in spec else None

    def values(f: FieldView, context: Context, subject: IRI) -> list[Term]:
        out: list[Term] = []
        found = read(f)
        if split is not None:
            found = [part for value in found for part in split(value)]
        for value in found:
            for clean in cleans:
                value = clean(value)
                if not value:
                    break
            if value and table is not None:
                value = table.get(value, "")
            if value and (term := make_term(value, f, context)) is not None:
                out.append(term)
                if describe is not None:
                    describe(term, value, context)
        if not out and default:
            out.append(default(context))
        return out

    return values


class Setter(NamedTuple):
    prop: IRI
    values: ValueFn
    constant: bool  # says the same whatever the field holds (a `value`, or what `from: tag` reads)


def compile_set(set_spec, entities: dict, where: str) -> list[Setter]:
    compiled = []
    if set_spec is not None and not isinstance(set_spec, dict):
        raise MappingError(f"{where}: set must map properties to values")
    for prop, specs in (set_spec or {}).items():
        iri = IRI(_expand(prop, where))
        for n, spec in enumerate(_as_list(specs)):
            fn = compile_value(spec, entities, f"{where}, {prop}" + (f" #{n + 1}" if n else ""))
            constant = isinstance(spec, dict) and ("value" in spec or spec.get("from") == "tag")
            compiled.append(Setter(iri, fn, constant))
    return compiled


# --- resources: nodes (parts of a resource) and entities (things with their own key) ------------


def _node_iri(parent: IRI, name: str, content: str | None) -> IRI:
    base, _, fragment = parent.partition("#")
    part = name if content is None else f"{name}-{digest(content)}"
    return IRI(f"{base}#{fragment}.{part}" if fragment else f"{base}#{part}")


def compile_resource(spec: dict, entities: dict, where: str, rule_level: bool = False) -> ValueFn:
    allowed = RULE_KEYS if rule_level else RESOURCE_KEYS
    _check(spec, allowed, where)
    if "entity" in spec:
        return _compile_entity(spec["entity"], entities, spec.get("set"), where, spec.get("each"))
    node = _check(spec["node"], NODE_KEYS, f"{where}, node")
    if "name" not in node:
        raise MappingError(f"{where}: a node needs a name")
    name, single, as_list = node["name"], node.get("one", False), node.get("list", False)
    types = node.get("type")
    if types:
        _all_types(types, f"{where}, node type")
    each = spec.get("each")
    setters = Setters.of(compile_set(spec.get("set"), entities, where))
    typer = _typer(types, by_code=bool(each))

    def make(f: FieldView, context: Context, parent: IRI) -> list[IRI]:
        views = [f.only(i) for i, (c, _) in enumerate(f.subfields) if c in each] if each else [f]
        made = []
        for view in views:
            iri = _node_iri(parent, name, None if single else view.text())
            if _fill(iri, view, context, setters):
                for t in typer(f.tag, view):
                    context.emit(iri, RDF_TYPE, t)
                made.append(iri)
        return _chain(parent, name, made, context) if as_list and made else made

    return make


def _chain(parent: IRI, name: str, items: list[IRI], context: Context) -> list[IRI]:
    """An rdf:List of `items` whose cells are IRIs too (no blank nodes); returns its head."""
    cells = [_node_iri(parent, f"{name}-list-{n}", None) for n in range(1, len(items) + 1)]
    for i, (cell, item) in enumerate(zip(cells, items, strict=True)):
        context.emit(cell, RDF_FIRST, item)
        context.emit(cell, RDF_REST, cells[i + 1] if i + 1 < len(cells) else RDF_NIL)
    return cells[:1]


class Setters(NamedTuple):
    """A resource's setters, those that read the field apart from the constants."""

    data: list[Setter]
    constants: list[Setter]

    @classmethod
    def of(cls, setters: list[Setter]) -> Setters:
        return cls([s for s in setters if not s.constant], [s for s in setters if s.constant])


def _fill(iri: IRI, view: FieldView, context: Context, setters: Setters) -> bool:
    """Run a resource's setters; a node that says nothing is dropped, with what its parts said.

    Constants (a note's type, an identifier's assigner) only add to what the field itself says: a node
    with nothing but constants is not made, unless constants are all it ever has.
    """
    mark = context.emitted  # counts statements said again too: a thing named twice is still named
    emit = context.emit
    for prop, values, _ in setters.data:
        for value in values(view, context, iri):
            emit(iri, prop, value)
    if context.emitted > mark or not setters.data:
        for prop, values, _ in setters.constants:
            for value in values(view, context, iri):
                emit(iri, prop, value)
    return context.emitted > mark


def _compile_entity(name: str, entities: dict, extra: dict | None, where: str, each: str | None = None) -> ValueFn:
    """An entity described as its vocabulary's `entities:` section says, plus what the rule adds."""
    try:
        definition, description = entities["keys"][name], entities["described"].get(name, {})
    except KeyError:
        raise MappingError(f"{where}: unknown entity {name!r}") from None
    if definition.get("key") not in KEYS:
        raise MappingError(f"{where}: entity {name!r} has no known key function ({', '.join(sorted(KEYS))})")
    make_key = KEYS[definition["key"]]
    for kind in (definition.get("identifiers") or {}).values():
        if kind != "record" and kind not in CLEAN:
            raise MappingError(f"{where}: entity {name!r}: identifier kind {kind!r} is neither record nor a clean-up")
    setters = Setters.of(compile_set(description.get("set"), entities, f"{where}, entity {name}")
                         + compile_set(extra, entities, where))
    typer = _typer(description.get("type"))

    def make_one(f: FieldView, context: Context) -> IRI | None:
        key = make_key(f.partner or f, definition, context)
        if not key:
            return None
        iri = context.minter.thing(pick(definition["kind"], f.tag), key)
        if not _fill(iri, f, context, setters) and (setters.data or setters.constants):
            return None  # a copy, a place … the field says nothing about
        for t in typer(f.tag, f):
            context.emit(iri, RDF_TYPE, t)
        return iri

    if _pure(name, entities, extra):
        make_one = _remembered(make_one)

    def make(f: FieldView, context: Context, parent: IRI) -> list[IRI]:
        views = [f.only(i) for i, (c, _) in enumerate(f.subfields) if c in each] if each else [f]
        return [iri for view in views if (iri := make_one(view, context))]

    return make


def _remembered(make_one: Callable[[FieldView, Context], IRI | None]) -> Callable[[FieldView, Context], IRI | None]:
    """An entity whose statements depend on its field alone: the same heading in the next record is
    said again from memory (agents, subjects and series recur across a library's records)."""
    memory: dict[tuple, tuple[IRI | None, list[Triple]]] = {}

    def make_one_remembered(f: FieldView, context: Context) -> IRI | None:
        partner = f.partner.subfields if f.partner else None
        known = (context.minter.base, f.tag, f.ind1, f.ind2, f.subfields, f.lang, f.script, f.key, partner)
        found = memory.get(known)
        if found is not None:
            for triple in found[1]:
                context.emit(*triple)
            return found[0]
        said: list[Triple] = []
        context.recording.append(said)
        try:
            iri = make_one(f, context)
        finally:
            context.recording.pop()
        if len(memory) > 1 << 14:
            memory.clear()
        memory[known] = (iri, said)
        return iri

    return make_one_remembered


def _pure(name: str, entities: dict, extra: dict | None, seen: frozenset[str] = frozenset()) -> bool:
    """True when what an entity says depends on its field alone: a key made from the field, and no
    value in the record's language or naming the record's resources."""
    if entities["keys"].get(name, {}).get("key") not in ("heading", "subject", "link") or name in seen:
        return name in seen
    described = (entities["described"].get(name) or {}).get("set") or {}
    return _pure_set(described, entities, seen | {name}) and _pure_set(extra or {}, entities, seen | {name})


def _pure_set(set_spec: dict, entities: dict, seen: frozenset[str]) -> bool:
    for values in set_spec.values():
        for value in _as_list(values):
            if not isinstance(value, dict):
                continue
            if value.get("lang") in LANGS or any(str(value.get(k, "")).startswith("{") for k in ("value", "default")):
                return False
            if "entity" in value and not _pure(value["entity"], entities, value.get("set"), seen):
                return False
            if not _pure_set(value.get("set") or {}, entities, seen):
                return False
    return True


# --- what a rule reads, for coverage ---------------------------------------------------------------


def _reads(spec, entities: dict) -> set[str]:
    """Subfield codes a rule or value turns into statements (a superset: positions count as codes)."""
    found: set[str] = set()
    if isinstance(spec, list):
        for item in spec:
            found |= _reads(item, entities)
        return found
    if not isinstance(spec, dict):
        return found
    source = spec.get("from")
    for codes_ in source.values() if isinstance(source, dict) else [source]:
        if isinstance(codes_, str) and codes_ not in ("data", "ind1", "ind2", "tag", "code"):
            found |= {"2"} if codes_ == "scheme" else set(codes_) - set("-")
        elif isinstance(codes_, int):
            found |= set(str(codes_))
    if spec.get("each"):
        found |= set(str(spec["each"]))
    if "entity" in spec:
        name = spec["entity"]
        definition = entities["keys"].get(name, {})
        for heading in _pick_all(definition.get("heading", "")):
            found |= set(heading)
        found |= set(str(definition.get("identifiers", "")))
        found |= _reads({"set": entities["described"].get(name, {}).get("set") or {}}, entities)
    for key in ("set", "via"):
        value = spec.get(key)
        if isinstance(value, dict):
            for item in value.values():
                found |= _reads(item, entities)
        elif isinstance(value, list):
            found |= _reads(value, entities)
    return found


def _pick_all(value) -> list[str]:
    return [str(v) for v in value.values()] if isinstance(value, dict) else [str(value)]


# --- rules ---------------------------------------------------------------------------------------


def _positions(spec, where: str) -> list[tuple[int, str]]:
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: give positions and the characters allowed there, e.g. {{6: at}}")
    return [(int(pos), str(allowed)) for pos, allowed in spec.items()]


def _condition(when, where: str) -> Callable[[FieldView, Context], bool] | None:
    if not when:
        return None
    _check(when, WHEN_KEYS, f"{where}, when")
    checks = []
    if "leader" in when:
        wanted = _positions(when["leader"], f"{where}, when leader")
        checks.append(lambda f, context: bool(context.leader) and all(context.leader[p] in ok for p, ok in wanted))
    if "at" in when:
        at = _positions(when["at"], f"{where}, when at")
        checks.append(lambda f, context: all(f.data[p : p + 1] in ok and f.data[p : p + 1] for p, ok in at))
    if "has" in when:  # a list: one of each group's codes must be there
        groups = [str(g) for g in _as_list(when["has"])]
        checks.append(lambda f, context: all(f.has(codes_) for codes_ in groups))
    if "lacks" in when:
        checks.append(lambda f, context, codes_=str(when["lacks"]): not f.has(codes_))
    for ind in ("ind1", "ind2"):
        if ind in when:
            checks.append(lambda f, context, ind=ind, allowed=str(when[ind]): getattr(f, ind) in allowed)
    if len(checks) == 1:
        return checks[0]
    return lambda f, context: all(check(f, context) for check in checks)


def _properties(via, entities: dict, where: str) -> ValueFn:
    """The property linking a rule's resource: fixed, or read from the field (a relator → a property)."""
    if isinstance(via, str):
        prop = IRI(_expand(via, where))
        return lambda f, context, subject: [prop]
    fns = [compile_value(spec, entities, f"{where}, via") for spec in _as_list(via)]
    return lambda f, context, subject: [p for fn in fns for p in fn(f, context, subject)]


def compile_rule(rule: dict, entities: dict, where: str) -> Apply:
    _check(rule, RULE_KEYS, where)
    if rule.get("for") not in ROLES:
        raise MappingError(f"{where}: `for` must be one of {', '.join(sorted(ROLES))}, not {rule.get('for')!r}")
    applies = _condition(rule.get("when"), where)
    on = rule["for"]
    if "node" in rule or "entity" in rule:
        via = rule.get("via") or (rule["node"].get("via") if isinstance(rule.get("node"), dict) else None)
        if not via:
            raise MappingError(f"{where}: a node or entity rule needs `via` (the property that links it)")
        properties = _properties(via, entities, where)
        make = compile_resource({k: v for k, v in rule.items() if k not in ("tag", "when", "for", "via")},
                                entities, where, rule_level=True)

        def apply(f: FieldView, context: Context) -> None:
            if applies is None or applies(f, context):
                parent = context.resources[on]
                vias = properties(f, context, parent)
                for iri in make(f, context, parent) if vias else ():
                    for via in vias:
                        context.emit(parent, via, iri)

        return apply
    if "set" not in rule:
        raise MappingError(f"{where}: a rule needs set, node or entity")
    setters = compile_set(rule["set"], entities, where)

    def apply_set(f: FieldView, context: Context) -> None:
        if applies is None or applies(f, context):
            parent = context.resources[on]
            for prop, value_fn, _ in setters:
                for value in value_fn(f, context, parent):
                    context.emit(parent, prop, value)

    return apply_set


Observer = Callable[[FieldView, set[str] | None], None]


@dataclass
class Mapping:
    """A compiled mapping file."""

    record_types: dict[str, list[IRI]]
    links: list[tuple[str, IRI, str]]
    rules: dict[str, list[Rule]]
    aliases: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.appliers = {tag: [rule.apply for rule in rules] for tag, rules in self.rules.items()}

    def apply(self, fields: dict[str, list[FieldView]], context: Context, observe: Observer | None = None) -> None:
        """Run the rules on the record's fields; `observe(field, codes)` hears, per field, which subfield
        codes rules turned into statements (None when no rule said anything)."""
        for role, types in self.record_types.items():
            for t in types:
                context.emit(context.resources[role], RDF_TYPE, t)
        for s, p, o in self.links:
            context.emit(context.resources[s], p, context.resources[o])
        appliers = self.appliers
        for tag, views in fields.items():
            if observe is not None:
                for f in views:
                    observe(f, _observed(self.rules.get(tag, ()), f, context))
            elif (applies := appliers.get(tag)) is not None:
                for f in views:
                    for apply in applies:
                        apply(f, context)


def _observed(rules, f: FieldView, context: Context) -> set[str] | None:
    used: set[str] | None = None
    for rule in rules:
        before = context.emitted
        rule.apply(f, context)
        if context.emitted > before:
            used = (used or set()) | rule.reads
    return used


@cache
def load_yaml(name: str) -> dict:
    """A mapping file as data (read once; callers must not change it)."""
    with open(MAPPINGS / name, encoding="utf-8") as f:
        return yaml.load(f, Loader=LOADER)


@cache
def load_mapping(name: str, entities_file: str) -> Mapping:
    """Read and compile `mappings/{name}` once; entity keys come from `mappings/{entities_file}`."""
    return compile_mapping(load_yaml(name), load_yaml(entities_file), name)


def compile_mapping(data: dict, entity_keys: dict, name: str = "<mapping>") -> Mapping:
    """Compile a mapping given as data; errors name `name` and the rule."""
    _check(data, FILE_KEYS, name)
    entities = {"keys": entity_keys, "described": data.get("entities") or {}}
    for entity, description in entities["described"].items():
        if entity not in entity_keys:
            raise MappingError(f"{name}: entities: {entity!r} has no key definition in the entities file")
        _check(description, {"type", "set"}, f"{name}: entities: {entity}")
        if "type" in description:
            _all_types(description["type"], f"{name}: entities: {entity}")
    record = data.get("record", {})
    record_types = {
        role: [IRI(_expand(t, f"{name}: record")) for t in _as_list(spec["type"])]
        for role, spec in record.items() if role != "links" and "type" in spec
    }
    links = [(s, IRI(_expand(p, f"{name}: record links")), o) for s, p, o in record.get("links", [])]
    rules: dict[str, list[Rule]] = {}
    for number, rule in enumerate(data.get("rules") or [], 1):
        tags = str(rule.get("tag", "")).split() if isinstance(rule, dict) else []
        where = f"{name}: rule {number} (tag {' '.join(tags) or '?'})"
        if not tags:
            raise MappingError(f"{where}: a rule needs a tag")
        compiled = Rule(compile_rule(rule, entities, where), frozenset(_reads(rule, entities)))
        for tag in tags:
            rules.setdefault(tag, []).append(compiled)
    aliases = {str(alias).lower(): str(element) for element, names in (data.get("aliases") or {}).items()
               for alias in _as_list(names)}
    return Mapping(record_types, links, rules, aliases)
