"""Accounts: commissions, shorting and buying power, ids, cancel/replace, queries, futures."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from trio.testing import MockClock

from actors.messages import OrderStatus, OrderType, Side
from adapters.broker import BrokerRejected, OrderNotFound, VenuePosition
from adapters.paper import PaperConfig, SlippageModel

from ._helpers import ACCOUNT, make_venue, order, quote

NO_VOLATILITY = PaperConfig(slippage=SlippageModel(volatility_weight=D(0)))


async def test_commissions_per_share_with_a_minimum_per_order(autojump_clock: MockClock) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02", ask_size=400)
    await client.submit(order("big", Side.BUY, 300))  # 300 × 0.005 = 1.50
    partial = order("part", Side.BUY, 150, order_type=OrderType.LIMIT, limit="100.02")
    await client.submit(partial)  # 100 now: the $1 minimum
    quote(venue, "100.00", "100.02", ask_size=400)  # 50 more: 0.75 in all, still the minimum
    commissions = [(f.client_order_id, f.commission) for f in await client.fills()]
    assert commissions == [("big", D("1.50")), ("part", D("1.00")), ("part", D("0.00"))]
    assert venue.ledger(ACCOUNT).commissions == D("2.50")


async def test_futures_pay_per_contract_and_move_cash_only_by_realized_pnl(
    autojump_clock: MockClock,
) -> None:
    venue = make_venue(NO_VOLATILITY)
    client = venue.client(ACCOUNT)
    quote(venue, "5000.00", "5000.25", symbol="MES", bid_size=50, ask_size=50)
    bought = await client.submit(order("b1", Side.BUY, 2, symbol="MES"))
    # 1 bp + 5 bp × 2/50 = 1.2 bp over 5000.25 = 5000.85…, up to the 0.25 tick
    assert bought.average_price == D("5001.00")
    account = await client.get_account()
    assert account.cash == D("99998.30")  # only the 2 × 0.85 commission
    # marked at the 5000.125 mid: 2 × 5 × (5000.125 − 5001) = −8.75 open P&L
    assert account.equity == D("99989.55")
    assert account.buying_power == D("99989.55") * 2 - 2 * D(1500)
    assert await client.positions() == [
        VenuePosition(symbol="MES", quantity=D(2), average_price=D("5001.00"))
    ]

    quote(venue, "5010.00", "5010.25", symbol="MES", bid_size=50, ask_size=50)
    sold = await client.submit(order("s1", Side.SELL, 2, symbol="MES"))
    assert sold.average_price == D("5009.25")  # 1.2 bp under 5010.00, down to the tick
    # realized 2 × 5 × (5009.25 − 5001.00) = 82.50
    assert (await client.get_account()).cash == D("99998.30") + D("82.50") - D("1.70")


async def test_futures_need_initial_margin_per_contract(autojump_clock: MockClock) -> None:
    venue = make_venue(cash=D(5000))
    client = venue.client(ACCOUNT)
    quote(venue, "5000.00", "5000.25", symbol="MES")
    refused = await client.submit(order("b1", Side.BUY, 7, symbol="MES"))
    assert refused.status is OrderStatus.REJECTED
    assert refused.reason == "insufficient buying power: needs 10500, available 10000"
    assert (
        await client.submit(order("b2", Side.BUY, 6, symbol="MES"))
    ).status is OrderStatus.FILLED


async def test_short_selling_is_refused_when_not_allowed(autojump_clock: MockClock) -> None:
    venue = make_venue(PaperConfig(allow_short=False))
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    refused = await client.submit(order("s1", Side.SELL, 10))
    assert refused.status is OrderStatus.REJECTED
    assert refused.reason == "short selling is not allowed (position 0, selling 10)"
    await client.submit(order("b1", Side.BUY, 10))
    assert (await client.submit(order("s2", Side.SELL, 4))).status is OrderStatus.FILLED
    assert (await client.submit(order("s3", Side.SELL, 7))).status is OrderStatus.REJECTED
    assert (await client.submit(order("s4", Side.SELL, 6))).status is OrderStatus.FILLED


async def test_short_selling_is_allowed_within_buying_power_by_default(
    autojump_clock: MockClock,
) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    assert (await client.submit(order("s1", Side.SELL, 10))).status is OrderStatus.FILLED
    assert [p.quantity for p in await client.positions()] == [D(-10)]


async def test_buying_power_counts_positions_and_working_orders(autojump_clock: MockClock) -> None:
    venue = make_venue(cash=D(10_000))
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    too_big = order("b1", Side.BUY, 250, order_type=OrderType.LIMIT, limit="99.00")
    refused = await client.submit(too_big)
    assert refused.status is OrderStatus.REJECTED
    assert refused.reason == "insufficient buying power: needs 24750.00, available 20000"
    resting = order("b2", Side.BUY, 150, order_type=OrderType.LIMIT, limit="99.00")
    assert (await client.submit(resting)).status is OrderStatus.ACCEPTED
    more = order("b3", Side.BUY, 60, order_type=OrderType.LIMIT, limit="99.00")
    refused = await client.submit(more)
    assert refused.reason == "insufficient buying power: needs 5940.00, available 5150.00"
    assert (await client.get_account()).buying_power == D("5150.00")


async def test_reduce_only_orders_may_not_open_a_position(autojump_clock: MockClock) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    refused = await client.submit(order("s1", Side.SELL, 1, reduce_only=True))
    assert refused.reason == "reduce-only order would open or add to the position (0)"


async def test_bad_terms_are_rejected_with_the_reason(autojump_clock: MockClock) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    cases = {
        "unknown symbol 'ZZZ'": order("o1", Side.BUY, 1, symbol="ZZZ"),
        "quantity 0 is not positive": order("o2", Side.BUY, 0),
        "a limit order needs a limit price": order("o3", Side.BUY, 1, order_type=OrderType.LIMIT),
        "limit price 99.001 is not a positive multiple of the tick 0.01": order(
            "o4", Side.BUY, 1, order_type=OrderType.LIMIT, limit="99.001"
        ),
        "a stop order needs a stop price": order("o5", Side.BUY, 1, order_type=OrderType.STOP),
    }
    for reason, bad in cases.items():
        update = await client.submit(bad)
        assert (update.status, update.reason) == (OrderStatus.REJECTED, reason)
        assert (await client.get_order(bad.client_order_id)).status is OrderStatus.REJECTED


async def test_a_duplicate_client_order_id_is_rejected_and_never_executed(
    autojump_clock: MockClock,
) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    first = order("b1", Side.BUY, 10)
    await client.submit(first)
    with pytest.raises(BrokerRejected, match="duplicate client order id 'b1'"):
        await client.submit(first)
    assert len(await client.fills()) == 1
    assert [p.quantity for p in await client.positions()] == [D(10)]
    assert venue.submissions(ACCOUNT)["b1"] == 2


async def test_cancel_and_replace_a_working_order(autojump_clock: MockClock) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02", ask_size=400)
    await client.submit(order("b1", Side.BUY, 50, order_type=OrderType.LIMIT, limit="99.00"))
    bigger = await client.replace("b1", quantity=D(60), limit_price=D("99.50"))
    assert (bigger.quantity, bigger.status, bigger.reason) == (
        D(60),
        OrderStatus.ACCEPTED,
        "replaced",
    )
    filled = await client.replace("b1", limit_price=D("100.02"))  # now marketable
    assert (filled.status, filled.average_price) == (OrderStatus.FILLED, D("100.02"))
    with pytest.raises(BrokerRejected, match="is filled: not replaceable"):
        await client.replace("b1", quantity=D(70))
    assert (await client.cancel("b1")).status is OrderStatus.FILLED  # too late: it says so

    await client.submit(order("b2", Side.BUY, 150, order_type=OrderType.LIMIT, limit="100.02"))
    with pytest.raises(BrokerRejected, match="new quantity 100 must exceed the filled 100"):
        await client.replace("b2", quantity=D(100))
    with pytest.raises(BrokerRejected, match="a limit order has no stop price"):
        await client.replace("b2", stop_price=D(99))
    canceled = await client.cancel("b2")
    assert (canceled.status, canceled.filled_quantity) == (OrderStatus.CANCELED, D(100))
    assert await client.open_orders() == []


async def test_unknown_orders_are_not_found(autojump_clock: MockClock) -> None:
    client = make_venue().client(ACCOUNT)
    with pytest.raises(OrderNotFound):
        await client.get_order("nope")
    with pytest.raises(OrderNotFound):
        await client.cancel("nope")
    with pytest.raises(OrderNotFound):
        await client.replace("nope", quantity=D(1))


async def test_fills_page_after_an_execution_id(autojump_clock: MockClock) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    for n in range(3):
        await client.submit(order(f"b{n}", Side.BUY, 1))
    everything = await client.fills()
    assert [f.execution_id for f in everything] == ["P-1", "P-2", "P-3"]
    assert await client.fills(after="P-1") == everything[1:]
    assert await client.fills(after="P-3") == []
    with pytest.raises(BrokerRejected, match="not a paper execution id"):
        await client.fills(after="X-1")


async def test_unknown_accounts_are_refused(autojump_clock: MockClock) -> None:
    venue = make_venue()
    with pytest.raises(BrokerRejected, match="no account 'other'"):
        venue.client("other")
    venue.open_account(ACCOUNT, D(1))  # idempotent: the existing account is kept
    assert venue.ledger(ACCOUNT).cash == D(100_000)
