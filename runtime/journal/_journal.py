"""The async journal: the store driven from trio without blocking the event loop.

Two I/O modes, chosen when the journal is opened:

* ``io="thread"`` (the live daemon): every store call runs in a worker thread
  through ``trio.to_thread.run_sync``, one call at a time (a trio Lock and a
  one-thread limiter), so fsyncs never stall the event loop. A call is not
  abandoned when its caller is cancelled: a write that started finishes, and
  the cancellation lands after it.
* ``io="inline"`` (virtual-time simulations and tests): calls run in the trio
  thread. Under an autojump MockClock a worker thread would let the clock
  jump ahead while sqlite works, so simulations write inline instead.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Final, Literal, TypeVar, final

import trio

from .._message import Message
from ._faults import JournalFaults
from ._records import Record, Snapshot, VerifyReport
from ._store import JournalStore, Verify
from .errors import JournalClosed

__all__ = ["CLOSE_TIMEOUT", "IO", "Journal", "open_journal"]

IO = Literal["thread", "inline"]
CLOSE_TIMEOUT: Final = 10.0
"""Seconds :meth:`Journal.aclose` waits for a write in flight before giving up on it."""

T = TypeVar("T")


@final
class Journal:
    """An open journal; build with :func:`open_journal`."""

    def __init__(self, store: JournalStore, io: IO) -> None:
        self._store = store
        self._io = io
        self._lock = trio.Lock()
        self._limiter = trio.CapacityLimiter(1)
        self._closed = False

    async def _call(self, fn: Callable[[], T]) -> T:
        if self._io == "inline":
            # In the trio thread with no await inside, a call cannot overlap another,
            # so it takes no lock (whose schedule point cost a pass per append).
            if self._closed:
                raise JournalClosed(f"journal {self._store.path!r} is closed")
            return fn()
        async with self._lock:
            if self._closed:
                raise JournalClosed(f"journal {self._store.path!r} is closed")
            return await trio.to_thread.run_sync(fn, limiter=self._limiter, thread_name="journal")

    @property
    def path(self) -> str:
        return self._store.path

    @property
    def last_seq(self) -> int:
        return self._store.last_seq

    @property
    def report(self) -> VerifyReport:
        """The verification that opening this journal passed."""
        return self._store.report

    @property
    def transactions(self) -> int:
        """Write transactions committed since the journal was opened."""
        return self._store.transactions

    @property
    def message_types(self) -> Collection[type[Message]]:
        return self._store.codec.tags.keys()

    @property
    def types_by_tag(self) -> Mapping[str, type[Message]]:
        return self._store.codec.types

    async def append(self, messages: Sequence[Message], ts: float) -> int:
        """Append in one transaction; returns the last seq. Durable when it returns."""
        return await self._call(partial(self._store.append, messages, ts))

    async def read(
        self,
        after: int = 0,
        *,
        types: Collection[type[Message]] | None = None,
        limit: int | None = None,
    ) -> list[Record]:
        """Checked records with seq > ``after``, oldest first (see ``JournalStore.read``)."""
        return await self._call(partial(self._store.read, after, types=types, limit=limit))

    async def save_snapshot(self, name: str, payload: Message, seq: int, *, ts: float) -> int:
        """Record the state ``name`` after record ``seq``; returns the snapshot's id."""
        return await self._call(partial(self._store.save_snapshot, name, payload, seq, ts))

    async def latest_snapshot(self, name: str) -> Snapshot | None:
        return await self._call(partial(self._store.latest_snapshot, name))

    async def verify(self, *, full: bool = True) -> VerifyReport:
        return await self._call(partial(self._store.verify, full=full))

    async def backup(self, dest: str | os.PathLike[str]) -> VerifyReport:
        """Copy the journal to ``dest`` (never over a file) and verify the copy."""
        from ._verify import backup_store  # the backup module builds on this one

        return await self._call(partial(backup_store, self._store, dest))

    async def aclose(self) -> None:
        """Close, waiting at most :data:`CLOSE_TIMEOUT` for a write in flight.

        If that write is stuck (a hung disk) the file is left to sqlite to
        close with the process; no later call can use it either way.
        """
        if self._closed:
            return
        with trio.move_on_after(CLOSE_TIMEOUT, shield=True):
            await self._call(self._store.close)
        self._closed = True


@asynccontextmanager
async def open_journal(
    path: str | os.PathLike[str],
    types: Sequence[type[Message]],
    *,
    io: IO = "thread",
    verify: Verify = "full",
    faults: JournalFaults | None = None,
    durable: bool = True,
) -> AsyncIterator[Journal]:
    """Open (creating when absent) and verify the journal at ``path``.

    ``durable=False`` is for a throwaway journal (see :meth:`JournalStore.open`).

    Raises :class:`~runtime.journal.errors.JournalCorrupt` or
    :class:`~runtime.journal.errors.JournalError` for a file it will not use.
    """
    if io not in ("thread", "inline"):
        raise ValueError(f"io must be 'thread' or 'inline', not {io!r}")
    opener = partial(JournalStore.open, path, types, verify=verify, faults=faults, durable=durable)
    store = opener() if io == "inline" else await trio.to_thread.run_sync(opener)
    journal = Journal(store, io)
    try:
        yield journal
    finally:
        await journal.aclose()
