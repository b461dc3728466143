"""Questions other actors (the gateway above all) ask the portfolio and brokers."""

from __future__ import annotations

from runtime import Message

from ._orders import OrderUpdate
from ._portfolio import PortfolioUpdate, PositionUpdate

__all__ = ["GetOpenOrders", "GetPortfolio", "OpenOrders", "PortfolioSnapshot"]


class GetPortfolio(Message, frozen=True, tag="get_portfolio"):
    pass


class PortfolioSnapshot(Message, frozen=True, tag="portfolio_snapshot"):
    """The account and its positions; ``strategy_positions`` are the sub-ledgers."""

    portfolio: PortfolioUpdate
    positions: tuple[PositionUpdate, ...]
    strategy_positions: tuple[PositionUpdate, ...] = ()


class GetOpenOrders(Message, frozen=True, tag="get_open_orders"):
    account: str | None = None


class OpenOrders(Message, frozen=True, tag="open_orders"):
    orders: tuple[OrderUpdate, ...]
