"""Where an order executes against the market: the touch, slippage, participation.

Pure functions of the market state the venue keeps per symbol, so every price
in a test can be computed by hand from the quote and the config.
"""

from __future__ import annotations

from decimal import Decimal

from actors.messages import Instrument, OrderType, Quote, Side

from ._config import SlippageModel

__all__ = [
    "Market",
    "is_stop",
    "limit_touch",
    "market_price",
    "stop_hit",
    "take",
    "trade_reaches",
]

_BPS = Decimal(10_000)


class Market:
    """What the venue knows of one symbol: the last quote (and its mid) and trade, volatility.

    The mid is kept beside the quote: every quote needs it against the one
    before, and computing it once is a measurable share of a replay.
    """

    __slots__ = ("last_trade", "mid", "quote", "volatility_bps")

    def __init__(self) -> None:
        self.quote: Quote | None = None
        self.mid: Decimal | None = None  # the quote's
        self.last_trade: Decimal | None = None
        self.volatility_bps = Decimal(0)

    def on_quote(self, quote: Quote, alpha: Decimal) -> None:
        previous, mid = self.mid, quote.mid
        if previous is not None and previous > 0:
            move = abs(mid - previous) / previous * _BPS
            self.volatility_bps += alpha * (move - self.volatility_bps)
        self.quote, self.mid = quote, mid

    def reference(self, side: Side) -> Decimal | None:
        """The price a market order would start from: the far touch, else the last trade."""
        if self.quote is not None:
            return self.quote.ask if side is Side.BUY else self.quote.bid
        return self.last_trade

    def mark(self) -> Decimal | None:
        if self.mid is not None:
            return self.mid
        return self.last_trade


def market_price(
    market: Market, side: Side, quantity: Decimal, model: SlippageModel, instrument: Instrument
) -> Decimal | None:
    """The fill price of a market order, or None with no market data.

    Slippage in bps is ``base + impact × quantity / displayed size + weight ×
    volatility`` (capped), off the touch, rounded to the tick against the trader.
    Without a quote the last trade is the touch and there is no size impact.
    """
    quote = market.quote
    if quote is not None:
        touch = quote.ask if side is Side.BUY else quote.bid
        size = quote.ask_size if side is Side.BUY else quote.bid_size
        impact = model.impact_bps * quantity / size if size > 0 else model.max_bps
    elif market.last_trade is not None:
        touch, impact = market.last_trade, Decimal(0)
    else:
        return None
    bps = min(
        model.max_bps, model.base_bps + impact + model.volatility_weight * market.volatility_bps
    )
    price = touch * (1 + side.sign * bps / _BPS)
    return instrument.round_price(price, direction="up" if side is Side.BUY else "down")


def take(size: Decimal, participation: Decimal, instrument: Instrument) -> Decimal:
    """How much of ``size`` units of liquidity an order may take: a share, at least a lot."""
    if size < instrument.lot_size:
        return Decimal(0)
    return max(instrument.lot_size, instrument.round_quantity(size * participation))


def limit_touch(side: Side, limit: Decimal, quote: Quote) -> tuple[Decimal, Decimal] | None:
    """(price, displayed size) a limit order can take from ``quote``, if it is marketable."""
    if side is Side.BUY:
        return (quote.ask, quote.ask_size) if quote.ask <= limit else None
    return (quote.bid, quote.bid_size) if quote.bid >= limit else None


def stop_hit(side: Side, stop: Decimal, price: Decimal) -> bool:
    """A buy stop triggers at or above its price, a sell stop at or below."""
    return price >= stop if side is Side.BUY else price <= stop


def is_stop(order_type: OrderType) -> bool:
    return order_type in (OrderType.STOP, OrderType.STOP_LIMIT)


def trade_reaches(side: Side, limit: Decimal, price: Decimal) -> bool:
    """A trade at or through a resting limit order's price (a buy's at or below)."""
    return price <= limit if side is Side.BUY else price >= limit
