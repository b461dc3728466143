"""Signals, orders, order updates and fills: the order path's messages."""

from __future__ import annotations

from decimal import Decimal

from runtime import Message

from ._enums import OrderStatus, OrderType, Side, SignalAction, TimeInForce

__all__ = ["ExternalAlert", "Fill", "Order", "OrderUpdate", "Signal", "make_client_order_id"]


def make_client_order_id(account: str, sequence: int) -> str:
    """The deterministic client order id of the ``sequence``-th intent of ``account``.

    The sequence comes from the journal, so the same intent always gets the
    same id: after a restart or a timeout the id names the same order at the
    venue, which is what makes "ask the venue, never resubmit" possible.
    """
    return f"{account}-{sequence:010d}"


class Signal(Message, frozen=True, tag="signal"):
    """A strategy's (or an alert's) wish; risk decides whether and how much.

    ``quantity`` is optional: without it risk sizes the order. ``stop_price``
    is the protective stop the strategy suggests, used for sizing by risk.
    """

    signal_id: str
    strategy: str
    symbol: str
    action: SignalAction
    ts: float
    quantity: Decimal | None = None
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    reason: str = ""


class ExternalAlert(Message, frozen=True, tag="external_alert"):
    """A trading alert from outside (a TradingView webhook), already validated.

    It is addressed to the alert-driven strategy named ``strategy``, which
    turns it into a :class:`Signal`; like every signal it then goes through
    risk. ``alert_id`` is the de-duplication key the ingress used.
    """

    alert_id: str
    source: str
    strategy: str
    symbol: str
    action: SignalAction
    ts: float
    quantity: Decimal | None = None
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None


class Order(Message, frozen=True, tag="order"):
    """An approved, sized order for one broker account.

    ``intent_id`` is the sender's own name for the order (risk's, say): the
    broker session assigns the client order id, and echoes ``intent_id`` on
    every :class:`OrderUpdate` so the sender can tell which order became which.
    """

    client_order_id: str
    account: str
    symbol: str
    side: Side
    quantity: Decimal
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.DAY
    reduce_only: bool = False
    strategy: str = ""
    ts: float = 0.0
    intent_id: str = ""


class OrderUpdate(Message, frozen=True, tag="order_update"):
    """The state of one order after a change, as the venue or session saw it."""

    client_order_id: str
    account: str
    symbol: str
    side: Side
    status: OrderStatus
    quantity: Decimal
    filled_quantity: Decimal
    ts: float
    venue_order_id: str | None = None
    average_price: Decimal | None = None
    reason: str = ""
    strategy: str = ""
    intent_id: str = ""
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    reduce_only: bool = False

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled_quantity


class Fill(Message, frozen=True, tag="fill"):
    """One execution; ``execution_id`` is unique per venue and de-duplicates."""

    execution_id: str
    client_order_id: str
    account: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    commission: Decimal
    ts: float
    venue_order_id: str | None = None
    strategy: str = ""
