"""What the portfolio publishes: positions and the account as a whole."""

from __future__ import annotations

from decimal import Decimal

from runtime import Message

__all__ = ["PortfolioUpdate", "PositionUpdate"]


class PositionUpdate(Message, frozen=True, tag="position_update"):
    """One position after a change; ``strategy`` empty means the account's net."""

    account: str
    symbol: str
    quantity: Decimal
    average_price: Decimal
    market_price: Decimal
    market_value: Decimal
    unrealized_pnl: Decimal
    realized_pnl: Decimal
    ts: float
    strategy: str = ""


class PortfolioUpdate(Message, frozen=True, tag="portfolio_update"):
    """The account's figures; equity == cash + positions_value, exactly."""

    equity: Decimal
    cash: Decimal
    positions_value: Decimal
    position_count: int
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    commissions: Decimal
    daily_pnl: Decimal
    total_pnl: Decimal
    peak_equity: Decimal
    drawdown: Decimal
    ts: float
