"""Coverage: the share of MARC data fields that produce triples, and the list of what is left out."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lod.cli import app
from lod.coverage import REASONS, measure, reason_for, unmapped_list
from tests.test_ingest import SAMPLES, corpus

FOLDERS = ("marc2bibframe2", "marc2bibframe2-dataset", "lobid-resources")


@pytest.fixture(scope="module")
def measured() -> dict:
    return {name: measure([corpus(name)]) for name in FOLDERS}


@pytest.mark.parametrize("folder", FOLDERS)
def test_at_least_95_percent_of_data_field_occurrences_produce_triples(measured, folder):
    coverage = measured[folder]
    total, mapped = coverage.data_fields()
    print(f"{folder}: {mapped}/{total} data field occurrences produce triples ({coverage.share():.1%}), "
          f"{coverage.triples / coverage.records:.1f} triples per record")
    assert coverage.records > 100
    assert coverage.share() >= 0.95


def test_every_unmapped_tag_and_subfield_is_listed_with_a_reason(measured):
    unmapped = {key for coverage in measured.values() for key in coverage.unmapped()}
    assert unmapped, "some fields are left out on purpose"
    not_listed = sorted(key for key in unmapped if reason_for(key) is None)
    assert not not_listed, f"left unmapped without a reason in mappings/unmapped.yaml: {not_listed}"
    for key, reason in unmapped_list().items():
        assert reason.get("why") in REASONS, key
        assert reason.get("note"), key


def test_subfield_counts_follow_the_rules_that_read_them(measured):
    coverage = measured["marc2bibframe2-dataset"]
    # 245 $a always makes a title; 245 $h (an obsolete medium) never says anything
    assert coverage.mapped_subfields["245$a"] == coverage.subfields["245$a"] > 700
    assert coverage.subfields["245$h"] > 0 and coverage.mapped_subfields["245$h"] == 0
    assert "245$h" in coverage.unmapped()


def test_the_samples_are_fully_mapped_and_their_legacy_text_is_reported():
    coverage = measure([SAMPLES / isil for isil in ("VN-TVQG", "VN-TVVP", "VN-TVKHTH")])
    assert coverage.share() == 1.0
    repaired = [note for note in coverage.notes if "text repaired" in note]
    assert any("TCVN3" in note and "Tắt đèn" in note for note in repaired)
    assert any("VNI" in note and "Số đỏ" in note for note in repaired)


def test_lod_coverage_command_prints_and_writes_json(tmp_path):
    out = tmp_path / "coverage.json"
    result = CliRunner().invoke(app, ["coverage", str(SAMPLES / "VN-TVQG"), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "data fields 010-899" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["records"] >= 18
    assert report["fields"]["245"]["occurrences"] == report["fields"]["245"]["mapped"] >= 18
    assert set(report["unmapped"]) <= {key for key in report["subfields"]} | set(report["fields"])
