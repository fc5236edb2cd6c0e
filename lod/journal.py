"""The record journal: every source record the store holds, its latest state, and the changes made.

Beside the RDF store (a SQLite file in the store folder), the journal keeps for each record its
library, identifier, named graph, source (MARCXML or Dublin Core XML, for OAI-PMH), a checksum of its
graph, whether it is deleted, and a numbered list of changes (create, update, delete). Feeds (OAI-PMH,
change lists, statistics) read it; re-ingesting an unchanged record adds no change.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    library TEXT NOT NULL,
    record_id TEXT NOT NULL,
    graph TEXT NOT NULL,
    format TEXT NOT NULL,
    source BLOB,
    checksum TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    datestamp TEXT NOT NULL,
    PRIMARY KEY (library, record_id)
);
CREATE INDEX IF NOT EXISTS records_by_datestamp ON records (datestamp);
CREATE INDEX IF NOT EXISTS records_by_graph ON records (graph);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    library TEXT NOT NULL,
    record_id TEXT NOT NULL,
    action TEXT NOT NULL,
    time TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Entry:
    """A record as the journal knows it."""

    library: str
    record_id: str
    graph: str
    format: str
    source: bytes | None
    checksum: str | None
    deleted: bool
    datestamp: str


@dataclass(frozen=True)
class Change:
    seq: int
    library: str
    record_id: str
    action: str  # create, update, delete
    time: str


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Journal:
    """The journal of one store; `path=None` keeps it in memory."""

    def __init__(self, path: str | Path | None = None, read_only: bool = False):
        if path is None:
            self._db = sqlite3.connect(":memory:", check_same_thread=False)
        elif read_only:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        else:
            self._db = sqlite3.connect(str(path), check_same_thread=False)
        if not read_only:
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def backup(self, target: Path) -> None:
        """Copy the journal, consistent as of now, into a new SQLite file."""
        copy = sqlite3.connect(str(target))
        with copy:
            self._db.backup(copy)
        copy.close()

    def write(self, library: str, record_id: str, graph: str, format: str, source: bytes | None,
              content: str | None) -> str | None:
        """Note the new state of a record (content None: deleted); returns the change made, if any.

        Not committed: call `commit` once per batch, after the store holds the batch.
        """
        digest = checksum(content) if content is not None else None
        old = self._db.execute("SELECT checksum, deleted FROM records WHERE library = ? AND record_id = ?",
                               (library, record_id)).fetchone()
        if content is None:
            if old is None or old[1]:
                return None
            action = "delete"
        elif old is None or old[1]:
            action = "create"
        elif old[0] == digest:
            return None
        else:
            action = "update"
        stamp = now()
        self._db.execute(
            "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (library, record_id, graph, format, source, digest, int(content is None), stamp),
        )
        self._db.execute("INSERT INTO changes (library, record_id, action, time) VALUES (?, ?, ?, ?)",
                         (library, record_id, action, stamp))
        return action

    def commit(self) -> None:
        self._db.commit()

    def get(self, library: str, record_id: str) -> Entry | None:
        row = self._db.execute("SELECT * FROM records WHERE library = ? AND record_id = ?",
                               (library, record_id)).fetchone()
        return Entry(*row[:6], bool(row[6]), row[7]) if row else None

    def entries(self, library: str | None = None, since: str | None = None, until: str | None = None,
                deleted: bool = True) -> Iterator[Entry]:
        """Records in datestamp order, filtered by library and datestamp (inclusive)."""
        sql, args = "SELECT * FROM records WHERE 1 = 1", []
        for clause, value in (("library = ?", library), ("datestamp >= ?", since), ("datestamp <= ?", until)):
            if value is not None:
                sql += f" AND {clause}"
                args.append(value)
        if not deleted:
            sql += " AND deleted = 0"
        for row in self._db.execute(sql + " ORDER BY datestamp, library, record_id", args):
            yield Entry(*row[:6], bool(row[6]), row[7])

    def changes(self, after: int = 0, library: str | None = None, limit: int = 1000) -> list[Change]:
        sql, args = "SELECT seq, library, record_id, action, time FROM changes WHERE seq > ?", [after]
        if library is not None:
            sql += " AND library = ?"
            args.append(library)
        return [Change(*row) for row in self._db.execute(sql + " ORDER BY seq LIMIT ?", [*args, limit])]

    def last_change(self) -> tuple[int, str | None]:
        """The number and time of the last change (0 and None for an empty journal): the store's version."""
        row = self._db.execute("SELECT seq, time FROM changes ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, None)

    def by_graph(self, graph: str) -> Entry | None:
        row = self._db.execute("SELECT * FROM records WHERE graph = ?", (graph,)).fetchone()
        return Entry(*row[:6], bool(row[6]), row[7]) if row else None

    def counts(self) -> dict[str, dict[str, int]]:
        """Per library: records held and records deleted."""
        rows = self._db.execute("SELECT library, deleted, COUNT(*) FROM records GROUP BY library, deleted")
        result: dict[str, dict[str, int]] = {}
        for library, deleted, count in rows:
            result.setdefault(library, {"records": 0, "deleted": 0})["deleted" if deleted else "records"] = count
        return result
