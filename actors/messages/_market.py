"""Market data: quotes, trades and bars, as the feeds publish them.

``ts`` is seconds since the Unix epoch on the runtime clock (virtual in tests
and replays, real in a live daemon).
"""

from __future__ import annotations

from decimal import Decimal

from runtime import Message

__all__ = ["Bar", "MarketStale", "Quote", "Trade"]


class Quote(Message, frozen=True, tag="quote"):
    symbol: str
    ts: float
    bid: Decimal
    ask: Decimal
    bid_size: Decimal
    ask_size: Decimal

    @property
    def mid(self) -> Decimal:
        return (self.bid + self.ask) / 2


class Trade(Message, frozen=True, tag="trade"):
    """A print on the tape: ``size`` units traded at ``price``."""

    symbol: str
    ts: float
    price: Decimal
    size: Decimal


class Bar(Message, frozen=True, tag="bar"):
    """An OHLCV bar; ``ts`` is the bar's open time, ``timeframe`` e.g. ``1m``."""

    symbol: str
    ts: float
    timeframe: str
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


class MarketStale(Message, frozen=True, tag="market_stale"):
    """A feed stopped delivering (``stale=True``) or resumed (``stale=False``)."""

    source: str
    symbols: tuple[str, ...]
    stale: bool
    ts: float
    reason: str = ""
