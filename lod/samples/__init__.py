"""Sample data of real Vietnamese publications and libraries, written for the demo and the tests."""

from __future__ import annotations

from pathlib import Path

import yaml

SAMPLES = Path(__file__).resolve().parent


def sample_libraries() -> list[dict]:
    """The demo's libraries, as lod/samples/libraries.yaml describes them."""
    return yaml.safe_load((SAMPLES / "libraries.yaml").read_text(encoding="utf-8"))


def ingest_samples(store, minter) -> dict:
    """Register every sample library and ingest its folder of records; returns each library's report."""
    from lod.dataset import register_library
    from lod.ingest import ingest

    reports = {}
    for library in sample_libraries():
        register_library(store, minter, library)
        folder = SAMPLES / library["isil"]
        if folder.is_dir():
            reports[library["isil"]] = ingest([folder], library["isil"], store, minter)
    return reports
