"""The mapping engine: mistakes in a mapping file are clear errors; a new field is mapped as data alone."""

from __future__ import annotations

import pytest
import yaml

from lod.mapping.compile import Context, MappingError, compile_mapping, load_yaml
from lod.mapping.fields import marc_fields
from lod.terms import IRI, Literal
from lod.uris import Minter
from tests.test_mapping import BASE, BF, RDF_TYPE, RDFS_LABEL, df, marc, objects

ENTITY_KEYS = load_yaml("marc-entities.yaml")


def compiled(text: str, name: str = "test-mapping.yaml"):
    return compile_mapping(yaml.safe_load(text), ENTITY_KEYS, name)


def run(mapping, record):
    minter = Minter(BASE)
    context = Context(minter, {"instance": minter.thing("instance", "x"), "work": minter.thing("work", "x"),
                               "library": minter.library("VN-TEST")}, "x", leader=str(record.marc.leader))
    mapping.apply(marc_fields(record.marc), context)
    return context


@pytest.mark.parametrize(("text", "says"), [
    ("rules:\n  - {tag: '500', for: instance, set: {bf:note: {from: a, cleen: [trim]}}}\n", "unknown key 'cleen'"),
    ("rules:\n  - {tag: '500', for: instance, set: {bf:note: {from: a, clean: [tidy]}}}\n", "unknown clean-up 'tidy'"),
    ("rules:\n  - {tag: '500', for: instance, set: {bf:note: {from: a, map: no-list}}}\n", "no code list 'no-list'"),
    ("rules:\n  - {tag: '500', for: instance, set: {xx:note: {from: a}}}\n", "unknown prefix in 'xx:note'"),
    ("rules:\n  - {tag: '500', for: item, set: {bf:note: {from: a}}}\n", "`for` must be one of"),
    ("rules:\n  - {tag: '500', for: instance, when: {hass: a}, set: {bf:note: {from: a}}}\n", "unknown key 'hass'"),
    ("rules:\n  - {tag: '500', for: work, set: {bf:subject: {entity: topic}}}\n", "unknown entity 'topic'"),
    ("rules:\n  - {tag: '500', for: work, node: {name: n}}\n", "needs `via`"),
])
def test_a_mistake_names_the_file_and_the_rule(text, says):
    with pytest.raises(MappingError) as error:
        compiled(text)
    message = str(error.value)
    assert message.startswith("test-mapping.yaml: rule 1 (tag 500)")
    assert says in message


def test_a_new_field_is_mapped_by_adding_data_only():
    record = marc("N1", df("245", "10", "a", "Sách"), df("599", "  ", "a", "Ghi chú riêng của thư viện."))
    before = run(compiled("rules: []\n"), record)
    assert not objects(list(before.triples), before.resources["instance"], BF + "note")
    mapping = compiled("""
rules:
  - tag: "599"
    for: instance
    node: {name: local-note, type: bf:Note, via: bf:note}
    set:
      rdfs:label: {from: a, clean: [isbd], lang: vi}
      bf:noteType: {value: local}
""")
    context = run(mapping, record)
    t = list(context.triples)
    notes = objects(t, context.resources["instance"], BF + "note")
    assert len(notes) == 1 and notes[0].startswith(BASE + "id/instance/x#local-note-")
    assert objects(t, notes[0], RDFS_LABEL) == [Literal("Ghi chú riêng của thư viện", "vi")]
    assert objects(t, notes[0], RDF_TYPE) == [IRI(BF + "Note")]
    assert objects(t, notes[0], BF + "noteType") == [Literal("local")]


def test_every_mapping_file_compiles_and_names_only_known_functions():
    from lod.convert import MAPPINGS
    from lod.mapping.compile import load_mapping

    for files, entities in MAPPINGS.values():
        for name in files:
            assert load_mapping(name, entities).rules


def test_a_node_with_only_constants_is_not_made_from_an_empty_field():
    mapping = compiled("""
rules:
  - tag: "500"
    for: instance
    node: {name: note, type: bf:Note, via: bf:note}
    set:
      rdfs:label: {from: a, clean: [trim]}
      bf:noteType: {value: general}
""")
    context = run(mapping, marc("E1", df("500", "  ", "3", "only materials specified")))
    assert not objects(list(context.triples), context.resources["instance"], BF + "note")
