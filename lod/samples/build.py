"""Build the sample MARC files from their readable sources.

    python -m lod.samples.build

Reads lod/samples/source/<ISIL>.yaml (the notation is described at the top of each file) and writes
<ISIL>/records.xml (MARCXML, one <collection>) or <ISIL>/records.mrc (ISO 2709, UTF-8) beside this
file. Dublin Core samples (VN-DHQGHN/) are written by hand and not built here.
Only pymarc and PyYAML are used, so the script runs without the rest of the project.
"""

from __future__ import annotations

import re
import sys
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from pymarc import Field, Leader, MARCWriter, Record, Subfield, record_to_xml_node

HERE = Path(__file__).resolve().parent
MARC_NS = "http://www.loc.gov/MARC21/slim"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
# Which libraries publish MARCXML and which ISO 2709.
OUTPUT = {"VN-TVQG": "records.xml", "VN-TVKHTH": "records.xml", "VN-TVVP": "records.mrc"}
SUBFIELD = re.compile(r" ?\$([0-9a-z]) ")


def check_nfc(text: str, where: str) -> str:
    if unicodedata.normalize("NFC", text) != text:
        raise ValueError(f"{where}: not in Unicode NFC: {text!r}")
    return text


def parse_line(line: str, where: str) -> Leader | Field:
    check_nfc(line, where)
    tag, body = line[:3], line[4:]
    if tag == "LDR":
        if len(body) != 24:
            raise ValueError(f"{where}: leader must be 24 characters, got {len(body)}")
        return Leader(body[:9] + "a" + body[10:])  # leader/09 = a: UCS/Unicode
    if not re.fullmatch(r"[0-9]{3}", tag) or line[3:4] != " ":
        raise ValueError(f"{where}: bad field line {line!r}")
    if tag < "010":
        if tag == "008" and len(body) != 40:
            raise ValueError(f"{where}: 008 must be 40 characters, got {len(body)}")
        return Field(tag=tag, data=body)
    indicators, rest = body[:2].replace("_", " "), body[2:]
    parts = SUBFIELD.split(rest)
    if len(indicators) != 2 or parts[0].strip() or len(parts) < 3:
        raise ValueError(f"{where}: bad data field {line!r}")
    pairs = zip(parts[1::2], parts[2::2], strict=True)
    subfields = [Subfield(code, value.replace("{dollar}", "$")) for code, value in pairs]
    return Field(tag=tag, indicators=list(indicators), subfields=subfields)


def build_record(lines: list[str], where: str) -> Record:
    record = Record(force_utf8=True)
    for number, line in enumerate(lines, 1):
        item = parse_line(line, f"{where}, line {number}")
        if isinstance(item, Leader):
            record.leader = item
        else:
            record.add_field(item)
    for tag in ("001", "008", "245"):
        if not record.get_fields(tag):
            raise ValueError(f"{where}: no {tag}")
    record.leader = Leader(record.as_marc()[:24].decode("ascii"))  # real lengths, also in MARCXML
    return record


def load(source: Path) -> list[Record]:
    records = yaml.safe_load(source.read_text(encoding="utf-8"))
    return [build_record(lines, f"{source.name}, record {n}") for n, lines in enumerate(records, 1)]


def write_xml(records: list[Record], path: Path) -> None:
    ET.register_namespace("", MARC_NS)
    ET.register_namespace("xsi", XSI_NS)
    collection = ET.Element(f"{{{MARC_NS}}}collection")
    collection.set(
        f"{{{XSI_NS}}}schemaLocation", f"{MARC_NS} http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
    )
    for record in records:
        node = record_to_xml_node(record, namespace=True)
        node.attrib.clear()  # the schema location is given once, on the collection
        collection.append(node)
    ET.indent(collection, space="  ")
    text = ET.tostring(collection, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n", encoding="utf-8")


def write_mrc(records: list[Record], path: Path) -> None:
    with path.open("wb") as handle:
        writer = MARCWriter(handle)
        for record in records:
            writer.write(record)


def main() -> int:
    for isil, name in OUTPUT.items():
        records = load(HERE / "source" / f"{isil}.yaml")
        folder = HERE / isil
        folder.mkdir(exist_ok=True)
        (write_xml if name.endswith(".xml") else write_mrc)(records, folder / name)
        print(f"{isil}/{name}: {len(records)} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
