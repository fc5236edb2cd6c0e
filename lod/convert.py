"""Convert one source record into the triples of its named graph, driven by mappings/."""

from __future__ import annotations

from dataclasses import dataclass, field

from lod.legacy import repair_fields
from lod.mapping.codes import language_tag
from lod.mapping.compile import Context, Observer, load_mapping, load_yaml
from lod.mapping.fields import FieldView, dc_fields, marc_fields
from lod.mapping.functions import language_code
from lod.mapping.keys import KEYS, work_key
from lod.records import SourceRecord
from lod.terms import IRI, Triple
from lod.uris import Minter, local_key

# Each source format, with the mapping files that describe it in each vocabulary.
MAPPINGS = {
    "marc": (("marc-bibframe.yaml", "marc-schema.yaml", "union.yaml"), "marc-entities.yaml"),
    "dc": (("dc-bibframe.yaml", "dc-schema.yaml", "union.yaml"), "dc-entities.yaml"),
}


class ConversionError(ValueError):
    """A record that cannot be converted (no identifier, no title …)."""


@dataclass
class Conversion:
    graph: IRI
    record_id: str
    work: IRI
    instance: IRI
    triples: list[Triple]
    # text repaired on the way (legacy encodings) or suspected and left as it was: for the report
    notes: list[str] = field(default_factory=list)


class Converter:
    """Converts records of one library; mappings are compiled on first use and then reused."""

    def __init__(self, minter: Minter, isil: str):
        self.minter = minter
        self.isil = isil

    def convert(self, record: SourceRecord, observe: Observer | None = None) -> Conversion:
        """The record's triples; `observe`, when given, hears which fields and subfields said something."""
        if not record.id or not record.id.strip():
            raise ConversionError("record has no identifier (MARC 001 or OAI/DSpace identifier)")
        files, entities_file = MAPPINGS[record.format]
        mappings = [load_mapping(name, entities_file) for name in files]
        record_id = record.id.strip()
        if record.format == "marc":
            text_lang = _marc_text_language(record)
            fields = marc_fields(record.marc, text_lang)
        else:
            fields = dc_fields(record.dc, mappings[0].aliases)
        notes = repair_fields(fields)
        fields["@id"] = [FieldView("@id", data=record_id)]
        if record.datestamp:
            fields["@datestamp"] = [FieldView("@datestamp", data=record.datestamp)]
        instance_key = f"{local_key(self.isil)}-{local_key(record_id)}"
        context = Context(
            minter=self.minter,
            resources={
                "instance": self.minter.thing("instance", instance_key),
                "library": self.minter.library(self.isil),
            },
            instance_key=instance_key,
        )
        context.text_lang, context.catalog_lang = _languages(fields, record.format)
        context.leader = str(record.marc.leader) if record.format == "marc" else ""
        context.resources["work"] = self.minter.thing("work", _work_key(fields, entities_file, context))
        heard = _Heard() if observe else None
        for mapping in mappings:
            mapping.apply(fields, context, heard)
        if heard is not None:
            heard.tell(observe)
        return Conversion(
            graph=self.minter.record_graph(self.isil, record_id),
            record_id=record_id,
            work=context.resources["work"],
            instance=context.resources["instance"],
            triples=list(context.triples),
            notes=notes,
        )


class _Heard:
    """What every mapping file made of each field, told once per field when all have run."""

    def __init__(self) -> None:
        self.fields: dict[int, tuple[FieldView, set[str] | None]] = {}

    def __call__(self, view: FieldView, used: set[str] | None) -> None:
        _, before = self.fields.get(id(view), (view, None))
        self.fields[id(view)] = (view, (before or set()) | used if used else before)

    def tell(self, observe: Observer) -> None:
        for view, used in self.fields.values():
            observe(view, used)


def _first(fields: dict[str, list[FieldView]], tag: str, codes: str) -> str | None:
    for f in fields.get(tag, ()):
        if f.source:
            continue  # an 880's script form: the record's own form comes first
        values = [f.data] if f.is_control else f.values(codes)
        if values and values[0].strip():
            return " ".join(values)
    return None


def _marc_text_language(record: SourceRecord) -> str | None:
    fixed = record.marc.get("008")
    code = fixed.data[35:38] if fixed is not None and fixed.data else ""
    if language_tag(code):
        return language_tag(code)
    given = record.marc.get("041")
    return language_tag(given.get("a")) if given is not None and given.get("a") else None


def _languages(fields: dict[str, list[FieldView]], source: str) -> tuple[str | None, str | None]:
    """The language of the resource's text and the language of cataloguing, as BCP 47 tags."""
    if source == "dc":
        given = _first(fields, "language", "a") or _first(fields, "language.iso", "a")
        tag = language_tag(language_code(given or ""))
        return tag, tag
    fixed = (_first(fields, "008", "") or "")[35:38]
    text = language_tag(fixed) or language_tag(_first(fields, "041", "a"))
    # notes are in the language of cataloguing, which is not the text's ("Includes index." in a Chinese
    # book): without 040 $b it is not known, and notes stay untagged
    catalog = language_tag(_first(fields, "040", "b"))
    return text, catalog


def _work_key(fields: dict[str, list[FieldView]], entities_file: str, context: Context) -> str:
    definition = load_yaml(entities_file)["work"]
    title = next((t for tag, codes in definition["title"].items() if (t := _first(fields, tag, codes))), None)
    agent = None
    for tag in definition["agent"]:
        views = [f for f in fields.get(tag, ()) if not f.source]
        if views:
            agent = KEYS["heading"](views[0], load_yaml(entities_file)["agent"], context)
            break
    return work_key(title, agent, context.instance_key)
