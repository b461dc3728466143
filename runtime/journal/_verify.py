"""Checking a journal file, and keeping and restoring a good copy of it.

These are synchronous (the ``tradeloop journal verify`` command and
operators' tools call them; a running daemon uses
:meth:`~runtime.journal.Journal.backup`, which runs the same copy on the
journal's worker).

A backup is taken with sqlite's online backup API, so it is a consistent copy
even while the daemon writes, and it is verified in full before it is given
its name: a file called a backup is always a good copy. Neither a backup nor
a restore ever writes over an existing file: a copy is built under
``<dest>.partial`` and hard-linked into place, which fails if ``dest``
appeared meanwhile. Restoring over a damaged journal therefore needs the
damaged file moved aside first; :func:`restore_journal` does that when asked
(``move_aside=True``), keeping it, and its ``-wal`` file, as
``<dest>.aside-N`` for investigation.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import msgspec

from .._message import Message
from ._records import VerifyReport
from ._store import JournalStore
from .errors import JournalError

__all__ = ["Restored", "backup_journal", "backup_store", "restore_journal", "verify_journal"]

_SIDE_FILES = ("-wal", "-shm")


class Restored(msgspec.Struct, frozen=True, kw_only=True):
    """A restore's outcome: the restored file's verification, and where the old one went."""

    report: VerifyReport
    moved_aside: str | None


def verify_journal(
    path: str | os.PathLike[str], types: Sequence[type[Message]], *, full: bool = True
) -> VerifyReport:
    """Verify the journal at ``path`` (never creating or changing it).

    Raises :class:`JournalCorrupt` naming the seq and the reason, or
    :class:`JournalError` when the file is missing or not a journal.
    """
    store = JournalStore.open(path, types, verify="full" if full else "tail", create=False)
    store.close()
    return store.report


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_store(store: JournalStore, dest: str | os.PathLike[str]) -> VerifyReport:
    """Copy an open store to ``dest`` with the online backup API; verify the copy in full."""
    target = Path(dest)
    if target.exists():
        raise JournalError(f"backup {str(target)!r} already exists; a backup never overwrites")
    if not target.parent.is_dir():
        raise JournalError(f"backup {str(target)!r}: directory does not exist")
    partial = target.with_name(target.name + ".partial")
    for leftover in (partial, *(Path(f"{partial}{side}") for side in _SIDE_FILES)):
        leftover.unlink(missing_ok=True)  # our own unfinished copy from an earlier attempt
    try:
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            store.backup_to(copy)
        finally:
            copy.close()
        _fsync(partial)
        checked = JournalStore.open(partial, list(store.codec.tags), create=False)
        checked.close()
        os.link(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _fsync(target.parent)
    return msgspec.structs.replace(checked.report, path=str(target))


def backup_journal(
    src: str | os.PathLike[str], dest: str | os.PathLike[str], types: Sequence[type[Message]]
) -> VerifyReport:
    """Verify ``src`` in full, copy it to ``dest`` and verify the copy; returns its report.

    A corrupt source is refused (:class:`JournalCorrupt`): a backup of bad
    data is no copy to recover from.
    """
    store = JournalStore.open(src, types, verify="full", create=False)
    try:
        return backup_store(store, dest)
    finally:
        store.close()


def _aside_name(target: Path) -> Path:
    n = 1
    while any(Path(f"{target}.aside-{n}{side}").exists() for side in ("", *_SIDE_FILES)):
        n += 1
    return Path(f"{target}.aside-{n}")


def restore_journal(
    backup: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    types: Sequence[type[Message]],
    *,
    move_aside: bool = False,
) -> Restored:
    """Make ``dest`` a verified copy of the verified ``backup``. The daemon must be stopped.

    An existing ``dest`` is refused unless ``move_aside``; then it (with its
    ``-wal`` and ``-shm`` files) is renamed to ``<dest>.aside-N``, never deleted.
    """
    target = Path(dest)
    source = JournalStore.open(backup, types, verify="full", create=False)
    try:
        present = [p for p in (target, *(Path(f"{target}{s}") for s in _SIDE_FILES)) if p.exists()]
        aside: Path | None = None
        if present:
            if not move_aside:
                raise JournalError(
                    f"journal {str(target)!r} exists; restoring never overwrites it: move it "
                    "aside first (move_aside=True keeps it as <name>.aside-N)"
                )
            aside = _aside_name(target)
            for path in present:
                path.rename(f"{aside}{str(path)[len(str(target)) :]}")
            _fsync(target.parent)
        report = backup_store(source, target)
    finally:
        source.close()
    return Restored(report=report, moved_aside=None if aside is None else str(aside))
