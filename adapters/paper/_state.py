"""The venue's state: what a restart must not lose, as it is kept in memory.

Each account's cash, positions, orders (resting ones keep working after a
restart) and executions, plus the id counters so that an execution id is
never reused. How it is kept on disk is :mod:`._statefile`'s business.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from actors.messages import Fill, Order, OrderStatus, OrderUpdate

__all__ = ["AccountState", "OrderRecord", "PositionRecord", "VenueState"]

STATE_VERSION = 2  # 1: one JSON object holding every order and execution


class OrderRecord(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One order at the venue; ``order`` carries its current terms (after replaces)."""

    order: Order
    venue_order_id: str
    status: OrderStatus
    ts: float
    filled_quantity: Decimal = Decimal(0)
    filled_notional: Decimal = Decimal(0)
    commission: Decimal = Decimal(0)
    triggered: bool = False
    expires_at: float | None = None
    stop_after: Decimal | None = None
    reason: str = ""

    def update(self) -> OrderUpdate:
        """The order's state as the venue reports it."""
        average = self.filled_notional / self.filled_quantity if self.filled_quantity else None
        order = self.order
        return OrderUpdate(
            client_order_id=order.client_order_id,
            account=order.account,
            symbol=order.symbol,
            side=order.side,
            status=self.status,
            quantity=order.quantity,
            filled_quantity=self.filled_quantity,
            ts=self.ts,
            venue_order_id=self.venue_order_id,
            average_price=average,
            reason=self.reason,
            strategy=order.strategy,
        )

    @property
    def remaining(self) -> Decimal:
        return self.order.quantity - self.filled_quantity


class PositionRecord(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A signed position and its signed cost (quantity × price × multiplier).

    Cost, not an average price, is what is kept: the average is a division
    that may not terminate, the cost is exact, so the ledger identity
    ``cash + Σ cost = initial − commissions + realized`` (stocks) holds to the
    last digit.
    """

    quantity: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)


class AccountState(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    initial_cash: Decimal
    cash: Decimal
    realized: Decimal = Decimal(0)
    commissions: Decimal = Decimal(0)
    positions: dict[str, PositionRecord] = msgspec.field(default_factory=dict)
    orders: dict[str, OrderRecord] = msgspec.field(default_factory=dict)
    fills: list[Fill] = msgspec.field(default_factory=list)
    submissions: dict[str, int] = msgspec.field(default_factory=dict)


class VenueState(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The whole state, as kept in memory (and, in version 1, on disk)."""

    version: int = STATE_VERSION
    next_execution: int = 1
    next_order: int = 1
    accounts: dict[str, AccountState] = msgspec.field(default_factory=dict)
