"""What the paper venue tests share: instruments, a clock origin and order makers."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import runtime
from actors.messages import (
    Instrument,
    InstrumentKind,
    Order,
    OrderType,
    Quote,
    Side,
    TimeInForce,
    Trade,
)
from adapters.paper import PaperConfig, PaperVenue

ACCOUNT = "paper"
AAPL = Instrument(symbol="AAPL")
MES = Instrument(
    symbol="MES", kind=InstrumentKind.FUTURE, tick_size=Decimal("0.25"), multiplier=Decimal(5)
)
INSTRUMENTS = {"AAPL": AAPL, "MES": MES}
# Monday 2 March 2026, 09:30 New York: the session closes 6.5 hours later.
ORIGIN = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC).timestamp()
CLOSE = ORIGIN + 6.5 * 3600


def make_venue(
    config: PaperConfig | None = None,
    *,
    state_path: Path | None = None,
    cash: Decimal = Decimal(100_000),
    seed: int = 7,
) -> PaperVenue:
    """A venue on a clock at ORIGIN with one account; call inside trio."""
    venue = PaperVenue(
        INSTRUMENTS,
        config,
        rng=random.Random(seed),
        clock=runtime.Clock(origin=ORIGIN),
        state_path=state_path,
        io="inline",  # virtual time
    )
    venue.open_account(ACCOUNT, cash)
    return venue


def quote(
    venue: PaperVenue,
    bid: str,
    ask: str,
    *,
    symbol: str = "AAPL",
    bid_size: int = 500,
    ask_size: int = 400,
) -> None:
    venue.on_quote(
        Quote(
            symbol=symbol,
            ts=venue.clock.time(),
            bid=Decimal(bid),
            ask=Decimal(ask),
            bid_size=Decimal(bid_size),
            ask_size=Decimal(ask_size),
        )
    )


def trade(venue: PaperVenue, price: str, size: int, *, symbol: str = "AAPL") -> None:
    venue.on_trade(
        Trade(symbol=symbol, ts=venue.clock.time(), price=Decimal(price), size=Decimal(size))
    )


def order(
    cid: str,
    side: Side,
    quantity: int,
    *,
    symbol: str = "AAPL",
    order_type: OrderType = OrderType.MARKET,
    limit: str | None = None,
    stop: str | None = None,
    tif: TimeInForce = TimeInForce.DAY,
    reduce_only: bool = False,
) -> Order:
    return Order(
        client_order_id=cid,
        account=ACCOUNT,
        symbol=symbol,
        side=side,
        quantity=Decimal(quantity),
        order_type=order_type,
        limit_price=None if limit is None else Decimal(limit),
        stop_price=None if stop is None else Decimal(stop),
        time_in_force=tif,
        reduce_only=reduce_only,
    )
