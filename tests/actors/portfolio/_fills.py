"""Instruments and fill builders shared by the portfolio tests."""

from __future__ import annotations

from decimal import Decimal

from actors.messages import Fill, Instrument, InstrumentKind, Side

T0 = 1709564400.0  # Monday 2024-03-04 10:00 in New York
CLOSE = 1709586000.0  # the same day's 16:00 close

AAPL = Instrument(symbol="AAPL")
MSFT = Instrument(symbol="MSFT")
MES = Instrument(
    symbol="MES", kind=InstrumentKind.FUTURE, tick_size=Decimal("0.25"), multiplier=Decimal(5)
)
FRAC = Instrument(symbol="FRAC", lot_size=Decimal("0.1"))  # fractional shares
INSTRUMENTS = {i.symbol: i for i in (AAPL, MSFT, MES, FRAC)}


def fill(
    execution_id: str,
    symbol: str,
    side: Side,
    quantity: str | int,
    price: str,
    commission: str = "0",
    *,
    strategy: str = "",
    account: str = "paper",
    ts: float = T0,
) -> Fill:
    return Fill(
        execution_id=execution_id,
        client_order_id=f"{account}-{execution_id}",
        account=account,
        symbol=symbol,
        side=side,
        quantity=Decimal(quantity),
        price=Decimal(price),
        commission=Decimal(commission),
        ts=ts,
        strategy=strategy,
    )
