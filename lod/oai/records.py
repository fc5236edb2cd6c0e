"""The journal read a page at a time: OAI-PMH lists in (datestamp, library, record id) order, the newest
additions, and per-library dates. lod/journal.py owns and writes the tables; these queries only read them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from lod.journal import Change, Entry
from lod.store import Store
from lod.uris import Minter, local_key


@dataclass(frozen=True)
class Selection:
    """Which records a list holds: one library (a set) or all, datestamps from/until (inclusive), and
    whether only records kept as MARC qualify (a deletion whose format was not kept qualifies too)."""

    library: str | None = None
    since: str | None = None
    until: str | None = None
    marc_only: bool = False

    def where(self) -> tuple[str, list]:
        clauses, args = ["1 = 1"], []
        for clause, value in (("library = ?", self.library), ("datestamp >= ?", self.since),
                              ("datestamp <= ?", self.until)):
            if value is not None:
                clauses.append(clause)
                args.append(value)
        if self.marc_only:
            clauses.append("(format = 'marc' OR (deleted = 1 AND format = ''))")
        return " AND ".join(clauses), args


Key = tuple[str, str, str]  # (datestamp, library, record_id): where a page ends and the next begins


def _db(store: Store) -> sqlite3.Connection:
    # The journal offers no paged reads; these queries share its connection (read-only use).
    return store.journal._db


def page(store: Store, selection: Selection, after: Key | None, limit: int, sources: bool = True) -> list[Entry]:
    """Up to `limit` records of the selection after `after`, in (datestamp, library, record id) order."""
    where, args = selection.where()
    if after is not None:
        where += " AND (datestamp, library, record_id) > (?, ?, ?)"
        args += list(after)
    source = "source" if sources else "NULL"
    rows = _db(store).execute(
        f"SELECT library, record_id, graph, format, {source}, checksum, deleted, datestamp FROM records "
        f"WHERE {where} ORDER BY datestamp, library, record_id LIMIT ?", [*args, limit])
    return [Entry(*row[:6], bool(row[6]), row[7]) for row in rows]


def count(store: Store, selection: Selection) -> int:
    where, args = selection.where()
    return _db(store).execute(f"SELECT COUNT(*) FROM records WHERE {where}", args).fetchone()[0]


def earliest(store: Store) -> str | None:
    """The oldest datestamp the journal holds."""
    return _db(store).execute("SELECT MIN(datestamp) FROM records").fetchone()[0]


def last_seq(store: Store) -> int:
    """How many changes the journal has numbered (they are numbered from 1, without gaps)."""
    return _db(store).execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0]


def additions(store: Store, library: str | None, limit: int) -> list[Change]:
    """The latest records added (their last create, newest first) that are still held."""
    sql = ("SELECT c.seq, c.library, c.record_id, c.action, c.time FROM changes c "
           "JOIN records r ON r.library = c.library AND r.record_id = c.record_id "
           "WHERE c.action = 'create' AND r.deleted = 0")
    args: list = []
    if library is not None:
        sql += " AND c.library = ?"
        args.append(library)
    found: dict[tuple[str, str], Change] = {}
    for row in _db(store).execute(sql + " ORDER BY c.seq DESC", args):
        change = Change(*row)
        found.setdefault((change.library, change.record_id), change)  # withdrawn and added again: once
        if len(found) >= limit:
            break
    return list(found.values())


def last_changes(store: Store) -> dict[str, str]:
    """Per library, the time of its last change."""
    return dict(_db(store).execute("SELECT library, MAX(time) FROM changes GROUP BY library"))


def instance_uri(base: str, library: str, record_id: str) -> str:
    """The URI a record's instance is minted under (lod/convert.py: the library's ISIL and the record's id)."""
    return Minter(base).thing("instance", f"{local_key(library)}-{local_key(record_id)}")
