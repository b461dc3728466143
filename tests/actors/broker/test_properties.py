"""Property: whatever faults the venue throws, no order is sent twice and no fill is lost.

A schedule of orders (several symbols, market and limit), market moves and
faults (timeouts of both kinds, rejections, duplicated and reordered updates,
stopped partial fills, one outage window) runs against the real tree in
virtual time. Once the faults stop and the session has reconciled: each
client order id reached the venue at most once, each venue execution is in
the journal exactly once, and the session's and the portfolio's positions
and cash are the venue's.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from decimal import Decimal as D
from pathlib import Path
from typing import NamedTuple

import trio
import trio.testing
from hypothesis import given
from hypothesis import strategies as st

from actors.messages import (
    AccountStatus,
    CancelOrder,
    GetAccount,
    GetPortfolio,
    OrderType,
    PortfolioSnapshot,
    Side,
)
from adapters.paper import (
    DuplicateUpdates,
    FaultRule,
    Outage,
    PaperVenue,
    Reject,
    ReorderUpdates,
    StopPartial,
    Timeout,
)
from runtime import Clock, Tree
from runtime.errors import ActorUnavailable

from ._harness import (
    ACCOUNT,
    INSTRUMENTS,
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

BASE = {"AAPL": D("100.00"), "MSFT": D("250.00"), "MES": D("5000.00")}
SYMBOLS = st.sampled_from(sorted(BASE))


class Place(NamedTuple):
    symbol: str
    side: Side
    quantity: int
    limit_ticks: int | None  # None: a market order


class Move(NamedTuple):
    symbol: str
    ticks: int  # the mid moves to BASE + ticks
    trade_size: int  # and a trade at the new bid or ask (0: none)


class Cancel(NamedTuple):
    pick: int


class Fault(NamedTuple):
    rule: FaultRule


class Step(NamedTuple):
    wait: float
    action: Place | Move | Cancel | Fault


class Schedule(NamedTuple):
    steps: list[Step]
    outage: tuple[int, float] | None  # (before step n, for seconds)


faults = st.one_of(
    st.builds(
        Timeout,
        next_n=st.just(1),
        mode=st.sampled_from(["lost_ack", "timeout_before"]),
        operations=st.sampled_from([frozenset({"submit"}), frozenset({"get_order"})]),
    ),
    st.builds(Reject, next_n=st.just(1)),
    st.builds(DuplicateUpdates, end=st.floats(1, 20)),
    st.builds(ReorderUpdates, end=st.floats(1, 20), probability=st.just(0.5)),
    st.builds(StopPartial, symbol=st.none() | SYMBOLS),
)
places = st.builds(
    Place,
    SYMBOLS,
    st.sampled_from(Side),
    st.integers(1, 20),
    st.none() | st.integers(-4, 4),
)
actions = st.one_of(
    places,
    places,
    st.builds(Move, SYMBOLS, st.integers(-6, 6), st.integers(0, 200)),
    st.builds(Cancel, st.integers(0, 30)),
    st.builds(Fault, faults),
    st.builds(Fault, faults),
)
schedules = st.builds(
    Schedule,
    st.lists(
        st.builds(Step, st.sampled_from([0.0, 0.5, 2.0, 6.0]), actions), min_size=8, max_size=24
    ),
    st.none() | st.tuples(st.integers(0, 20), st.floats(1, 25)),
)


def level(symbol: str, ticks: int) -> D:
    return BASE[symbol] + ticks * INSTRUMENTS[symbol].tick_size


def show(venue: PaperVenue, mids: dict[str, int]) -> None:
    """Quote every symbol around its mid (this also releases held-back updates)."""
    for symbol, ticks in mids.items():
        tick = INSTRUMENTS[symbol].tick_size
        bid = level(symbol, ticks)
        quote(venue, symbol, str(bid), str(bid + tick), bid_size=200, ask_size=200)


async def up(tree: Tree) -> AccountStatus:
    """The session's status, once it is running again."""
    while True:
        try:
            status: AccountStatus = await tree.ref(SESSION).ask(GetAccount(), timeout=10)
        except ActorUnavailable:
            await trio.sleep(1)
        else:
            if status.ready:
                return status
            await trio.sleep(1)


async def play(schedule: Schedule, directory: Path) -> None:
    clock = Clock(origin=ORIGIN)
    venue = make_venue(clock)
    mids = dict.fromkeys(BASE, 0)
    show(venue, mids)
    async with running(directory / "journal.db", venue, portfolio=True) as (tree, probe):
        session = tree.ref(SESSION)
        placed = 0
        for n, step in enumerate(schedule.steps):
            if schedule.outage is not None and schedule.outage[0] == n:
                venue.faults.schedule(Outage(end=schedule.outage[1]))
            await trio.sleep(step.wait)
            action = step.action
            if isinstance(action, Place):
                ticks = action.limit_ticks
                limit = (
                    None
                    if ticks is None
                    else str(level(action.symbol, mids[action.symbol] + ticks))
                )
                quantity = min(action.quantity, 5) if action.symbol == "MES" else action.quantity
                kind = OrderType.MARKET if limit is None else OrderType.LIMIT
                await session.tell(
                    order(
                        action.symbol,
                        action.side,
                        quantity,
                        order_type=kind,
                        limit=limit,
                        ts=clock.time(),
                    )
                )
                placed += 1
            elif isinstance(action, Move):
                mids[action.symbol] = action.ticks
                show(venue, {action.symbol: action.ticks})
                if action.trade_size:
                    price = level(action.symbol, action.ticks)
                    trade(venue, action.symbol, str(price), action.trade_size)
            elif isinstance(action, Cancel):
                if placed:
                    await session.tell(
                        CancelOrder(client_order_id=f"paper-{action.pick % placed + 1:010d}")
                    )
            else:
                venue.faults.schedule(action.rule)
        # the faults stop; time enough to resolve, release, restart and reconcile
        await trio.sleep(30)
        venue.faults.clear()
        for _ in range(8):
            show(venue, mids)
            await trio.sleep(8)
        status = await up(tree)
        show(venue, mids)
        await probe.settle(5)
        status = await up(tree)

        ledger = venue.ledger(ACCOUNT)
        where = f"\nschedule: {schedule}"
        twice = {cid: n for cid, n in venue.submissions(ACCOUNT).items() if n > 1}
        assert twice == {}, f"submitted more than once: {twice}{where}"
        booked = fills_in(await journal(tree, "fill"))
        counts = Counter(f.execution_id for f in booked)
        assert [e for e, n in counts.items() if n > 1] == [], f"booked twice{where}"
        assert sorted(booked, key=lambda f: f.execution_id) == sorted(
            ledger.fills, key=lambda f: f.execution_id
        ), f"journal fills differ from the venue's{where}"
        theirs = {p.symbol: p.quantity for p in venue.positions(ACCOUNT)}
        assert status.journal_positions == theirs, f"session positions{where}"
        snapshot: PortfolioSnapshot = await tree.ref("portfolio").ask(GetPortfolio())
        held = {p.symbol: p.quantity for p in snapshot.positions if p.quantity}
        assert held == theirs, f"portfolio positions{where}"
        assert snapshot.portfolio.cash == ledger.cash, f"portfolio cash{where}"
        assert backward_moves(probe.updates()) == [], f"a status moved back{where}"


@given(schedule=schedules)
def test_no_order_twice_no_fill_lost_and_everyone_agrees_with_the_venue(
    schedule: Schedule,
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        trio.run(
            play, schedule, Path(directory), clock=trio.testing.MockClock(autojump_threshold=0)
        )
