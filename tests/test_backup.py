"""`lod backup` and `lod restore`: the restored store answers with exactly the same quads."""

from __future__ import annotations

import io

from typer.testing import CliRunner

from lod.cli import app
from lod.ingest import ingest
from lod.store import Store
from lod.uris import Minter
from tests.test_ingest import sample_folders


def all_quads(store: Store) -> set[str]:
    out = io.BytesIO()
    store.dump(out)
    return set(out.getvalue().decode("utf-8").splitlines())


def test_backup_and_restore_round_trip(tmp_path):
    path = tmp_path / "store"
    store = Store(path)
    for folder in sample_folders():
        ingest([folder], folder.name, store, Minter("http://127.0.0.1:8000/"))
    before, journal = all_quads(store), store.journal.counts()
    # backed up while the store is open for writing, as a served store is
    result = CliRunner().invoke(app, ["backup", str(tmp_path / "backup"), "--store", str(path)])
    assert result.exit_code == 0, result.output
    del store

    result = CliRunner().invoke(app, ["restore", str(tmp_path / "backup"), "--store", str(tmp_path / "restored")])
    assert result.exit_code == 0, result.output
    restored = Store(tmp_path / "restored", read_only=True)
    assert all_quads(restored) == before
    assert restored.journal.counts() == journal


def test_restore_never_overwrites_a_store(tmp_path):
    store = Store(tmp_path / "store")
    ingest([sample_folders()[0]], "VN-X", store, Minter("http://127.0.0.1:8000/"))
    size = len(store)
    store.backup(tmp_path / "backup")
    del store
    result = CliRunner().invoke(app, ["restore", str(tmp_path / "backup"), "--store", str(tmp_path / "store")])
    assert result.exit_code == 2
    assert "not empty" in result.output
    assert len(Store(tmp_path / "store", read_only=True)) == size


def test_backup_refuses_a_folder_in_use(tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "something").write_text("keep me")
    store = Store(tmp_path / "store")
    ingest([sample_folders()[0]], "VN-X", store, Minter("http://127.0.0.1:8000/"))
    del store
    result = CliRunner().invoke(app, ["backup", str(tmp_path / "backup"), "--store", str(tmp_path / "store")])
    assert result.exit_code == 2
    assert (tmp_path / "backup" / "something").read_text() == "keep me"
