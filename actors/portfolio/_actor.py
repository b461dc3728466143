"""The portfolio actor: the books of every account, rebuilt on each start.

On start it restores the journal's latest snapshot and replays the records
after it (``load_history``) into fresh ledgers before it reports ready, so
nothing downstream ever sees books without the fills that were acknowledged
before a crash (invariant 2). When that replay was long (``snapshot_every``
records or more) the rebuilt books are saved as the new snapshot; while it
runs, every ``snapshot_every`` fills and at every session close a compaction
rebuilds the books from the journal in a shadow and snapshots those (see
:mod:`._history`), so the next start replays little. Then it serves its
mailbox in batches:

* a :class:`Fill` is booked once (the ledger remembers execution ids, so a
  fill both replayed and still queued counts once); it publishes the
  account's net :class:`PositionUpdate`, the strategy's, and a
  :class:`PortfolioUpdate`;
* a :class:`Quote` (at its mid) or a :class:`Trade` marks the symbol; the
  net positions that moved are published, and one :class:`PortfolioUpdate`
  per batch however many prices it held (quotes and trades arrive conflated
  per symbol, so a burst of ticks is one batch);
* ``Request(GetPortfolio)`` is answered with a :class:`PortfolioSnapshot`.

A :class:`PortfolioUpdate` also goes out whenever ``publish_interval`` passes
without one, and at every session close, when the day rolls (with a
:class:`LedgerSnapshot` per account, for the journal to keep if it likes).
Everything is published with ``await ctx.publish``: each subscriber's policy
decides whether it waits, conflates or drops.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

import trio

from actors.messages import (
    AccountOpened,
    Fill,
    GetPortfolio,
    Instrument,
    Quote,
    SessionCalendar,
    Trade,
)
from runtime import Actor, ActorContext, Policy, Request, Subscribe, TaskStatus

from ._accounts import Accounts
from ._history import LoadHistory, SaveSnapshot, compact, replay, snapshots
from ._ledger import MANUAL

__all__ = ["PORTFOLIO_SUBSCRIPTIONS", "portfolio_actor"]


_symbol: Final = operator.attrgetter("symbol")
"""The conflation key of market data: in C, as it runs for every tick on every lane."""


PORTFOLIO_SUBSCRIPTIONS: Final = (
    Subscribe(Fill),
    Subscribe(AccountOpened),
    Subscribe(Quote, Policy.CONFLATE, capacity=4096, key=_symbol),
    Subscribe(Trade, Policy.CONFLATE, capacity=4096, key=_symbol),
)
"""What the portfolio reads; give them to its ChildSpec so none is missed before it starts."""


def portfolio_actor(
    instruments: Mapping[str, Instrument],
    *,
    load_history: LoadHistory,
    save_snapshot: SaveSnapshot | None = None,
    snapshot_every: int = 50_000,
    publish_interval: float = 1.0,
    calendar: SessionCalendar | None = None,
    execution_memory: int = 1_000_000,
) -> Actor:
    """The portfolio (run it as the daemon's ``portfolio`` child).

    ``load_history`` returns the journal's latest snapshot and the
    ``AccountOpened`` and ``Fill`` records after it, in journal order;
    ``save_snapshot`` keeps a new one (without it, nothing is snapshotted).
    """
    if publish_interval <= 0:
        raise ValueError(f"publish_interval must be positive, not {publish_interval}")
    if execution_memory < 1:
        raise ValueError(f"execution_memory must be at least 1, not {execution_memory}")
    if snapshot_every < 1:
        raise ValueError(f"snapshot_every must be at least 1, not {snapshot_every}")
    table = dict(instruments)
    session = calendar if calendar is not None else SessionCalendar()

    def fresh() -> Accounts:
        return Accounts(table, calendar=session, execution_memory=execution_memory)

    async def portfolio(ctx: ActorContext, task_status: TaskStatus) -> None:
        for sub in PORTFOLIO_SUBSCRIPTIONS:
            ctx.subscribe(sub.message_type, sub.policy, capacity=sub.capacity, key=sub.key)
        accounts = fresh()
        history = await load_history()
        await replay(accounts, history)
        update = accounts.portfolio(ctx.clock.time())
        ctx.log.info(
            "portfolio rebuilt",
            snapshot_accounts=len(history.ledgers),
            records=len(history.records),
            seq=history.seq,
            accounts=sorted(accounts.ledgers),
            equity=str(update.equity),
        )
        # The books now summarise the journal up to history.seq exactly.
        rebuilt = None
        if len(history.records) >= snapshot_every:
            rebuilt = (snapshots(accounts, ctx.clock.time()), history.seq)
        server = _Server(ctx, accounts, publish_interval, session, snapshot_every)
        task_status.started()
        if save_snapshot is None:
            await server.serve()
            return

        async def compactor() -> None:
            assert save_snapshot is not None
            if rebuilt is not None:
                await save_snapshot(*rebuilt)
                ctx.log.info("portfolio snapshot saved", seq=rebuilt[1])
            async for _ in server.compactions:
                seq = await compact(load_history, save_snapshot, fresh, ctx.clock.time())
                ctx.log.info("portfolio compacted", seq=seq)

        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(compactor)
                await server.serve()
        except BaseExceptionGroup as group:
            if len(group.exceptions) == 1:  # crash with the one cause, bare
                raise group.exceptions[0] from None
            raise

    return portfolio


class _Server:
    def __init__(
        self,
        ctx: ActorContext,
        accounts: Accounts,
        interval: float,
        calendar: SessionCalendar,
        compact_every: int,
    ) -> None:
        self.ctx = ctx
        self.accounts = accounts
        self.interval = interval
        self.calendar = calendar
        self.compact_every = compact_every
        self.fills = 0  # booked since the last compaction was asked for
        # One compaction waiting is enough: asking again while one waits is a no-op.
        self._compact, self.compactions = trio.open_memory_channel[None](1)
        self.dirty: dict[tuple[str, str, str], None] = {}  # (account, strategy, symbol)
        self.changed = False

    async def serve(self) -> None:
        clock = self.ctx.clock
        due = clock.monotonic() + self.interval
        close = self.calendar.session_close(clock.time())
        close_at = clock.to_monotonic(close)  # compared on one clock with the deadline
        while True:
            batch: list[Any] = []
            with trio.move_on_at(min(due, close_at)):
                batch = await self.ctx.mailbox.receive_batch()
            for message in batch:
                self.handle(message)
            now = clock.time()
            if clock.monotonic() >= close_at:
                await self.roll(max(now, close))
                close = self.calendar.session_close(max(now, close))
                close_at = clock.to_monotonic(close)
            if self.dirty:
                for account, strategy, symbol in self.dirty:
                    view = self.accounts.ledgers[account].position(symbol, now, strategy)
                    assert view is not None
                    await self.ctx.publish(view)
                self.dirty.clear()
            if self.changed or clock.monotonic() >= due:
                await self.ctx.publish(self.accounts.portfolio(now))
                self.changed = False
                due = clock.monotonic() + self.interval

    def handle(self, message: object) -> None:
        if isinstance(message, Fill):
            if self.accounts.apply(message):
                self.dirty[(message.account, "", message.symbol)] = None
                self.dirty[(message.account, message.strategy or MANUAL, message.symbol)] = None
                self.changed = True
                self.fills += 1
                if self.fills >= self.compact_every:
                    self.compact()
        elif isinstance(message, Quote):
            if _valid(message.bid, message.ask) and message.bid <= message.ask:
                self.mark(message.symbol, message.mid, message.ts)
        elif isinstance(message, Trade):
            if _valid(message.price):
                self.mark(message.symbol, message.price, message.ts)
        elif isinstance(message, AccountOpened):
            self.changed |= self.accounts.apply(message)
        elif isinstance(message, Request):
            if isinstance(message.message, GetPortfolio):
                message.reply(self.accounts.snapshot(self.ctx.clock.time()))
            else:
                message.fail(TypeError(f"portfolio does not answer {message.message!r}"))
        else:
            self.ctx.log.warning("portfolio ignored a message", message=repr(message))

    def mark(self, symbol: str, price: Decimal, ts: float) -> None:
        for account in self.accounts.mark(symbol, price, ts):
            self.dirty[(account, "", symbol)] = None
            self.changed = True

    def compact(self) -> None:
        """Ask for a compaction (see :func:`._history.compact`); it runs in its own task."""
        self.fills = 0
        with contextlib.suppress(trio.WouldBlock):
            self._compact.send_nowait(None)

    async def roll(self, ts: float) -> None:
        self.accounts.roll(ts)
        self.changed = True
        self.compact()
        for ledger in self.accounts.ledgers.values():
            await self.ctx.publish(ledger.snapshot(ts))


def _valid(*prices: Decimal) -> bool:
    return all(p.is_finite() and p > 0 for p in prices)
