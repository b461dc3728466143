"""The small closed vocabularies of the trading domain.

They are ``StrEnum`` so that they encode as their plain string value on every
wire and compare equal to that string in code.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AlertSeverity",
    "InstrumentKind",
    "OrderStatus",
    "OrderType",
    "Side",
    "SignalAction",
    "TimeInForce",
]


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell: the sign of the position change."""
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"


class TimeInForce(StrEnum):
    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"


class OrderStatus(StrEnum):
    """The order state machine.

    pending_submit -> submitted -> accepted -> partially_filled ->
    filled | canceled | rejected | expired; ``unknown`` marks an order whose
    submission outcome is not known (a timeout) until the venue is asked.
    """

    PENDING_SUBMIT = "pending_submit"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def is_open(self) -> bool:
        """Working at the venue (or possibly so): it may still fill."""
        return not self.is_terminal


_TERMINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)


class SignalAction(StrEnum):
    """What a strategy (or a TradingView alert) asks for.

    ``buy`` and ``sell`` open or add in that direction; ``close`` exits the
    strategy's position in the symbol; ``flatten`` exits every strategy's
    position in the symbol.
    """

    BUY = "buy"
    SELL = "sell"
    CLOSE = "close"
    FLATTEN = "flatten"


class InstrumentKind(StrEnum):
    STOCK = "stock"
    FUTURE = "future"


class AlertSeverity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"
