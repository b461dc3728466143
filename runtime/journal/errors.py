"""The journal's exceptions.

The tree::

    JournalError            the file cannot be used as a journal (missing, not a
    │                       journal, an unknown schema version) or a bad request
    ├── JournalCorrupt      stored data failed verification: named by file, seq
    │                       and reason; the file is left exactly as it was
    ├── JournalClosed       the journal was used after it was closed (or after a
    │                       failed write closed it)
    └── JournalWriteFailed  a write did not become durable: the caller must not act
                            on what it tried to record; the journal actor crashes

Nothing here is an ``OSError``: the supervisor must count a failed write or a
corrupt file toward its restart intensity, never wait it out as a transient
network problem, so a disk that keeps failing ends the daemon instead of
letting it trade on records it could not keep.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["JournalClosed", "JournalCorrupt", "JournalError", "JournalWriteFailed"]


class JournalError(Exception):
    """Base of the journal's errors; also raised for a file that is not a journal."""


class JournalCorrupt(JournalError):
    """Stored data failed verification.

    ``seq`` is the record (or snapshot row, when ``what`` says so) where
    verification failed, or None when the damage is not tied to one record (a
    truncated file sqlite cannot read at all).
    """

    def __init__(
        self, path: str | Path, seq: int | None, reason: str, *, what: str = "seq"
    ) -> None:
        where = f"{what} {seq}" if seq is not None else "file"
        super().__init__(f"journal {str(path)!r} is corrupt at {where}: {reason}")
        self.path = str(path)
        self.seq = seq
        self.reason = reason
        self.what = what


class JournalClosed(JournalError):
    """The journal was used after it was closed."""


class JournalWriteFailed(JournalError):
    """A write was rolled back or its durability is unknown; nothing may act on it."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"journal {str(path)!r}: write failed: {reason}")
        self.path = str(path)
        self.reason = reason
