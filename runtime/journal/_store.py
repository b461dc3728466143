"""The synchronous journal store: an append-only log and snapshots in one SQLite file.

The file (``_file``) runs in WAL mode with ``synchronous=FULL``: when
:meth:`JournalStore.append` returns, its transaction is on disk (unless it
was opened ``durable=False``, for a throwaway journal). Every write
also moves the ``head`` row, and checks first that nobody else moved it.

Opening an existing file verifies it first (``_scan``) and never repairs or
rewrites anything: a bad file raises and stays byte-identical for whoever
investigates. Reads re-check every record they return against the stored
chain, so damage done while the file is open is refused too.

The store is not thread-safe; :class:`~runtime.journal.Journal` serialises
calls onto one worker at a time.
"""

from __future__ import annotations

import math
import os
import sqlite3
from collections.abc import Callable, Collection, Sequence
from contextlib import closing
from typing import Any, Final, Literal, final

from .._message import Message
from . import _file
from ._codec import GENESIS, Codec, record_checksum, snapshot_checksum
from ._faults import JournalFaults
from ._file import APPLICATION_ID, SCHEMA_VERSION
from ._records import Record, Snapshot, VerifyReport
from ._scan import Head, check_record, check_snapshot, verify
from .errors import JournalClosed, JournalCorrupt, JournalError, JournalWriteFailed

__all__ = ["JournalStore", "Verify"]

Verify = Literal["full", "tail"]

_READ_RUN: Final = (
    "SELECT r.seq, r.ts, r.type, r.payload, r.checksum"
    " FROM records r WHERE r.seq > ? AND r.seq <= ?"
)
_READ_SUBSET: Final = (
    "SELECT r.seq, r.ts, r.type, r.payload, r.checksum,"
    " (SELECT p.checksum FROM records p WHERE p.seq = r.seq - 1)"
    " FROM records r WHERE r.seq > ? AND r.seq <= ?"
)
_SNAPSHOT: Final = (
    "SELECT s.id, s.name, s.seq, s.ts, s.type, s.payload, s.checksum,"
    " (SELECT p.checksum FROM snapshots p WHERE p.id = s.id - 1),"
    " (SELECT r.checksum FROM records r WHERE r.seq = s.seq)"
    " FROM snapshots s WHERE s.name = ? ORDER BY s.seq DESC, s.id DESC LIMIT 1"
)


