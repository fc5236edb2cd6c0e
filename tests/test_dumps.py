"""Dumps: what `lod dump` writes reloads to exactly the store's quads."""

from __future__ import annotations

import gzip
import hashlib
import json

import pyoxigraph as ox
import rdflib

from lod.dumps import write_dumps
from lod.ingest import ingest
from lod.store import Store
from lod.uris import Minter
from tests.test_ingest import sample_folders


def test_dump_reloads_to_the_same_quads(tmp_path):
    store = Store(tmp_path / "store")
    minter = Minter("http://127.0.0.1:8000/")
    for folder in sample_folders():
        ingest([folder], folder.name, store, minter)
    entries = write_dumps(store, tmp_path / "dumps")
    dump = tmp_path / "dumps" / entries[0]["file"]
    assert entries[0]["sha256"] == hashlib.sha256(dump.read_bytes()).hexdigest()
    assert entries[0]["quads"] == len(store)
    assert json.loads((tmp_path / "dumps" / "index.json").read_text())[0]["file"] == dump.name

    fresh = ox.Store()
    fresh.load(gzip.decompress(dump.read_bytes()), format=ox.RdfFormat.N_QUADS)
    original = ox.Store()
    buffer = tmp_path / "direct.nq"
    with open(buffer, "wb") as out:
        store.dump(out)
    original.load(buffer.read_bytes(), format=ox.RdfFormat.N_QUADS)
    assert set(fresh) == set(original)

    parsed = rdflib.Dataset()
    parsed.parse(data=gzip.decompress(dump.read_bytes()), format="nquads")
    assert sum(1 for _ in parsed.quads((None, None, None, None))) == len(store)
