"""Matching against the quote and the tape: prices, participation, triggers, time in force."""

from __future__ import annotations

from decimal import Decimal
from decimal import Decimal as D

import trio
from trio.testing import MockClock

from actors.messages import OrderStatus, OrderType, Side, TimeInForce
from adapters.paper import PaperConfig, SlippageModel

from ._helpers import ACCOUNT, CLOSE, make_venue, order, quote, trade

NO_VOLATILITY = PaperConfig(slippage=SlippageModel(volatility_weight=Decimal(0)))


async def test_market_orders_fill_at_the_far_touch_plus_slippage(autojump_clock: MockClock) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02", bid_size=500, ask_size=400)

    bought = await client.submit(order("b1", Side.BUY, 100))
    # 1 bp base + 5 bp × 100/400 displayed = 2.25 bp over 100.02 = 100.0425…, up to the tick
    assert (bought.status, bought.average_price) == (OrderStatus.FILLED, Decimal("100.05"))
    sold = await client.submit(order("s1", Side.SELL, 100))
    # 1 bp + 5 bp × 100/500 = 2 bp under 100.00 = 99.98 exactly
    assert (sold.status, sold.average_price) == (OrderStatus.FILLED, Decimal("99.98"))

    account = await client.get_account()
    # 100 × (99.98 − 100.05) = −7.00, and the $1 minimum commission twice
    assert account.cash == Decimal("99991.00")
    assert venue.ledger(ACCOUNT).realized == Decimal("-7.00")
    assert await client.positions() == []


async def test_volatility_widens_market_order_slippage(autojump_clock: MockClock) -> None:
    venue = make_venue()
    quote(venue, "99.99", "100.01")
    quote(venue, "100.99", "101.01")  # mid 100 -> 101: a 100 bp move, EWMA 0.1 -> 10 bp
    filled = await venue.client(ACCOUNT).submit(order("b1", Side.BUY, 100))
    # 1 + 1.25 + 0.5 × 10 = 7.25 bp over 101.01 = 101.0832…, up to 101.09
    assert filled.average_price == Decimal("101.09")


async def test_a_market_order_without_market_data_is_rejected_with_the_reason(
    autojump_clock: MockClock,
) -> None:
    venue = make_venue()
    update = await venue.client(ACCOUNT).submit(order("b1", Side.BUY, 1))
    assert update.status is OrderStatus.REJECTED
    assert update.reason == "no market data for AAPL: a market order cannot be priced"


async def test_limit_orders_rest_until_the_quote_crosses_then_fill_at_the_quote(
    autojump_clock: MockClock,
) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    buy = order("b1", Side.BUY, 50, order_type=OrderType.LIMIT, limit="99.95")
    assert (await client.submit(buy)).status is OrderStatus.ACCEPTED
    quote(venue, "99.97", "99.99")
    assert (await client.get_order("b1")).filled_quantity == 0

    quote(venue, "99.90", "99.93")  # ask through the limit: filled at 99.93, better than 99.95
    filled = await client.get_order("b1")
    assert (filled.status, filled.average_price) == (OrderStatus.FILLED, Decimal("99.93"))

    sell = order("s1", Side.SELL, 50, order_type=OrderType.LIMIT, limit="100.10")
    assert (await client.submit(sell)).status is OrderStatus.ACCEPTED
    quote(venue, "100.12", "100.14")
    sold = await client.get_order("s1")
    assert (sold.status, sold.average_price) == (OrderStatus.FILLED, Decimal("100.12"))


async def test_partial_fills_by_participation_then_complete(autojump_clock: MockClock) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02", ask_size=400)
    buy = order("b1", Side.BUY, 150, order_type=OrderType.LIMIT, limit="100.02")
    first = await client.submit(buy)  # 25% of 400 displayed
    assert (first.status, first.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, D(100))
    quote(venue, "100.00", "100.02", ask_size=400)
    done = await client.get_order("b1")
    assert (done.status, done.filled_quantity) == (OrderStatus.FILLED, D(150))
    assert [f.quantity for f in await client.fills()] == [D(100), D(50)]

    # a resting sell takes 25% of each trade at or through its price, at its price
    sell = order("s1", Side.SELL, 30, order_type=OrderType.LIMIT, limit="101.00")
    await client.submit(sell)
    trade(venue, "100.99", 1000)
    trade(venue, "101.00", 40)
    trade(venue, "101.05", 200)
    fills = [(f.quantity, f.price) for f in await client.fills(after="P-2")]
    assert fills == [(D(10), D("101.00")), (D(20), D("101.00"))]


async def test_orders_on_one_event_share_its_liquidity_oldest_first(
    autojump_clock: MockClock,
) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "99.00", "99.10", ask_size=400)
    for cid in ("b1", "b2"):
        await client.submit(order(cid, Side.BUY, 80, order_type=OrderType.LIMIT, limit="99.05"))
    quote(venue, "99.00", "99.05", ask_size=400)  # 100 to share
    first, second = await client.get_order("b1"), await client.get_order("b2")
    assert (first.filled_quantity, second.filled_quantity) == (D(80), D(20))


