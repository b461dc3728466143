"""The session's order path in a real tree: ids, journal-first, states, commands, refusals."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from trio.testing import MockClock

from actors.messages import (
    CancelAll,
    CancelOrder,
    Fill,
    FlattenAccount,
    GetOpenOrders,
    OpenOrders,
    Order,
    OrderStatus,
    OrderType,
    OrderUpdate,
    Side,
)
from adapters.paper import ReorderUpdates, Timeout
from runtime import ActorCrashed, Clock, Strategy
from runtime.journal import GetJournalStats, JournalFaults, JournalStats
from tradeloop._journaling import JOURNAL

from ._harness import (
    ACCOUNT,
    ORIGIN,
    SESSION,
    backward_moves,
    fills_in,
    journal,
    make_venue,
    order,
    quote,
    quoted_venue,
    running,
)

FIRST = "paper-0000000001"
SECOND = "paper-0000000002"


def cid(n: int) -> str:
    return f"paper-{n:010d}"


async def test_an_order_is_named_journaled_sent_and_its_fill_booked_once(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    venue = quoted_venue("AAPL")
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        await tree.ref(SESSION).tell(order("AAPL", Side.BUY, 10))
        pending = await probe.status(FIRST, OrderStatus.PENDING_SUBMIT)
        assert pending.symbol == "AAPL"
        # the intent is durable before the venue has seen anything
        intents = [r for r in await journal(tree, "order") if isinstance(r, Order)]
        assert [(o.client_order_id, o.symbol, o.quantity) for o in intents] == [
            (FIRST, "AAPL", D(10))
        ]
        assert venue.submissions(ACCOUNT) == {}

        fill = await probe.wait(Fill)
        assert fills_in(await journal(tree, "fill")) == [fill]  # durable before published
        assert (fill.client_order_id, fill.quantity, fill.strategy) == (FIRST, D(10), "trend")
        assert fill == venue.ledger(ACCOUNT).fills[0]
        await probe.status(FIRST, OrderStatus.FILLED)
        assert [u.status for u in probe.updates(FIRST)] == [
            OrderStatus.PENDING_SUBMIT,
            OrderStatus.SUBMITTED,
            OrderStatus.ACCEPTED,
            OrderStatus.FILLED,
        ]

        # the next intent takes the next id; nothing is published or booked twice
        limit = order("MSFT", Side.SELL, 5, order_type=OrderType.LIMIT, limit="250.00")
        await tree.ref(SESSION).tell(limit)
        accepted = await probe.status(SECOND, OrderStatus.ACCEPTED)
        assert accepted.symbol == "MSFT"
        await probe.settle()
        assert probe.of(Fill) == [fill]
        assert venue.submissions(ACCOUNT) == {FIRST: 1, SECOND: 1}
        assert fills_in(await journal(tree)) == [fill]


async def test_orders_told_together_are_journaled_in_one_write_then_each_sent_once(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    venue = quoted_venue("AAPL", "MSFT")
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        stats: JournalStats = await tree.ref(JOURNAL).ask(GetJournalStats(), timeout=10)
        symbols = ("AAPL", "MSFT", "AAPL", "MSFT")
        for n, symbol in enumerate(symbols, 1):
            tree.ref(SESSION).tell_nowait(order(symbol, Side.BUY, n))  # one batch of mail
        await probe.status(cid(len(symbols)), OrderStatus.PENDING_SUBMIT)
        after: JournalStats = await tree.ref(JOURNAL).ask(GetJournalStats(), timeout=10)
        assert after.transactions == stats.transactions + 1
        assert after.last_seq == stats.last_seq + len(symbols)  # the four intents alone

        for n in range(1, len(symbols) + 1):
            await probe.status(cid(n), OrderStatus.FILLED)
        await probe.settle()
        records = await journal(tree, "order", "order_update", "fill")
        intents = [r for r in records if isinstance(r, Order)]
        assert [(o.client_order_id, o.symbol) for o in intents] == [
            (cid(n), symbol) for n, symbol in enumerate(symbols, 1)
        ]
        assert sorted(venue.submissions(ACCOUNT)) == [cid(n) for n in range(1, 5)]
        assert fills_in(records) == probe.of(Fill)
        # The venue's statuses were not awaited, but they were written, in order.
        journaled = [(r.client_order_id, r.status) for r in records if isinstance(r, OrderUpdate)]
        for n in range(1, len(symbols) + 1):
            statuses = [status for order_id, status in journaled if order_id == cid(n)]
            assert statuses[-2:] == [OrderStatus.ACCEPTED, OrderStatus.FILLED]
        assert backward_moves(probe.updates()) == []


async def test_an_intent_the_journal_could_not_keep_is_never_sent(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    venue = quoted_venue("AAPL")
    faults = JournalFaults()
    # one_for_one at the root: under the daemon's rest_for_one the kernel has a race
    # (a child crashing while its supervisor is being stopped escapes the tree)
    tree_parts = running(
        tmp_path / "journal.db", venue, journal_faults=faults, root=Strategy.ONE_FOR_ONE
    )
    async with tree_parts as (tree, probe):
        faults.fail_next_writes(1)
        await tree.ref(SESSION).tell(order("AAPL", Side.BUY, 10))
        crashed = await probe.wait(ActorCrashed, lambda e: e.actor == "journal")
        assert crashed.error_type == "JournalWriteFailed"
        await probe.wait(ActorCrashed, lambda e: e.actor == SESSION)
        await probe.settle(10)
        assert venue.submissions(ACCOUNT) == {}
        assert await journal(tree, "order") == []
        # the restarted session trades again; the id was never used, so it is reused
        await tree.ref(SESSION).tell(order("AAPL", Side.BUY, 10))
        await probe.status(FIRST, OrderStatus.FILLED)
        assert venue.submissions(ACCOUNT) == {FIRST: 1}


async def test_invalid_and_stale_intents_are_refused_with_a_reason_and_kept(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    clock = Clock(origin=ORIGIN)
    venue = make_venue(clock)
    quote(venue, "AAPL", "100.00", "100.02")
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        session = tree.ref(SESSION)
        await session.tell(order("AAPL", Side.BUY, 0))
        await session.tell(order("AAPL", Side.BUY, 5, order_type=OrderType.LIMIT))
        await session.tell(order("AAPL", Side.SELL, 5, order_type=OrderType.STOP))
        await session.tell(order("AAPL", Side.BUY, 5, ts=clock.time() - 61))
        reasons = []
        for n in range(1, 5):
            final = await probe.status(cid(n), OrderStatus.REJECTED, OrderStatus.FILLED)
            assert final.status is OrderStatus.REJECTED
            assert [u.status for u in probe.updates(cid(n))] == [OrderStatus.REJECTED]
            reasons.append(final.reason)
        assert reasons == [
            "invalid order: quantity 0 is not positive",
            "invalid order: a limit order needs a limit price",
            "invalid order: a stop order needs a stop price",
            "stale intent: 61.0s old (max 60s)",
        ]
        assert venue.submissions(ACCOUNT) == {}
        records = await journal(tree, "order", "order_update")
        kept = [(type(r).__name__, getattr(r, "status", None)) for r in records]
        assert kept == [("Order", None), ("OrderUpdate", OrderStatus.REJECTED)] * 4


async def test_cancel_and_cancel_all_reach_the_venue(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    venue = quoted_venue("AAPL", "MSFT")
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        session = tree.ref(SESSION)
        for symbol, price in (("AAPL", "99.00"), ("AAPL", "98.00"), ("MSFT", "249.00")):
            await session.tell(order(symbol, Side.BUY, 10, order_type=OrderType.LIMIT, limit=price))
        cids = [cid(n) for n in (1, 2, 3)]
        for each in cids:
            await probe.status(each, OrderStatus.ACCEPTED)

        await session.tell(CancelOrder(client_order_id=cids[0]))
        canceled = await probe.status(cids[0], OrderStatus.CANCELED)
        assert canceled.reason == "canceled at the client's request"
        await session.tell(CancelAll(symbol="AAPL"))
        await probe.status(cids[1], OrderStatus.CANCELED)
        open_orders: OpenOrders = await session.ask(GetOpenOrders())
        assert [o.client_order_id for o in open_orders.orders] == [cids[2]]
        await session.tell(CancelAll())
        await probe.status(cids[2], OrderStatus.CANCELED)
        assert await venue.client(ACCOUNT).open_orders() == []
        assert [venue.ledger(ACCOUNT).orders[c].status for c in cids] == [OrderStatus.CANCELED] * 3


async def test_an_order_canceled_before_it_was_sent_is_never_sent(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    venue = quoted_venue("AAPL")
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        session = tree.ref(SESSION)
        # the venue takes it, the reply is lost and the stream holds its news back
        venue.faults.schedule(Timeout(next_n=1, mode="lost_ack"), ReorderUpdates(end=1))
        await session.tell(order("AAPL", Side.BUY, 10, order_type=OrderType.LIMIT, limit="99"))
        await probe.status(FIRST, OrderStatus.UNKNOWN)
        await session.tell(order("AAPL", Side.BUY, 5))  # held behind the unknown one
        await probe.status(SECOND, OrderStatus.PENDING_SUBMIT)
        await session.tell(CancelOrder(client_order_id=SECOND))
        canceled = await probe.status(SECOND, OrderStatus.CANCELED)
        assert canceled.reason == "canceled before it was sent"
        await probe.status(FIRST, OrderStatus.ACCEPTED)  # resolved by asking the venue
        await probe.settle()
        assert [u.status for u in probe.updates(SECOND)] == [
            OrderStatus.PENDING_SUBMIT,
            OrderStatus.CANCELED,
        ]
        assert venue.submissions(ACCOUNT) == {FIRST: 1}


async def test_flatten_cancels_and_closes_every_venue_position(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    venue = quoted_venue("AAPL", "MSFT")
    quote(venue, "MES", "5000.00", "5000.25")
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        session = tree.ref(SESSION)
        await session.tell(order("AAPL", Side.BUY, 10))
        await session.tell(order("MSFT", Side.SELL, 4))
        await session.tell(order("MES", Side.BUY, 2))
        await session.tell(order("AAPL", Side.BUY, 10, order_type=OrderType.LIMIT, limit="90"))
        await probe.status(cid(4), OrderStatus.ACCEPTED)
        for n in (1, 2, 3):
            await probe.status(cid(n), OrderStatus.FILLED)
        assert {p.symbol: p.quantity for p in venue.positions(ACCOUNT)} == {
            "AAPL": D(10),
            "MSFT": D(-4),
            "MES": D(2),
        }
        await session.tell(FlattenAccount())
        await probe.status(cid(4), OrderStatus.CANCELED)
        await probe.settle()
        closing = {
            u.client_order_id: u
            for u in probe.updates()
            if u.strategy == "flatten" and u.status.is_terminal
        }
        assert sorted((u.symbol, u.side, u.quantity, u.status) for u in closing.values()) == [
            ("AAPL", Side.SELL, D(10), OrderStatus.FILLED),
            ("MES", Side.SELL, D(2), OrderStatus.FILLED),
            ("MSFT", Side.BUY, D(4), OrderStatus.FILLED),
        ]
        assert venue.positions(ACCOUNT) == []
        assert await venue.client(ACCOUNT).open_orders() == []
        assert backward_moves(probe.updates()) == []