@final
class JournalStore:
    """An open journal file. Build with :meth:`open`; close with :meth:`close`."""

    def __init__(
        self, path: str, conn: sqlite3.Connection, codec: Codec, head: Head, report: VerifyReport
    ) -> None:
        self.path = path
        self.codec = codec
        self.report = report
        """The verification that opening this store passed."""
        self.faults: JournalFaults | None = None
        self.transactions = 0
        """Write transactions committed by this store (a group commit counts once)."""
        self._conn: sqlite3.Connection | None = conn
        self._head = head
        self._closed_why = "it was closed"

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        types: Sequence[type[Message]],
        *,
        verify: Verify = "full",
        create: bool = True,
        faults: JournalFaults | None = None,
        durable: bool = True,
    ) -> JournalStore:
        """Open (or, when ``create`` and absent, create) and verify the journal at ``path``.

        ``durable=False`` (``synchronous=OFF``) leaves flushing to the OS: a
        commit survives a crash of the process but not of the machine. Only
        for a journal that is thrown away afterwards (a replay's).
        """
        path = os.fspath(path)
        codec = Codec(types)
        if verify not in ("full", "tail"):
            raise ValueError(f"verify must be 'full' or 'tail', not {verify!r}")
        if not os.path.exists(path):
            if not create:
                raise JournalError(f"journal {path!r} does not exist")
            _file.create(path)
        _file.check_header(path)
        try:
            conn = _file.connect(path)
        except sqlite3.Error as error:
            raise JournalError(f"journal {path!r} cannot be opened: {error}") from None
        try:
            store = cls._verified(path, conn, codec, verify == "full", durable)
        except BaseException:
            conn.close()
            raise
        store.faults = faults
        return store

    @classmethod
    def _verified(
        cls, path: str, conn: sqlite3.Connection, codec: Codec, full: bool, durable: bool
    ) -> JournalStore:
        try:
            application_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise JournalCorrupt(path, None, f"sqlite cannot read it: {error}") from None
        if application_id != APPLICATION_ID:
            raise JournalError(
                f"journal {path!r} is not a journal: an SQLite database of another application "
                f"(application_id {application_id:#x})"
            )
        if version != SCHEMA_VERSION:
            raise JournalError(
                f"journal {path!r} has schema version {version}; this build reads "
                f"version {SCHEMA_VERSION} only"
            )
        head, report = verify(conn, path, codec, full=full)
        conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'OFF'}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise JournalError(f"journal {path!r} cannot run in WAL mode (it is in {mode!r})")
        return cls(path, conn, codec, head, report)

    # -- state ---------------------------------------------------------------------

    @property
    def last_seq(self) -> int:
        return self._head.seq

    @property
    def closed(self) -> bool:
        return self._conn is None

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise JournalClosed(f"journal {self.path!r} is closed: {self._closed_why}")
        return self._conn

    def close(self) -> None:
        """Close the file (idempotent); WAL content is checkpointed by sqlite."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    # -- writing -------------------------------------------------------------------

    def _write(self, statements: Callable[[sqlite3.Connection], None], head: Head) -> None:
        """Run ``statements`` and move the head, in one durable transaction.

        Any sqlite failure rolls back and closes the store: after a failed
        commit the file's state is only known again once it is reopened and
        verified, so nothing more is written through this connection.
        """
        conn = self._live()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                stored = conn.execute(
                    "SELECT seq, checksum, snapshot_id, snapshot_checksum FROM head"
                ).fetchone()
                if tuple(stored) != tuple(self._head):
                    raise sqlite3.DatabaseError(
                        f"another writer moved the head to seq {stored[0]} (this store is at "
                        f"seq {self._head.seq})"
                    )
                statements(conn)
                conn.execute(
                    "UPDATE head SET seq = ?, checksum = ?, snapshot_id = ?, snapshot_checksum = ?",
                    head,
                )
                if self.faults is not None:
                    self.faults.before_commit()
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            self._closed_why = f"a write failed: {error}"
            self.close()
            raise JournalWriteFailed(self.path, str(error)) from error
        self._head = head
        self.transactions += 1

    def append(self, messages: Sequence[Message], ts: float) -> int:
        """Append ``messages`` at time ``ts`` in one transaction; returns the last seq.

        Durable when it returns. A message type the journal does not hold is a
        TypeError before anything is written.
        """
        self._live()
        if not messages:
            raise ValueError("nothing to append")
        if not (isinstance(ts, float | int) and math.isfinite(ts)):
            raise ValueError(f"a record time must be a finite number, not {ts!r}")
        ts = float(ts)
        codec = self.codec
        seq, prev = self._head.seq, self._head.checksum
        rows: list[tuple[int, float, str, bytes, str]] = []
        for message in messages:
            tag = codec.tag_of(message)
            payload = codec.encode(message)
            seq += 1
            prev = record_checksum(prev, seq, ts, tag, payload)
            rows.append((seq, ts, tag, payload, prev))

        def insert(conn: sqlite3.Connection) -> None:
            conn.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?)", rows)

        self._write(insert, self._head._replace(seq=seq, checksum=prev))
        return seq

    def save_snapshot(self, name: str, payload: Message, seq: int, ts: float) -> int:
        """Record ``payload`` as the state ``name`` after record ``seq``; returns its id."""
        conn = self._live()
        if not 0 <= seq <= self._head.seq:
            raise ValueError(
                f"snapshot {name!r}: seq {seq} is not in the log (0..{self._head.seq})"
            )
        if not math.isfinite(ts):
            raise ValueError(f"a snapshot time must be finite, not {ts!r}")
        tag = self.codec.tag_of(payload)
        data = self.codec.encode(payload)
        if seq == 0:
            record = GENESIS
        elif seq == self._head.seq:
            record = self._head.checksum
        else:
            stored = conn.execute("SELECT checksum FROM records WHERE seq = ?", (seq,)).fetchone()
            if stored is None or type(stored[0]) is not str:
                raise JournalCorrupt(self.path, seq, "missing or malformed checksum")
            record = stored[0]
        ident = self._head.snapshot_id + 1
        checksum = snapshot_checksum(
            self._head.snapshot_checksum, record, name, seq, float(ts), tag, data
        )
        row = (ident, name, seq, float(ts), tag, data, checksum)

        def insert(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?)", row)

        self._write(insert, self._head._replace(snapshot_id=ident, snapshot_checksum=checksum))
        return ident

    # -- reading -------------------------------------------------------------------

    def read(
        self,
        after: int = 0,
        *,
        types: Collection[type[Message]] | None = None,
        limit: int | None = None,
    ) -> list[Record]:
        """Records with seq > ``after`` (of ``types`` only, when given), oldest first.

        Each is re-checked against the stored checksum before it and decoded,
        so damage done to the file while it is open is refused here too.
        """
        conn = self._live()
        if after < 0:
            raise ValueError(f"after must be >= 0, not {after}")
        params: list[Any] = [after, self._head.seq]
        if types is None:  # a contiguous run: each row is checked against the one before
            sql = _READ_RUN
            prev: str | None = GENESIS
            if after > 0:
                stored = conn.execute("SELECT checksum FROM records WHERE seq = ?", (after,))
                prev = next(iter(stored.fetchall()), (None,))[0]
        else:  # a filtered subset: each row is checked against its stored predecessor
            tags = [self.codec.tag_of_type(message_type) for message_type in types]
            sql = _READ_SUBSET + f" AND r.type IN ({', '.join('?' * len(tags))})"
            params.extend(tags)
        sql += " ORDER BY r.seq"
        if limit is not None:
            if limit < 0:
                raise ValueError(f"limit must be >= 0, not {limit}")
            sql += " LIMIT ?"
            params.append(limit)
        path, codec = self.path, self.codec
        out: list[Record] = []
        append = out.append
        expected = after + 1
        try:
            with closing(conn.execute(sql, params)) as rows:
                if types is None:
                    for row in rows:
                        message = check_record(path, codec, row, prev, expected)
                        append(Record(seq=expected, ts=row[1], payload=message))
                        prev = row[4]
                        expected += 1
                else:
                    for row in rows:
                        prev = GENESIS if row[0] == 1 else row[5]
                        message = check_record(path, codec, row, prev, None)
                        append(Record(seq=row[0], ts=row[1], payload=message))
        except sqlite3.DatabaseError as error:
            seq = out[-1].seq + 1 if out else after + 1
            raise JournalCorrupt(path, seq, f"sqlite cannot read it: {error}") from None
        if types is None and limit is None and expected <= self._head.seq:
            end = self._head.seq
            raise JournalCorrupt(path, expected, f"missing: the committed log ends at seq {end}")
        return out

    def latest_snapshot(self, name: str) -> Snapshot | None:
        """The snapshot ``name`` with the highest seq (the newest of those), checked."""
        conn = self._live()
        try:
            row = conn.execute(_SNAPSHOT, (name,)).fetchone()
        except sqlite3.DatabaseError as error:
            raise JournalCorrupt(self.path, None, f"sqlite cannot read it: {error}") from None
        if row is None:
            return None
        prev = GENESIS if row[0] == 1 else row[7]
        record = GENESIS if row[2] == 0 else row[8] if type(row[8]) is str else None
        message = check_snapshot(self.path, self.codec, row, prev, record, None)
        return Snapshot(name=row[1], seq=row[2], ts=row[3], payload=message)

    def backup_to(self, copy: sqlite3.Connection) -> None:
        """Copy the committed journal into ``copy`` with sqlite's online backup API."""
        conn = self._live()
        try:
            conn.backup(copy)
        except sqlite3.Error as error:
            raise JournalError(f"journal {self.path!r}: the backup copy failed: {error}") from None

    def verify(self, *, full: bool = True) -> VerifyReport:
        """Verify the file again (a consistent read view; the head must not have moved)."""
        head, report = verify(self._live(), self.path, self.codec, full=full)
        if head != self._head:
            raise JournalCorrupt(
                self.path, head.seq, f"the head moved under this store (it wrote {self._head.seq})"
            )
        return report
