"""Outages and a misbehaving update stream: restart with backoff, reconcile, book once."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal as D
from pathlib import Path

from trio.testing import MockClock

from actors.broker import SessionConfig
from actors.messages import (
    AccountStatus,
    Alert,
    Fill,
    GetAccount,
    OrderStatus,
    OrderType,
    OrderUpdate,
    ReconciliationReport,
    Side,
)
from adapters.broker import VenueEvent
from adapters.paper import (
    DuplicateUpdates,
    Outage,
    PaperBrokerClient,
    PaperVenue,
    ReorderUpdates,
)
from runtime import ActorCrashed, ActorRestarting, Clock

from ._harness import (
    ACCOUNT,
    CONFIG,
    ORIGIN,
    SESSION,
    backward_moves,
    fills_in,
    journal,
    make_venue,
    order,
    quote,
    running,
    trade,
)


def unbacked(updates: list[OrderUpdate]) -> list[str]:
    """Published fill statuses that the order's booked executions do not back."""
    return [
        f"{u.client_order_id} {u.status} with {u.filled_quantity} of {u.quantity}"
        for u in updates
        if (u.status is OrderStatus.FILLED and u.filled_quantity != u.quantity)
        or (u.status is OrderStatus.PARTIALLY_FILLED and not 0 < u.filled_quantity < u.quantity)
    ]


def cid(n: int) -> str:
    return f"paper-{n:010d}"


