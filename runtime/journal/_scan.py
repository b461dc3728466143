"""Verification: walk the stored chains and refuse anything that does not hold.

Stored records are untrusted input. Every row is checked for shape (column
types), position (seq from 1 without gaps), checksum (the chain) and content
(its type is one the journal holds and its payload decodes as that type);
then the log's end must match the ``head`` row written in the same
transaction as the last append, which is what catches a deleted tail. The
first failure raises :class:`JournalCorrupt` naming the file, the seq and the
reason. Nothing here writes.

A full verification walks every record; a tail verification re-hashes only
the last :data:`TAIL_RECORDS` (starting from the stored checksum before them)
and checks that the record count and seq range agree with the head, which is
what a daemon restart can afford on a long log. Snapshots are always walked in
full: there are few.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any, Final, NamedTuple

from ._codec import GENESIS, Codec, record_checksum, snapshot_checksum
from ._records import VerifyReport
from .errors import JournalCorrupt

__all__ = ["TAIL_RECORDS", "Head", "check_record", "check_snapshot", "read_head", "verify"]

TAIL_RECORDS: Final = 1024

_RECORD_COLUMNS: Final = (int, float, str, bytes, str)  # seq, ts, type, payload, checksum
_RECORD_NAMES: Final = ("seq", "ts", "type", "payload", "checksum")
_SQL_TYPES: Final = {int: "an integer", float: "a number", str: "text", bytes: "a blob"}


class Head(NamedTuple):
    """The committed end of both chains, rewritten by every write transaction."""

    seq: int
    checksum: str
    snapshot_id: int
    snapshot_checksum: str


def _shape(path: str, row: tuple[Any, ...], at: int, what: str) -> None:
    """Refuse a row whose columns do not have the stored types (``at`` names it)."""
    names = _RECORD_NAMES if what == "seq" else ("id", "name", *_RECORD_NAMES)
    kinds = _RECORD_COLUMNS if what == "seq" else (int, str, *_RECORD_COLUMNS)
    for name, kind, value in zip(names, kinds, row, strict=False):
        if type(value) is not kind:
            got = "NULL" if value is None else _SQL_TYPES.get(type(value), type(value).__name__)
            raise JournalCorrupt(path, at, f"{name} is {got}, not {_SQL_TYPES[kind]}", what=what)


def check_record(
    path: str, codec: Codec, row: tuple[Any, ...], prev: str | None, expected: int | None
) -> Any:
    """Check one stored record row against the checksum before it; returns its message.

    ``prev`` None means the record before it is missing; ``expected`` is the
    seq this row must have (None when reading a filtered subset). This runs
    once per record on recovery, so the common case is kept to a few tests.
    """
    seq, ts, tag, payload, checksum = row[0], row[1], row[2], row[3], row[4]
    if not (
        type(seq) is int
        and type(ts) is float
        and type(tag) is str
        and type(payload) is bytes
        and type(checksum) is str
    ):
        at = seq if type(seq) is int else expected
        if at is None:
            raise JournalCorrupt(path, None, "a record's seq is not an integer")
        _shape(path, row, at, "seq")
    if expected is not None and seq != expected:
        if seq < expected:
            raise JournalCorrupt(path, seq, f"out of place: expected seq {expected} or later")
        raise JournalCorrupt(path, expected, f"missing (the next stored record is seq {seq})")
    if type(prev) is not str:
        if prev is None:
            raise JournalCorrupt(path, seq - 1, "missing (the record after it is stored)")
        raise JournalCorrupt(path, seq - 1, "its checksum is not text")
    if record_checksum(prev, seq, ts, tag, payload) != checksum:
        raise JournalCorrupt(path, seq, "checksum mismatch: the record was changed or moved")
    try:
        return codec.decode(tag, payload)
    except ValueError as error:
        raise JournalCorrupt(path, seq, str(error)) from None


def check_snapshot(
    path: str,
    codec: Codec,
    row: tuple[Any, ...],
    prev: str | None,
    record: str | None,
    expected: int | None,
) -> Any:
    """Check a snapshot row (id, name, seq, ts, type, payload, checksum); returns its message.

    ``record`` is the record checksum at the snapshot's seq (None when that
    record does not exist); ``prev`` the previous snapshot's checksum.
    """
    ident = row[0] if type(row[0]) is int else expected
    if ident is None:
        raise JournalCorrupt(path, None, "a snapshot id is not an integer", what="snapshot")
    _shape(path, row, ident, "snapshot")
    ident, name, seq, ts, tag, payload, checksum = row[:7]
    if expected is not None and ident != expected:
        raise JournalCorrupt(path, expected, f"missing (next stored is {ident})", what="snapshot")
    if prev is None:
        raise JournalCorrupt(
            path, ident - 1, "missing (the one after it is stored)", what="snapshot"
        )
    if record is None:
        raise JournalCorrupt(
            path, ident, f"{name!r} summarises seq {seq}, not in the log", what="snapshot"
        )
    if snapshot_checksum(prev, record, name, seq, ts, tag, payload) != checksum:
        raise JournalCorrupt(
            path, ident, f"{name!r} at seq {seq}: checksum mismatch", what="snapshot"
        )
    try:
        return codec.decode(tag, payload)
    except ValueError as error:
        raise JournalCorrupt(
            path, ident, f"{name!r} at seq {seq}: {error}", what="snapshot"
        ) from None


def read_head(conn: sqlite3.Connection, path: str) -> Head:
    rows = conn.execute(
        "SELECT id, seq, checksum, snapshot_id, snapshot_checksum FROM head"
    ).fetchall()
    if len(rows) != 1 or tuple(map(type, rows[0])) != (int, int, str, int, str) or rows[0][0] != 1:
        raise JournalCorrupt(path, None, f"the head row is missing or malformed: {rows!r}")
    return Head(*rows[0][1:])


class _Progress:
    """Where a walk is, so that an sqlite read error can name the seq it hit."""

    __slots__ = ("seq",)

    def __init__(self) -> None:
        self.seq: int | None = None


def verify(
    conn: sqlite3.Connection, path: str, codec: Codec, *, full: bool
) -> tuple[Head, VerifyReport]:
    """Verify inside one read transaction (a consistent view even beside a writer)."""
    progress = _Progress()
    conn.execute("BEGIN")
    try:
        head = read_head(conn, path)
        checked = _walk_records(conn, path, codec, head, full, progress)
        progress.seq = None
        snapshots = _walk_snapshots(conn, path, codec, head)
    except sqlite3.DatabaseError as error:
        raise JournalCorrupt(path, progress.seq, f"sqlite cannot read it: {error}") from None
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    report = VerifyReport(
        path=path,
        records=head.seq,
        last_seq=head.seq,
        snapshots=snapshots,
        records_checked=checked,
        full=full,
    )
    return head, report


def _walk_records(
    conn: sqlite3.Connection, path: str, codec: Codec, head: Head, full: bool, progress: _Progress
) -> int:
    start = 0 if full else max(0, head.seq - TAIL_RECORDS)
    prev: str = GENESIS
    if start:
        stored = conn.execute("SELECT checksum FROM records WHERE seq = ?", (start,)).fetchone()
        if stored is None or type(stored[0]) is not str:
            raise JournalCorrupt(path, start, "missing, or its checksum is malformed")
        prev = stored[0]
    expected = start + 1
    progress.seq = expected
    rows = conn.execute(
        "SELECT seq, ts, type, payload, checksum FROM records WHERE seq > ? ORDER BY seq",
        (start if start else -(2**63),),
    )
    with closing(rows):  # an unfinished statement would keep the file open after an error
        for row in rows:
            if type(row[0]) is int and row[0] > head.seq:
                raise JournalCorrupt(path, row[0], f"stored beyond the committed end ({head.seq})")
            check_record(path, codec, row, prev, expected)
            prev = row[4]
            expected += 1
            progress.seq = expected
    if expected - 1 != head.seq:
        raise JournalCorrupt(path, expected, f"missing: the committed log ends at seq {head.seq}")
    if prev != head.checksum:
        raise JournalCorrupt(path, head.seq, "the last record does not match the committed head")
    if not full:
        _check_extent(conn, path, head)
    return head.seq - start


def _check_extent(conn: sqlite3.Connection, path: str, head: Head) -> None:
    """The records not re-hashed must at least all be there: seq 1..head, nothing else."""
    count, low = conn.execute("SELECT count(*), min(seq) FROM records").fetchone()
    if count and low != 1:
        raise JournalCorrupt(path, 1 if low > 1 else low, f"the log starts at seq {low}, not 1")
    if count != head.seq:
        gap = conn.execute(
            "SELECT r.seq + 1 FROM records r WHERE NOT EXISTS"
            " (SELECT 1 FROM records n WHERE n.seq = r.seq + 1) ORDER BY r.seq LIMIT 1"
        ).fetchone()
        raise JournalCorrupt(
            path,
            gap[0] if gap else 1,
            f"missing: {head.seq - count} of the committed seq 1..{head.seq} are gone",
        )


def _walk_snapshots(conn: sqlite3.Connection, path: str, codec: Codec, head: Head) -> int:
    rows = conn.execute(
        "SELECT s.id, s.name, s.seq, s.ts, s.type, s.payload, s.checksum,"
        " (SELECT r.checksum FROM records r WHERE r.seq = s.seq)"
        " FROM snapshots s ORDER BY s.id"
    )
    prev = GENESIS
    expected = 1
    with closing(rows):
        for row in rows:
            record = GENESIS if row[2] == 0 else row[7] if type(row[7]) is str else None
            check_snapshot(path, codec, row, prev, record, expected)
            prev = row[6]
            expected += 1
    if expected - 1 != head.snapshot_id or prev != head.snapshot_checksum:
        raise JournalCorrupt(
            path,
            head.snapshot_id,
            f"the snapshots end at {expected - 1}, the committed head says {head.snapshot_id}",
            what="snapshot",
        )
    return head.snapshot_id
