"""What the journal actor reads and answers (in-process messages, never on a wire).

Ask with these; each request has one answer type. ``Append`` is answered only
once its records are durable, so whoever asked may act on them then, and not
before. Record types travel as tag names (``Message`` tags) in ``ReadAfter``
so that a reader need not import every journaled class.
"""

from __future__ import annotations

from .._message import Message
from ._records import Record, Snapshot

__all__ = [
    "Append",
    "Appended",
    "GetJournalStats",
    "JournalStats",
    "LatestSnapshot",
    "ReadAfter",
    "Records",
    "SaveSnapshot",
    "SnapshotFound",
    "SnapshotSaved",
]


class Append(Message, frozen=True, tag="journal_append"):
    """Append these records in order (with others waiting, in one transaction).

    Ask it: only the ``Appended`` answer says the records are durable. A told
    ``Append`` is written too, but nobody learns when, or whether it failed.
    """

    records: tuple[Message, ...]


class Appended(Message, frozen=True, tag="journal_appended"):
    """The records of one ``Append`` are durable as seq ``first_seq``..``last_seq``."""

    first_seq: int
    last_seq: int


class ReadAfter(Message, frozen=True, tag="journal_read_after"):
    """Records with seq > ``after``, of the tags ``types`` only when given."""

    after: int = 0
    types: tuple[str, ...] | None = None
    limit: int | None = None


class Records(Message, frozen=True, tag="journal_records"):
    """The answer to ``ReadAfter``; ``last_seq`` is the log's end when it was read."""

    records: tuple[Record, ...]
    last_seq: int


class SaveSnapshot(Message, frozen=True, tag="journal_save_snapshot"):
    """Keep ``payload`` as the state ``name`` after record ``seq``."""

    name: str
    payload: Message
    seq: int


class SnapshotSaved(Message, frozen=True, tag="journal_snapshot_saved"):
    seq: int


class LatestSnapshot(Message, frozen=True, tag="journal_latest_snapshot"):
    name: str


class SnapshotFound(Message, frozen=True, tag="journal_snapshot_found"):
    snapshot: Snapshot | None


class GetJournalStats(Message, frozen=True, tag="journal_get_stats"):
    pass


class JournalStats(Message, frozen=True, tag="journal_stats"):
    """Figures for monitoring: ``transactions`` counts commits since the actor started."""

    path: str
    last_seq: int
    transactions: int
    records_appended: int