async def test_stops_trigger_on_a_trade_through_the_stop_then_fill_as_market(
    autojump_clock: MockClock,
) -> None:
    venue = make_venue(NO_VOLATILITY)
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    await client.submit(order("b1", Side.BUY, 10))
    stop = order("s1", Side.SELL, 10, order_type=OrderType.STOP, stop="99.50")
    assert (await client.submit(stop)).status is OrderStatus.ACCEPTED
    quote(venue, "99.40", "99.45")  # quotes alone do not trigger
    trade(venue, "99.51", 100)
    assert (await client.get_order("s1")).status is OrderStatus.ACCEPTED
    trade(venue, "99.50", 100)
    sold = await client.get_order("s1")
    # 1 bp + 5 bp × 10/500 = 1.1 bp under the 99.40 bid = 99.389…, down to 99.38
    assert (sold.status, sold.average_price) == (OrderStatus.FILLED, Decimal("99.38"))


async def test_quotes_trigger_stops_when_configured(autojump_clock: MockClock) -> None:
    venue = make_venue(PaperConfig(trigger_stops_on_quotes=True))
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    stop = order("b1", Side.BUY, 10, order_type=OrderType.STOP, stop="100.50")
    await client.submit(stop)
    quote(venue, "100.48", "100.50")
    assert (await client.get_order("b1")).status is OrderStatus.FILLED


async def test_stop_limit_becomes_a_limit_order_when_triggered(autojump_clock: MockClock) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.80", "100.90")
    stop_limit = order(
        "b1", Side.BUY, 20, order_type=OrderType.STOP_LIMIT, stop="101.00", limit="101.10"
    )
    await client.submit(stop_limit)
    quote(venue, "101.00", "101.05")  # marketable for the limit, but not triggered yet
    trade(venue, "100.95", 100)
    assert (await client.get_order("b1")).filled_quantity == 0
    quote(venue, "101.15", "101.20")
    trade(venue, "101.00", 100)  # triggered, but the ask is above the limit
    assert (await client.get_order("b1")).status is OrderStatus.ACCEPTED
    quote(venue, "101.00", "101.05")
    filled = await client.get_order("b1")
    assert (filled.status, filled.average_price) == (OrderStatus.FILLED, Decimal("101.05"))


async def test_ioc_fills_what_it_can_and_cancels_the_rest(autojump_clock: MockClock) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02", ask_size=400)
    ioc = order(
        "b1", Side.BUY, 150, order_type=OrderType.LIMIT, limit="100.02", tif=TimeInForce.IOC
    )
    update = await client.submit(ioc)
    assert (update.status, update.filled_quantity) == (OrderStatus.CANCELED, D(100))
    assert update.reason == "IOC: remainder canceled"
    away = order("b2", Side.BUY, 10, order_type=OrderType.LIMIT, limit="99.00", tif=TimeInForce.IOC)
    assert (await client.submit(away)).status is OrderStatus.CANCELED
    assert await client.open_orders() == []


async def test_fok_fills_in_full_or_not_at_all(autojump_clock: MockClock) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02", ask_size=400)
    too_big = order(
        "b1", Side.BUY, 150, order_type=OrderType.LIMIT, limit="100.02", tif=TimeInForce.FOK
    )
    update = await client.submit(too_big)
    assert (update.status, update.filled_quantity) == (OrderStatus.CANCELED, D(0))
    assert update.reason == "FOK: not fillable in full"
    fits = order(
        "b2", Side.BUY, 100, order_type=OrderType.LIMIT, limit="100.02", tif=TimeInForce.FOK
    )
    assert (await client.submit(fits)).status is OrderStatus.FILLED
    assert [f.client_order_id for f in await client.fills()] == ["b2"]


async def test_day_orders_expire_at_the_session_close_and_gtc_orders_do_not(
    autojump_clock: MockClock,
) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    await client.submit(order("day", Side.BUY, 10, order_type=OrderType.LIMIT, limit="99.00"))
    gtc = order("gtc", Side.BUY, 10, order_type=OrderType.LIMIT, limit="99.00", tif=TimeInForce.GTC)
    await client.submit(gtc)
    async with trio.open_nursery() as nursery:
        await nursery.start(venue.serve)
        await venue.clock.sleep_until_time(CLOSE - 1)
        assert (await client.get_order("day")).status is OrderStatus.ACCEPTED
        await venue.clock.sleep_until_time(CLOSE + 1)
        expired = await client.get_order("day")
        nursery.cancel_scope.cancel()
    assert (expired.status, expired.reason) == (
        OrderStatus.EXPIRED,
        "DAY order expired at the session close",
    )
    assert expired.ts == CLOSE
    assert [o.client_order_id for o in await client.open_orders()] == ["gtc"]
