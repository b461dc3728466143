"""The session's journal writes, made behind its loop, and what waits on them.

The session never waits for the disk in its loop. It queues records
(:meth:`JournalWriter.write` returns the write's number) and goes on with its
mail; a task of its own hands everything queued to the journal in one append
as soon as the previous append returned: group commit with no timer, so a
burst of orders or executions costs one fsync and a lone one costs no wait.

What must not happen before a write is on disk waits for it. Messages to
publish (an execution, the order view that records it, an intent's
``pending_submit``) wait in one queue: a message that needs no write of its
own still waits behind those queued before it, so subscribers see the
session's messages in the order the session decided them, as if every write
had been awaited. Actions (sending an order, which needs its intent on disk;
answering an operator's command, once what it changed is) wait only for
their own write: an order whose intent is durable goes to the venue while an
earlier execution's write is still on its way.

A failed append raises out of :meth:`JournalWriter.serve`, which crashes the
session: nothing that waited on it was published or sent.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, final

import trio

from runtime import Message

__all__ = ["JournalWriter", "Records"]


class Records(Protocol):
    """Where the writer appends: the session's journal (see ``SessionJournal``)."""

    async def record(self, records: Sequence[Message]) -> None: ...


@final
class JournalWriter:
    def __init__(
        self,
        journal: Records,
        publish: Callable[[Message], Awaitable[None]],
        written: Callable[[int], None],
    ) -> None:
        self._journal = journal
        self._publish = publish
        self._written = written  # told how many records each append carried
        self._pending: list[Message] = []
        self.queued = 0  # number of the last write queued
        self.durable = 0  # number of the last write on disk
        self._due: deque[tuple[int, Message]] = deque()
        self._actions: list[tuple[int, Callable[[], object]]] = []
        self._wake = trio.Event()
        self._progress = trio.Event()

    def write(self, records: Sequence[Message]) -> int:
        """Queue ``records`` after everything queued before; returns the write's number."""
        if not records:
            return self.durable  # nothing to wait for
        self._pending += records
        self.queued += 1
        self._wake.set()
        return self.queued

    async def publish(self, message: Message, *, after: int = 0) -> None:
        """Publish ``message`` once write ``after`` is durable, behind all queued before it."""
        if not self._due and after <= self.durable:
            await self._publish(message)
        else:
            self._due.append((after, message))

    def then(self, action: Callable[[], object], *, after: int) -> None:
        """Run ``action`` once write ``after`` is durable (at once if it is)."""
        if after <= self.durable:
            action()
        else:
            self._actions.append((after, action))

    async def wait(self, number: int) -> None:
        """Return once write ``number`` is durable."""
        while self.durable < number:
            await self._progress.wait()

    async def drain(self) -> None:
        """Return once everything queued is durable and published (before a crash)."""
        while self.durable < self.queued or self._due:
            await self._progress.wait()

    async def serve(self) -> None:
        """Append what is queued, one append at a time, and release what waited on it."""
        while True:
            await self._wake.wait()
            self._wake = trio.Event()
            while self._pending:
                records, self._pending = self._pending, []
                number = self.queued
                await self._journal.record(records)
                self._written(len(records))
                self.durable = number
                if self._actions:
                    ready = [action for after, action in self._actions if after <= number]
                    self._actions = [(a, action) for a, action in self._actions if a > number]
                    for action in ready:
                        action()
                await self._release()
                self._progress.set()
                self._progress = trio.Event()

    async def _release(self) -> None:
        # The head leaves the queue only once it is out, so a message published
        # meanwhile from the loop queues behind it instead of overtaking it.
        due = self._due
        while due and due[0][0] <= self.durable:
            await self._publish(due[0][1])
            due.popleft()
