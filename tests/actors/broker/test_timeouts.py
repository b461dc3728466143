"""Timeouts: an order whose submission timed out is resolved by asking, never resent."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from trio.testing import MockClock

from actors.messages import AccountStatus, GetAccount, OrderStatus, OrderType, OrderUpdate, Side
from adapters.paper import ReorderUpdates, Timeout

from ._harness import (
    ACCOUNT,
    SESSION,
    backward_moves,
    journal,
    order,
    quoted_venue,
    running,
)


def cid(n: int) -> str:
    return f"paper-{n:010d}"


def index_of(seen: list[object], client_order_id: str, status: OrderStatus) -> int:
    """Where the first update of an order with ``status`` was published."""
    return next(
        i
        for i, m in enumerate(seen)
        if isinstance(m, OrderUpdate)
        and m.client_order_id == client_order_id
        and m.status is status
    )


async def test_a_lost_ack_is_resolved_by_asking_and_holds_only_its_symbol(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    venue = quoted_venue("AAPL", "MSFT")
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        session = tree.ref(SESSION)
        # the venue takes the order, the reply is lost and the stream holds its news back
        venue.faults.schedule(Timeout(next_n=1, mode="lost_ack"), ReorderUpdates(end=1))
        await session.tell(order("AAPL", Side.BUY, 10, order_type=OrderType.LIMIT, limit="99"))
        unknown = await probe.status(cid(1), OrderStatus.UNKNOWN)
        assert unknown.reason.startswith("submission timed out")
        status: AccountStatus = await session.ask(GetAccount())
        assert status.blocked_symbols == ("AAPL",)
        await session.tell(order("AAPL", Side.BUY, 5))  # waits behind the unknown order
        await probe.status(cid(2), OrderStatus.PENDING_SUBMIT)
        assert venue.submissions(ACCOUNT) == {cid(1): 1}

        resolved = await probe.status(cid(1), OrderStatus.ACCEPTED)  # by get_order
        assert resolved.venue_order_id == "V-1"
        await probe.status(cid(2), OrderStatus.FILLED)
        seen = probe.seen
        assert index_of(seen, cid(1), OrderStatus.ACCEPTED) < index_of(
            seen, cid(2), OrderStatus.SUBMITTED
        )
        assert venue.submissions(ACCOUNT) == {cid(1): 1, cid(2): 1}
        assert [u.status for u in probe.updates(cid(1))] == [
            OrderStatus.PENDING_SUBMIT,
            OrderStatus.SUBMITTED,
            OrderStatus.UNKNOWN,
            OrderStatus.ACCEPTED,
        ]
        kept = [r for r in await journal(tree, "order_update") if isinstance(r, OrderUpdate)]
        assert [u.status for u in kept if u.client_order_id == cid(1)] == [
            OrderStatus.UNKNOWN,
            OrderStatus.ACCEPTED,
        ]

        # another symbol is not held by an unknown order
        venue.faults.schedule(Timeout(next_n=1, mode="lost_ack"), ReorderUpdates(end=1))
        await session.tell(order("AAPL", Side.SELL, 5, order_type=OrderType.LIMIT, limit="101"))
        await probe.status(cid(3), OrderStatus.UNKNOWN)
        await session.tell(order("MSFT", Side.BUY, 5))
        await probe.status(cid(4), OrderStatus.FILLED)
        await probe.status(cid(3), OrderStatus.ACCEPTED)
        assert (
            index_of(seen, cid(3), OrderStatus.UNKNOWN)
            < index_of(seen, cid(4), OrderStatus.SUBMITTED)
            < index_of(seen, cid(3), OrderStatus.ACCEPTED)
        )
        await probe.settle()
        assert venue.submissions(ACCOUNT) == {cid(n): 1 for n in (1, 2, 3, 4)}
        assert backward_moves(probe.updates()) == []


async def test_a_timeout_after_the_stream_answered_does_not_make_the_order_unknown(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    venue = quoted_venue("AAPL")
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        session = tree.ref(SESSION)
        venue.faults.schedule(Timeout(next_n=1, mode="lost_ack"))
        await session.tell(order("AAPL", Side.BUY, 10, order_type=OrderType.LIMIT, limit="99"))
        await probe.status(cid(1), OrderStatus.ACCEPTED)
        await probe.settle(10)  # the submission times out meanwhile
        assert [u.status for u in probe.updates(cid(1))] == [
            OrderStatus.PENDING_SUBMIT,
            OrderStatus.SUBMITTED,
            OrderStatus.ACCEPTED,
        ]
        status: AccountStatus = await session.ask(GetAccount())
        assert status.blocked_symbols == ()
        await session.tell(order("AAPL", Side.BUY, 5))
        await probe.status(cid(2), OrderStatus.FILLED)
        assert venue.submissions(ACCOUNT) == {cid(1): 1, cid(2): 1}


async def test_a_request_lost_before_the_venue_is_rejected_after_the_grace_never_resent(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    venue = quoted_venue("AAPL")
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        session = tree.ref(SESSION)
        venue.faults.schedule(Timeout(next_n=1, mode="timeout_before"))
        await session.tell(order("AAPL", Side.BUY, 10))
        unknown = await probe.status(cid(1), OrderStatus.UNKNOWN)
        await session.tell(order("AAPL", Side.BUY, 3))
        rejected = await probe.status(cid(1), OrderStatus.REJECTED)
        assert rejected.reason == "not received by the venue (resolved by query; never resent)"
        assert rejected.ts - unknown.ts >= 10.0  # resolve_grace
        await probe.status(cid(2), OrderStatus.FILLED)
        assert venue.submissions(ACCOUNT) == {cid(2): 1}
        assert cid(1) not in venue.ledger(ACCOUNT).orders
        assert {p.symbol: p.quantity for p in venue.positions(ACCOUNT)} == {"AAPL": D(3)}


async def test_an_order_held_too_long_behind_an_unresolved_one_is_refused(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    venue = quoted_venue("AAPL")
    async with running(tmp_path / "journal.db", venue) as (tree, probe):
        session = tree.ref(SESSION)
        # the submission is lost, and for a minute every question about it too
        venue.faults.schedule(
            Timeout(next_n=1, mode="timeout_before"),
            Timeout(probability=1.0, operations=frozenset({"get_order"}), end=60),
        )
        await session.tell(order("AAPL", Side.BUY, 10))
        await probe.status(cid(1), OrderStatus.UNKNOWN)
        await session.tell(order("AAPL", Side.BUY, 4))
        pending = await probe.status(cid(2), OrderStatus.PENDING_SUBMIT)
        refused = await probe.status(cid(2), OrderStatus.REJECTED)
        assert refused.reason == "held 31s behind an unresolved order in AAPL"
        assert refused.ts - pending.ts > 30.0  # max_hold
        resolved = await probe.status(cid(1), OrderStatus.REJECTED)
        assert resolved.ts - pending.ts >= 55.0  # only once the venue answered again
        await session.tell(order("AAPL", Side.BUY, 3))
        await probe.status(cid(3), OrderStatus.FILLED)
        assert venue.submissions(ACCOUNT) == {cid(3): 1}
