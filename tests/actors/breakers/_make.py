"""Builders for the messages the breakers read, with the fields a test cares about."""

from __future__ import annotations

from decimal import Decimal

from actors.messages import Fill, PortfolioUpdate, Side, Trade

D = Decimal


def portfolio(
    equity: str, *, daily_pnl: str = "0", peak: str | None = None, ts: float = 0.0
) -> PortfolioUpdate:
    value = D(equity)
    return PortfolioUpdate(
        equity=value,
        cash=value,
        positions_value=D(0),
        position_count=0,
        realized_pnl=D(0),
        unrealized_pnl=D(0),
        commissions=D(0),
        daily_pnl=D(daily_pnl),
        total_pnl=D(0),
        peak_equity=D(peak) if peak is not None else value,
        drawdown=D(0),
        ts=ts,
    )


def trade(symbol: str, price: str, ts: float) -> Trade:
    return Trade(symbol=symbol, ts=ts, price=D(price), size=D(100))


def fill(
    execution_id: str,
    side: Side,
    quantity: str,
    price: str,
    *,
    symbol: str = "AAPL",
    strategy: str = "s1",
    commission: str = "0",
    ts: float = 0.0,
) -> Fill:
    return Fill(
        execution_id=execution_id,
        client_order_id=f"paper-{execution_id}",
        account="paper",
        symbol=symbol,
        side=side,
        quantity=D(quantity),
        price=D(price),
        commission=D(commission),
        ts=ts,
        strategy=strategy,
    )
