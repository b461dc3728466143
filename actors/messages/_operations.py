"""Alerts for people, and the commands operators send to the daemon."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from runtime import Message

from ._enums import AlertSeverity, OrderType, Side, TimeInForce

__all__ = [
    "Alert",
    "CancelAll",
    "CancelOrder",
    "FlattenAccount",
    "OperatorCommand",
    "PauseStrategy",
    "Rebalance",
    "ResetBreaker",
    "ResumeStrategy",
    "SubmitManualOrder",
]


class Alert(Message, frozen=True, tag="alert"):
    """Something a person should see: a reconciliation difference, a warning."""

    severity: AlertSeverity
    category: str
    message: str
    ts: float
    data: dict[str, str] = msgspec.field(default_factory=dict)


class CancelOrder(Message, frozen=True, tag="cancel_order"):
    client_order_id: str
    account: str | None = None


class CancelAll(Message, frozen=True, tag="cancel_all"):
    """Cancel every open order (of one account and/or symbol when given)."""

    account: str | None = None
    symbol: str | None = None


class FlattenAccount(Message, frozen=True, tag="flatten_account"):
    """Cancel open orders and close every position (of one account when given)."""

    account: str | None = None


class ResetBreaker(Message, frozen=True, tag="reset_breaker"):
    name: str
    code: str


class PauseStrategy(Message, frozen=True, tag="pause_strategy"):
    name: str


class ResumeStrategy(Message, frozen=True, tag="resume_strategy"):
    name: str


class Rebalance(Message, frozen=True, tag="rebalance"):
    """Move capital between strategies: ``weights`` or ``performance``."""

    mode: str = "weights"


class SubmitManualOrder(Message, frozen=True, tag="submit_manual_order"):
    """An operator's order; it goes through risk like any other."""

    symbol: str
    side: Side
    quantity: Decimal
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.DAY
    account: str | None = None


OperatorCommand = (
    CancelOrder
    | CancelAll
    | FlattenAccount
    | ResetBreaker
    | PauseStrategy
    | ResumeStrategy
    | Rebalance
    | SubmitManualOrder
)
