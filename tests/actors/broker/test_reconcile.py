"""Reconciliation: fills missed while down, orders placed by others, differences, restarts."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from trio.testing import MockClock

from actors.messages import (
    AccountOpened,
    AccountStatus,
    Alert,
    AlertSeverity,
    CancelOrder,
    Fill,
    GetAccount,
    GetOpenOrders,
    OpenOrders,
    Order,
    OrderStatus,
    OrderType,
    PositionDifference,
    ReconciliationReport,
    Side,
)
from adapters.paper import Outage, PaperConfig
from runtime import ActorCrashed, Clock

from ._harness import (
    ACCOUNT,
    FIXED_LATENCY,
    ORIGIN,
    SESSION,
    fills_in,
    journal,
    make_venue,
    order,
    quote,
    quoted_venue,
    running,
    trade,
)


def cid(n: int) -> str:
    return f"paper-{n:010d}"


def desk_order(client_order_id: str, quantity: int, limit: str | None = None) -> Order:
    """An order someone else sends to the account straight at the venue."""
    return Order(
        client_order_id=client_order_id,
        account=ACCOUNT,
        symbol="AAPL",
        side=Side.BUY,
        quantity=D(quantity),
        order_type=OrderType.MARKET if limit is None else OrderType.LIMIT,
        limit_price=None if limit is None else D(limit),
    )


async def test_fills_made_while_the_stream_was_down_are_booked_once_on_reconnect(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    venue = quoted_venue("AAPL")
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        session = tree.ref(SESSION)
        await session.tell(order("AAPL", Side.BUY, 20, order_type=OrderType.LIMIT, limit="99.50"))
        await probe.status(cid(1), OrderStatus.ACCEPTED)
        venue.faults.schedule(Outage(end=10))
        quote(venue, "AAPL", "99.40", "99.45")  # fills the resting order; the stream drops
        assert [f.execution_id for f in venue.ledger(ACCOUNT).fills] == ["P-1"]
        crashed = await probe.wait(ActorCrashed, lambda e: e.actor == SESSION)
        assert crashed.error_type == "BrokerUnavailable"
        mark = probe.mark()
        report = await probe.wait(ReconciliationReport, after=mark)
        assert report.missing_fills == ("P-1",)
        assert report.differences == ()
        missed = await probe.wait(Alert, lambda a: "missed while disconnected" in a.message)
        assert missed.data["execution_id"] == "P-1"
        filled = await probe.status(cid(1), OrderStatus.FILLED)  # never filled with nothing
        assert (filled.filled_quantity, filled.average_price) == (D(20), D("99.45"))
        await probe.settle()
        booked = fills_in(await journal(tree, "fill"))
        assert [(f.execution_id, f.strategy) for f in booked] == [("P-1", "trend")]
        assert [f.execution_id for f in probe.of(Fill)] == ["P-1"]
        status: AccountStatus = await session.ask(GetAccount())
        assert status.journal_positions == status.venue_positions == {"AAPL": D(20)}


async def test_an_order_someone_else_placed_is_adopted_reported_and_cancelable(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    venue = quoted_venue("AAPL")
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        session = tree.ref(SESSION)
        desk = venue.client(ACCOUNT)
        await desk.submit(desk_order("desk-1", 5, limit="99"))
        alert = await probe.wait(Alert, lambda a: "desk-1" in a.message)
        assert alert.severity is AlertSeverity.WARNING
        assert alert.message == (
            "paper: adopted venue order desk-1: "
            "the venue reported an order this session never placed"
        )
        adopted = await probe.status("desk-1", OrderStatus.ACCEPTED)
        assert adopted.strategy == "adopted"
        intents = [r for r in await journal(tree, "order") if isinstance(r, Order)]
        assert [o.client_order_id for o in intents] == ["desk-1"]

        await desk.submit(desk_order("desk-2", 7))  # filled at once
        await probe.status("desk-2", OrderStatus.FILLED)
        await session.tell(CancelOrder(client_order_id="desk-1"))
        await probe.status("desk-1", OrderStatus.CANCELED)
        assert venue.ledger(ACCOUNT).orders["desk-1"].status is OrderStatus.CANCELED
        # our own sequence is untouched by foreign ids
        await session.tell(order("AAPL", Side.BUY, 1))
        await probe.status(cid(1), OrderStatus.FILLED)
        await probe.settle()
        status: AccountStatus = await session.ask(GetAccount())
        assert status.journal_positions == {"AAPL": D(8)}
        assert {p.symbol: p.quantity for p in venue.positions(ACCOUNT)} == {"AAPL": D(8)}


async def test_reconciliation_adopts_working_orders_and_alerts_on_position_differences(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    # the venue keeps only its last execution, so history before the journal is lost
    config = PaperConfig(latency=FIXED_LATENCY, fill_history=1)
    venue = make_venue(Clock(origin=ORIGIN), config=config)
    quote(venue, "AAPL", "100.00", "100.02")
    desk = venue.client(ACCOUNT)
    await desk.submit(desk_order("desk-1", 10))
    await desk.submit(desk_order("desk-2", 5))
    await desk.submit(desk_order("desk-3", 5, limit="90"))
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        (report,) = probe.of(ReconciliationReport)
        assert report.adopted == ("desk-3",)
        assert report.missing_fills == ("P-2",)
        assert report.differences == (PositionDifference(symbol="AAPL", journal=D(5), venue=D(15)),)
        assert not report.ok
        messages = [(a.severity, a.message) for a in probe.of(Alert)]
        assert (
            AlertSeverity.CRITICAL,
            "paper: position mismatch in AAPL: journal 5, venue 15",
        ) in messages
        assert (
            AlertSeverity.CRITICAL,
            "paper: the venue account has history this journal does not: "
            "opened at its current cash",
        ) in messages
        assert (
            AlertSeverity.WARNING,
            "paper: adopted venue order desk-3: found working at the venue during reconciliation",
        ) in messages
        opened = [r for r in await journal(tree, "account_opened") if isinstance(r, AccountOpened)]
        assert [o.cash for o in opened] == [venue.ledger(ACCOUNT).cash]
        open_orders: OpenOrders = await tree.ref(SESSION).ask(GetOpenOrders())
        assert [o.client_order_id for o in open_orders.orders] == ["desk-3"]


async def test_a_restarted_tree_continues_the_ids_and_tracks_what_is_still_open(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    clock = Clock(origin=ORIGIN)
    journal_path, state_path = tmp_path / "journal.db", tmp_path / "venue.json"
    venue = make_venue(clock, state_path=state_path)
    quote(venue, "AAPL", "100.00", "100.02")
    async with running(journal_path, venue) as (tree, probe):
        session = tree.ref(SESSION)
        await session.tell(order("AAPL", Side.BUY, 10))
        await session.tell(order("AAPL", Side.BUY, 10, order_type=OrderType.LIMIT, limit="99"))
        await session.tell(order("AAPL", Side.BUY, 10, order_type=OrderType.LIMIT, limit="95"))
        await probe.status(cid(1), OrderStatus.FILLED)
        await probe.status(cid(2), OrderStatus.ACCEPTED)
        await probe.status(cid(3), OrderStatus.ACCEPTED)

    # the daemon is down; the venue (reloaded from its file) fills one resting order
    venue = make_venue(clock, state_path=state_path)
    quote(venue, "AAPL", "98.90", "98.95")
    assert [f.execution_id for f in venue.ledger(ACCOUNT).fills] == ["P-1", "P-2"]

    async with running(journal_path, venue) as (tree, probe):
        session = tree.ref(SESSION)
        (report,) = probe.of(ReconciliationReport)
        assert report.missing_fills == ("P-2",)
        assert report.differences == ()
        filled = await probe.status(cid(2), OrderStatus.FILLED)
        assert filled.filled_quantity == D(10)  # booked with its execution
        open_orders: OpenOrders = await session.ask(GetOpenOrders())
        assert [(o.client_order_id, o.status) for o in open_orders.orders] == [
            (cid(3), OrderStatus.ACCEPTED)
        ]
        await session.tell(order("MSFT", Side.BUY, 1, order_type=OrderType.LIMIT, limit="1"))
        await probe.status(cid(4), OrderStatus.ACCEPTED)  # the sequence goes on
        # the order placed before the restart still fills and is booked to it
        trade(venue, "AAPL", "95.00", 40)
        await probe.status(cid(3), OrderStatus.FILLED)
        await probe.settle()
        booked = fills_in(await journal(tree, "fill"))
        assert [(f.execution_id, f.client_order_id) for f in booked] == [
            ("P-1", cid(1)),
            ("P-2", cid(2)),
            ("P-3", cid(3)),
        ]
        assert venue.submissions(ACCOUNT) == {cid(n): 1 for n in (1, 2, 3, 4)}
        status: AccountStatus = await session.ask(GetAccount())
        assert status.journal_positions == {"AAPL": D(30)}
