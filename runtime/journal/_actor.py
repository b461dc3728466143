"""The journal actor: the daemon's single writer of the journal (named "journal").

It owns one :class:`Journal` per incarnation. Requests are taken in batches
from the mailbox; consecutive ``Append`` requests in a batch are written in
one transaction (group commit: one fsync for all of them) and each is
answered with its own seq range only after that commit. Anything else in the
batch is served in arrival order, after the appends before it are durable,
so a read always sees what was appended ahead of it.

A request the journal cannot serve (a type it does not hold, an empty
append, a snapshot of a seq not in the log) fails that request only. A
failed write fails every request it carried with
:class:`~runtime.journal.errors.JournalWriteFailed` and crashes the actor, as
does corruption found while reading: under the root's rest_for_one strategy
everything that depends on the journal restarts and rebuilds from what is
verifiably on disk.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from .._context import Actor, ActorContext, TaskStatus
from .._message import Message
from .._request import Request
from ._faults import JournalFaults
from ._journal import IO, Journal, open_journal
from ._messages import (
    Append,
    Appended,
    GetJournalStats,
    JournalStats,
    LatestSnapshot,
    ReadAfter,
    Records,
    SaveSnapshot,
    SnapshotFound,
    SnapshotSaved,
)
from ._store import Verify
from .errors import JournalError

__all__ = ["journal_actor"]


def journal_actor(
    path: str | os.PathLike[str],
    types: Sequence[type[Message]],
    *,
    io: IO = "thread",
    verify: Verify = "full",
    faults: JournalFaults | None = None,
    batch: int = 256,
    durable: bool = True,
) -> Actor:
    """The journal actor over the file at ``path`` holding ``types``.

    ``batch`` bounds how many queued requests one pass takes (and so how many
    appends share a transaction). ``faults`` injects write failures.
    ``durable=False`` only for a throwaway journal (see :meth:`JournalStore.open`).
    """
    if batch < 1:
        raise ValueError(f"batch must be at least 1, not {batch}")

    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        async with open_journal(
            path, types, io=io, verify=verify, faults=faults, durable=durable
        ) as journal:
            report = journal.report
            ctx.log.info(
                "journal_opened",
                path=journal.path,
                last_seq=journal.last_seq,
                records_checked=report.records_checked,
                full=report.full,
            )
            server = _Server(ctx, journal)
            task_status.started()
            while True:
                await server.serve(await ctx.mailbox.receive_batch(batch))

    return run


class _Server:
    def __init__(self, ctx: ActorContext, journal: Journal) -> None:
        self.ctx = ctx
        self.journal = journal
        self.holds = frozenset(journal.message_types)
        self.tags = journal.types_by_tag
        self.appended = 0

    async def serve(self, batch: list[Any]) -> None:
        appends: list[tuple[Request[Any] | None, Append]] = []
        for item in batch:
            request, message = (item, item.message) if isinstance(item, Request) else (None, item)
            if isinstance(message, Append):
                if self._acceptable(request, message):
                    appends.append((request, message))
                continue
            if appends:
                await self._commit(appends)
                appends = []
            await self._handle(request, message)
        if appends:
            await self._commit(appends)

    def _refuse(self, request: Request[Any] | None, error: Exception) -> None:
        if request is not None:
            request.fail(error)
        else:
            self.ctx.log.warning("journal_request_refused", error=str(error))

    def _acceptable(self, request: Request[Any] | None, append: Append) -> bool:
        if not append.records:
            self._refuse(request, ValueError("an Append needs at least one record"))
            return False
        for record in append.records:
            if type(record) not in self.holds:
                names = sorted(self.tags)
                error = TypeError(f"the journal does not hold {type(record).__name__} ({names})")
                self._refuse(request, error)
                return False
        return True

    async def _commit(self, appends: list[tuple[Request[Any] | None, Append]]) -> None:
        records = [record for _, append in appends for record in append.records]
        first = self.journal.last_seq + 1
        try:
            await self.journal.append(records, self.ctx.clock.time())
        except JournalError as error:
            for request, _ in appends:
                if request is not None:
                    request.fail(error)
            raise
        self.appended += len(records)
        for request, append in appends:
            last = first + len(append.records) - 1
            if request is not None:
                request.reply(Appended(first_seq=first, last_seq=last))
            first = last + 1

    async def _handle(self, request: Request[Any] | None, message: object) -> None:
        try:
            answer = await self._answer(message)
        except (TypeError, ValueError) as error:
            self._refuse(request, error)
            return
        except JournalError as error:  # corrupt, closed or a failed write: crash
            if request is not None:
                request.fail(error)
            raise
        if request is not None:
            request.reply(answer)

    async def _answer(self, message: object) -> Message:
        journal = self.journal
        if isinstance(message, ReadAfter):
            types = None
            if message.types is not None:
                unknown = sorted(set(message.types) - self.tags.keys())
                if unknown:
                    raise ValueError(f"the journal holds no type {unknown} ({sorted(self.tags)})")
                types = [self.tags[tag] for tag in message.types]
            records = await journal.read(message.after, types=types, limit=message.limit)
            return Records(records=tuple(records), last_seq=journal.last_seq)
        if isinstance(message, SaveSnapshot):
            ts = self.ctx.clock.time()
            await journal.save_snapshot(message.name, message.payload, message.seq, ts=ts)
            return SnapshotSaved(seq=message.seq)
        if isinstance(message, LatestSnapshot):
            return SnapshotFound(snapshot=await journal.latest_snapshot(message.name))
        if isinstance(message, GetJournalStats):
            return JournalStats(
                path=journal.path,
                last_seq=journal.last_seq,
                transactions=journal.transactions,
                records_appended=self.appended,
            )
        raise TypeError(f"the journal does not serve {type(message).__name__}")
