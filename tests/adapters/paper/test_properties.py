"""Property: whatever the order flow and the market do, the books balance to the last digit."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal as D
from typing import NamedTuple

from hypothesis import given
from hypothesis import strategies as st
from trio.testing import MockClock

from actors.messages import InstrumentKind, OrderType, Side, TimeInForce
from adapters.paper import PaperVenue

from ._helpers import ACCOUNT, INSTRUMENTS, make_venue, order, quote, trade

CASH = D(1_000_000)
BASE = {"AAPL": D("100.00"), "MES": D("5000.00")}


class QuoteOp(NamedTuple):
    symbol: str
    ticks: int
    spread: int
    size: int


class TradeOp(NamedTuple):
    symbol: str
    ticks: int
    size: int


class SubmitOp(NamedTuple):
    symbol: str
    side: Side
    quantity: int
    order_type: OrderType
    ticks: int
    tif: TimeInForce


class CancelOp(NamedTuple):
    pick: int


Op = QuoteOp | TradeOp | SubmitOp | CancelOp
symbols = st.sampled_from(["AAPL", "MES"])
levels = st.integers(-40, 40)
ops = st.one_of(
    st.builds(QuoteOp, symbols, levels, st.integers(1, 4), st.integers(0, 300)),
    st.builds(TradeOp, symbols, levels, st.integers(1, 300)),
    st.builds(
        SubmitOp,
        symbols,
        st.sampled_from(Side),
        st.integers(1, 60),
        st.sampled_from(OrderType),
        levels,
        st.sampled_from(TimeInForce),
    ),
    st.builds(CancelOp, st.integers(0, 50)),
)


def price(symbol: str, ticks: int) -> D:
    return BASE[symbol] + ticks * INSTRUMENTS[symbol].tick_size


def run(venue: PaperVenue, op: Op) -> None:
    if isinstance(op, QuoteOp):
        bid = price(op.symbol, op.ticks)
        ask = price(op.symbol, op.ticks + op.spread)
        quote(venue, str(bid), str(ask), symbol=op.symbol, bid_size=op.size, ask_size=op.size)
    elif isinstance(op, TradeOp):
        trade(venue, str(price(op.symbol, op.ticks)), op.size, symbol=op.symbol)
    elif isinstance(op, SubmitOp):
        level = str(price(op.symbol, op.ticks))
        kind = op.order_type
        new = order(
            f"o{len(venue.ledger(ACCOUNT).orders)}",
            op.side,
            op.quantity,
            symbol=op.symbol,
            order_type=kind,
            limit=level if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None,
            stop=level if kind in (OrderType.STOP, OrderType.STOP_LIMIT) else None,
            tif=op.tif,
        )
        venue.submit(ACCOUNT, new)
    else:
        orders = list(venue.ledger(ACCOUNT).orders)
        if orders:
            venue.cancel(ACCOUNT, orders[op.pick % len(orders)])


def check_ledger(venue: PaperVenue) -> None:
    books = venue.ledger(ACCOUNT)
    stock_cost = sum(
        (p.cost for s, p in books.positions.items() if INSTRUMENTS[s].kind is InstrumentKind.STOCK),
        D(0),
    )
    assert books.cash + stock_cost == CASH - books.commissions + books.realized
    filled: defaultdict[str, D] = defaultdict(D)
    notional: defaultdict[str, D] = defaultdict(D)
    held: defaultdict[str, D] = defaultdict(D)
    for fill in books.fills:
        filled[fill.client_order_id] += fill.quantity
        notional[fill.client_order_id] += fill.quantity * fill.price
        held[fill.symbol] += fill.quantity * fill.side.sign
    for cid, record in books.orders.items():
        assert record.filled_quantity == filled[cid] <= record.order.quantity
        assert record.filled_notional == notional[cid]
    assert {s: p.quantity for s, p in books.positions.items()} == {
        s: q for s, q in held.items() if q
    }


@given(flow=st.lists(ops, max_size=60))
async def test_cash_positions_and_fills_always_reconcile(
    autojump_clock: MockClock, flow: list[Op]
) -> None:
    venue = make_venue(cash=CASH)
    for symbol, instrument in INSTRUMENTS.items():
        quote(venue, str(BASE[symbol]), str(BASE[symbol] + instrument.tick_size), symbol=symbol)
    for op in flow:
        run(venue, op)
        check_ledger(venue)
    for record in list(venue.ledger(ACCOUNT).orders.values()):
        venue.cancel(ACCOUNT, record.order.client_order_id)
    for symbol, position in list(venue.ledger(ACCOUNT).positions.items()):
        side = Side.SELL if position.quantity > 0 else Side.BUY
        flatten = order(f"flat-{symbol}", side, int(abs(position.quantity)), symbol=symbol)
        venue.submit(ACCOUNT, flatten)
    books = venue.ledger(ACCOUNT)
    check_ledger(venue)
    assert books.positions == {}
    # flat, every figure follows from the fills alone: no averages involved
    paid = sum(
        (INSTRUMENTS[f.symbol].notional(f.price, f.quantity * f.side.sign) for f in books.fills),
        D(0),
    )
    assert books.commissions == sum((f.commission for f in books.fills), D(0))
    assert books.cash == CASH - paid - books.commissions
    assert books.realized == -paid