async def test_an_outage_rejects_restarts_with_backoff_reconciles_then_trades(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    clock = Clock(origin=ORIGIN)
    venue = make_venue(clock)
    quote(venue, "AAPL", "100.00", "100.02")
    config = SessionConfig(
        request_timeout=CONFIG.request_timeout,
        resolve_interval=CONFIG.resolve_interval,
        resolve_grace=CONFIG.resolve_grace,
        max_order_age=15.0,
    )
    async with running(tmp_path / "journal.db", venue, config) as (tree, probe):
        session = tree.ref(SESSION)
        outage_end = clock.time() + 20
        venue.faults.schedule(Outage(end=20))
        await session.tell(order("AAPL", Side.BUY, 10, ts=clock.time()))
        refused = await probe.status(cid(1), OrderStatus.REJECTED)
        assert refused.reason.startswith("venue unavailable, not delivered: connection refused")
        crashed = await probe.wait(ActorCrashed, lambda e: e.actor == SESSION)
        assert (crashed.error_type, crashed.transient) == ("BrokerUnavailable", True)
        # an intent queued while the session is down: stale by the time it could go
        await probe.wait(ActorRestarting, lambda e: e.actor == SESSION)
        await session.tell(order("AAPL", Side.BUY, 7, ts=clock.time()))

        mark = probe.mark()
        report = await probe.wait(ReconciliationReport, after=mark)
        assert report.ts >= outage_end
        assert report.ok
        restarts = [e for e in probe.of(ActorRestarting) if e.actor == SESSION]
        delays = [e.delay for e in restarts]
        assert delays == [1.0, 2.0, 4.0, 8.0, 8.0]  # BACKOFF, until the outage ends at 20 s
        stale = await probe.status(cid(2), OrderStatus.REJECTED)
        assert stale.reason.startswith("stale intent")

        await session.tell(order("AAPL", Side.BUY, 5))
        await probe.status(cid(3), OrderStatus.FILLED)
        assert venue.submissions(ACCOUNT) == {cid(3): 1}
        assert [r.status for r in await journal(tree, "order_update") if hasattr(r, "status")][
            :2
        ] == [OrderStatus.REJECTED, OrderStatus.REJECTED]


async def test_duplicated_and_reordered_updates_book_each_fill_once_and_move_forward(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    venue = make_venue(Clock(origin=ORIGIN))
    quote(venue, "AAPL", "100.00", "100.02", bid_size=40, ask_size=40)
    quote(venue, "MSFT", "250.00", "250.05", bid_size=40, ask_size=40)
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        session = tree.ref(SESSION)
        venue.faults.schedule(DuplicateUpdates(probability=1.0), ReorderUpdates(probability=0.5))
        await session.tell(order("AAPL", Side.BUY, 30, order_type=OrderType.LIMIT, limit="99.90"))
        await session.tell(order("MSFT", Side.SELL, 20, order_type=OrderType.LIMIT, limit="250.10"))
        await session.tell(order("AAPL", Side.SELL, 12))
        await probe.settle(1)
        for _ in range(4):  # each trade gives a resting order a quarter of its size
            trade(venue, "AAPL", "99.90", 40)
            trade(venue, "MSFT", "250.10", 40)
            await probe.settle(1)
        quote(venue, "AAPL", "100.00", "100.02")  # releases an update held back
        await probe.settle(5)

        venue_fills = venue.ledger(ACCOUNT).fills
        # the market order at once; each trade gives a limit order a quarter of 40:
        # 30 AAPL in three fills, 20 MSFT in two
        assert len(venue_fills) == 6
        published = probe.of(Fill)
        booked = fills_in(await journal(tree, "fill"))
        assert Counter(f.execution_id for f in published) == Counter(
            f.execution_id for f in venue_fills
        )
        assert max(Counter(f.execution_id for f in published).values()) == 1
        assert sorted(booked, key=lambda f: f.execution_id) == sorted(
            venue_fills, key=lambda f: f.execution_id
        )
        assert backward_moves(probe.updates()) == []
        assert unbacked(probe.updates()) == []
        assert venue.faults.injected["duplicate_updates"] > 0
        assert venue.faults.injected["reorder_updates"] > 0
        status: AccountStatus = await session.ask(GetAccount())
        assert (
            status.journal_positions
            == {p.symbol: p.quantity for p in venue.positions(ACCOUNT)}
            == {"AAPL": D(18), "MSFT": D(-20)}
        )
        for n in (1, 2, 3):
            assert probe.updates(cid(n))[-1].status is OrderStatus.FILLED


class _LosesFirstFill(PaperBrokerClient):
    """The venue's update stream loses the first execution it carries; the venue keeps it."""

    def __init__(self, venue: PaperVenue, account: str) -> None:
        super().__init__(venue, account)
        self.lost: list[Fill] = []

    @asynccontextmanager
    async def open_updates(self) -> AsyncIterator[AsyncIterator[VenueEvent]]:
        async with super().open_updates() as stream:
            yield self._losing(stream)

    async def _losing(self, stream: AsyncIterator[VenueEvent]) -> AsyncIterator[VenueEvent]:
        async for event in stream:
            if isinstance(event, Fill) and not self.lost:
                self.lost.append(event)
                continue
            yield event


async def test_an_order_is_filled_by_its_executions_and_a_lost_one_is_fetched(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    """The submit's answer says filled, the stream loses the fill: no fill status
    is published until the execution is booked, and the session reconnects to fetch it."""
    # Both the stream's own update and the submission's answer report the order filled.
    venue = make_venue(Clock(origin=ORIGIN))
    quote(venue, "AAPL", "100.00", "100.02")
    client = _LosesFirstFill(venue, ACCOUNT)
    async with running(tmp_path / "journal.db", venue, client=client) as (tree, probe):
        await tree.ref(SESSION).tell(order("AAPL", Side.BUY, 10))
        accepted = await probe.status(cid(1), OrderStatus.ACCEPTED)
        alert = await probe.wait(Alert, lambda a: "did not arrive" in a.message)
        assert cid(1) in alert.message
        assert [u.status for u in probe.updates(cid(1))] == [
            OrderStatus.PENDING_SUBMIT,
            OrderStatus.SUBMITTED,
            OrderStatus.ACCEPTED,
        ]
        assert alert.ts - accepted.ts >= CONFIG.resolve_grace
        await probe.wait(ActorRestarting, lambda e: e.actor == SESSION)
        report = await probe.wait(ReconciliationReport, lambda r: bool(r.missing_fills))
        (lost,) = client.lost
        assert report.missing_fills == (lost.execution_id,)
        filled = await probe.status(cid(1), OrderStatus.FILLED)
        assert (filled.filled_quantity, filled.average_price) == (D(10), lost.price)
        await probe.settle()
        assert fills_in(await journal(tree, "fill")) == [lost]
        assert [u.status for u in probe.updates(cid(1))].count(OrderStatus.FILLED) == 1
        assert unbacked(probe.updates()) == []
