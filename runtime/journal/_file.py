"""The journal file on disk: its schema, its creation and the checks before sqlite reads it.

Schema version 1 is marked in the SQLite header by ``application_id`` and
``user_version``, so a foreign or newer file is refused before anything is
read::

    records(seq INTEGER PRIMARY KEY, ts REAL, type TEXT, payload BLOB, checksum TEXT)
    snapshots(id INTEGER PRIMARY KEY, name TEXT, seq INTEGER, ts REAL, type TEXT,
              payload BLOB, checksum TEXT)
    head(id = 1, seq, checksum, snapshot_id, snapshot_checksum)

Records and snapshots are append-only (triggers abort any UPDATE or DELETE);
only the one-row ``head`` is rewritten, in the same transaction as every
write, so the committed end of both chains is known and a lost tail is
caught. A new file is built under a temporary name and linked into place, so
a crash during creation never leaves a half-made journal behind, and an
existing file is never replaced.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Final

from ._codec import GENESIS
from .errors import JournalCorrupt, JournalError

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "check_header", "connect", "create"]

APPLICATION_ID: Final = 0x544C4A4C  # "TLJL": a tradeloop journal
SCHEMA_VERSION: Final = 1
_MAGIC: Final = b"SQLite format 3\x00"

_SCHEMA: Final = f"""
CREATE TABLE records (
    seq INTEGER PRIMARY KEY, ts REAL NOT NULL, type TEXT NOT NULL,
    payload BLOB NOT NULL, checksum TEXT NOT NULL);
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, seq INTEGER NOT NULL, ts REAL NOT NULL,
    type TEXT NOT NULL, payload BLOB NOT NULL, checksum TEXT NOT NULL);
CREATE INDEX snapshots_by_name ON snapshots (name, seq);
CREATE TABLE head (
    id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, checksum TEXT NOT NULL,
    snapshot_id INTEGER NOT NULL, snapshot_checksum TEXT NOT NULL);
INSERT INTO head VALUES (1, 0, '{GENESIS}', 0, '{GENESIS}');
CREATE TRIGGER records_keep BEFORE UPDATE ON records
    BEGIN SELECT RAISE(ABORT, 'journal records are append-only'); END;
CREATE TRIGGER records_stay BEFORE DELETE ON records
    BEGIN SELECT RAISE(ABORT, 'journal records are append-only'); END;
CREATE TRIGGER snapshots_keep BEFORE UPDATE ON snapshots
    BEGIN SELECT RAISE(ABORT, 'journal snapshots are append-only'); END;
CREATE TRIGGER snapshots_stay BEFORE DELETE ON snapshots
    BEGIN SELECT RAISE(ABORT, 'journal snapshots are append-only'); END;
PRAGMA application_id = {APPLICATION_ID};
PRAGMA user_version = {SCHEMA_VERSION};
"""


def connect(path: str) -> sqlite3.Connection:
    """Open an existing file read-write without creating it; autocommit, any thread."""
    uri = Path(path).absolute().as_uri() + "?mode=rw"
    return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)


def create(path: str) -> None:
    """Build an empty journal at a temporary name, then link it in (never over a file)."""
    target = Path(path)
    if not target.parent.is_dir():
        raise JournalError(f"journal {path!r}: directory {str(target.parent)!r} does not exist")
    partial = target.with_name(target.name + ".creating")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)  # our own half-made file from an earlier crash
    conn = sqlite3.connect(partial, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(f"BEGIN; {_SCHEMA} COMMIT;")
    finally:
        conn.close()
    fd = os.open(partial, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(partial, target)  # fails if someone created the file meanwhile
    finally:
        partial.unlink()
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def check_header(path: str) -> None:
    """Refuse a file that is not an SQLite database, or is shorter than its header says.

    sqlite reports a truncated file only as "malformed" on the first read;
    the header's page count and size say plainly what is missing.
    """
    try:
        with open(path, "rb") as file:
            header = file.read(100)
            size = file.seek(0, os.SEEK_END)
    except OSError as error:
        raise JournalError(f"journal {path!r} cannot be read: {error}") from None
    if not header:
        raise JournalError(f"journal {path!r} is an empty file, not a journal")
    if header[: len(_MAGIC)] != _MAGIC:
        raise JournalError(f"journal {path!r} is not a journal: not an SQLite database")
    if len(header) < 100:
        raise JournalCorrupt(path, None, f"truncated to {size} bytes, inside the file header")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96]  # the page count is current (sqlite's own rule)
    if valid and size < pages * page_size:
        raise JournalCorrupt(
            path,
            None,
            f"truncated: {size} bytes, the header says {pages} pages of {page_size} bytes "
            f"({pages * page_size} bytes)",
        )
