"""What the journal hands back: records, snapshots and verification reports.

These are in-process values (a payload is any journaled message), frozen so a
record read once can be shared by every actor that replays it.
"""

from __future__ import annotations

import msgspec

from .._message import Message

__all__ = ["Record", "Snapshot", "VerifyReport"]


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """One journaled message: its sequence number (from 1, no gaps) and time."""

    seq: int
    ts: float
    payload: Message


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    """A named state summarising the log up to and including ``seq``.

    Replaying the records after ``seq`` on top of ``payload`` gives the state
    now; ``seq`` 0 means a state taken before any record.
    """

    name: str
    seq: int
    ts: float
    payload: Message


class VerifyReport(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of a verification that passed (a failing one raises).

    ``records_checked`` is how many records were re-hashed and decoded: all of
    them for a full verification, the tail for a quick one.
    """

    path: str
    records: int
    last_seq: int
    snapshots: int
    records_checked: int
    full: bool
    ok: bool = True
