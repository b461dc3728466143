"""The default universe: what the embedded daemon trades and how each symbol moves.

Five US stocks and ETFs on a one-cent grid and the micro E-mini S&P 500
future (MES: a 0.25 index-point tick worth $1.25, multiplier 5). Each comes
with what the synthetic market needs to simulate it: a reference price,
an annualised volatility, a quoted spread in ticks and a typical quote size.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from actors.messages import Instrument, InstrumentKind

__all__ = ["SymbolProfile", "default_universe"]


class SymbolProfile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One simulated symbol: the instrument and the statistics it is drawn from.

    ``volatility`` is annualised (0.25 = 25 % a year, scaled by the trading
    year, see :class:`SyntheticConfig`); ``spread_ticks`` is the quoted
    spread; quote sizes are drawn from 1 to ``2 * quote_lots`` lots and trade
    sizes from 1 to ``quote_lots`` lots.
    """

    instrument: Instrument
    price: Decimal
    volatility: float
    spread_ticks: int = 1
    quote_lots: int = 5

    def __post_init__(self) -> None:
        symbol = self.instrument.symbol
        if not self.price > 0 or not self.instrument.is_on_tick(self.price):
            raise ValueError(f"{symbol}: price {self.price} must be positive and on the tick grid")
        if not 0 <= self.volatility < 10:
            raise ValueError(f"{symbol}: volatility must be in [0, 10), not {self.volatility}")
        if self.spread_ticks < 1 or self.quote_lots < 1:
            raise ValueError(f"{symbol}: spread_ticks and quote_lots must be at least 1")

    @property
    def symbol(self) -> str:
        return self.instrument.symbol


def _stock(symbol: str, price: str, volatility: float, lots: int) -> SymbolProfile:
    return SymbolProfile(
        instrument=Instrument(symbol=symbol),
        price=Decimal(price),
        volatility=volatility,
        spread_ticks=1,
        quote_lots=lots,
    )


def default_universe() -> tuple[SymbolProfile, ...]:
    """AAPL, MSFT, NVDA, SPY, QQQ and MES, in that order."""
    return (
        _stock("AAPL", "190.00", 0.25, 300),
        _stock("MSFT", "410.00", 0.22, 200),
        _stock("NVDA", "880.00", 0.50, 150),
        _stock("SPY", "510.00", 0.15, 800),
        _stock("QQQ", "440.00", 0.20, 500),
        SymbolProfile(
            instrument=Instrument(
                symbol="MES",
                kind=InstrumentKind.FUTURE,
                tick_size=Decimal("0.25"),
                multiplier=Decimal(5),
            ),
            price=Decimal("5100.00"),
            volatility=0.15,
            spread_ticks=1,
            quote_lots=20,
        ),
    )
