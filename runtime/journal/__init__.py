"""The durable journal: an append-only, checksummed event log with snapshots.

Everything the daemon must not lose (order intents, fills) is appended here
and is durable before anyone acts on it: the store commits each batch in one
SQLite transaction (WAL, ``synchronous=FULL``) before answering. Every record
carries a seq, a time, its message type and a msgpack payload, chained by
SHA-256 checksums; opening a file verifies it and refuses damage with a
:class:`JournalCorrupt` naming the seq and the reason, never repairing or
overwriting anything. Recovery is from a verified backup
(:func:`backup_journal`, :func:`restore_journal`).

Layers: the synchronous :class:`JournalStore` (``_store``, verified by
``_scan``); the async :class:`Journal` (``_journal``) that runs it off the
trio thread or inline under virtual time; the actor (``_actor``) that group-
commits ``Append`` requests. This package knows nothing about trading: it
stores whatever :class:`runtime.Message` types it is opened with.
"""

from ._actor import journal_actor as journal_actor
from ._faults import JournalFaults as JournalFaults
from ._journal import IO as IO
from ._journal import Journal as Journal
from ._journal import open_journal as open_journal
from ._messages import Append as Append
from ._messages import Appended as Appended
from ._messages import GetJournalStats as GetJournalStats
from ._messages import JournalStats as JournalStats
from ._messages import LatestSnapshot as LatestSnapshot
from ._messages import ReadAfter as ReadAfter
from ._messages import Records as Records
from ._messages import SaveSnapshot as SaveSnapshot
from ._messages import SnapshotFound as SnapshotFound
from ._messages import SnapshotSaved as SnapshotSaved
from ._records import Record as Record
from ._records import Snapshot as Snapshot
from ._records import VerifyReport as VerifyReport
from ._scan import TAIL_RECORDS as TAIL_RECORDS
from ._store import JournalStore as JournalStore
from ._store import Verify as Verify
from ._verify import Restored as Restored
from ._verify import backup_journal as backup_journal
from ._verify import restore_journal as restore_journal
from ._verify import verify_journal as verify_journal
from .errors import JournalClosed as JournalClosed
from .errors import JournalCorrupt as JournalCorrupt
from .errors import JournalError as JournalError
from .errors import JournalWriteFailed as JournalWriteFailed

__all__ = [
    "IO",
    "TAIL_RECORDS",
    "Append",
    "Appended",
    "GetJournalStats",
    "Journal",
    "JournalClosed",
    "JournalCorrupt",
    "JournalError",
    "JournalFaults",
    "JournalStats",
    "JournalStore",
    "JournalWriteFailed",
    "LatestSnapshot",
    "ReadAfter",
    "Record",
    "Records",
    "Restored",
    "SaveSnapshot",
    "Snapshot",
    "SnapshotFound",
    "SnapshotSaved",
    "Verify",
    "VerifyReport",
    "backup_journal",
    "journal_actor",
    "open_journal",
    "restore_journal",
    "verify_journal",
]
