"""The paper venue's knobs, each a documented default a config file may override.

Every model is a frozen msgspec Struct that forbids unknown fields, so a
misspelt key in the daemon's TOML is an error naming the key, not a silently
ignored setting. Money and rates are ``Decimal``; durations are float seconds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec

from actors.messages import SessionCalendar

from ._faults import FaultPlan
from ._statefile import COMPACT_MIN

__all__ = ["CommissionModel", "LatencyModel", "PaperConfig", "SlippageModel"]

Seconds = Annotated[float, msgspec.Meta(ge=0)]


def _non_negative(model: object, *names: str) -> None:
    for name in names:
        value = getattr(model, name)
        if value < 0:
            raise ValueError(f"{name} {value} is negative")


def _fraction(model: object, name: str) -> None:
    value = getattr(model, name)
    if not 0 < value <= 1:
        raise ValueError(f"{name} {value} is not in (0, 1]")


class SlippageModel(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How far past the touch a market order fills, in basis points of the touch.

    ``bps = base_bps + impact_bps * quantity / displayed size
    + volatility_weight * volatility``, capped at ``max_bps``; the volatility is
    an exponentially weighted mean of the absolute mid-price moves between
    quotes, in bps, with weight ``volatility_alpha`` on the newest move. The
    price is rounded to the tick away from the trader (a buyer pays up).
    """

    base_bps: Decimal = Decimal("1")
    impact_bps: Decimal = Decimal("5")
    volatility_weight: Decimal = Decimal("0.5")
    volatility_alpha: Decimal = Decimal("0.1")
    max_bps: Decimal = Decimal("50")

    def __post_init__(self) -> None:
        _non_negative(self, "base_bps", "impact_bps", "volatility_weight", "max_bps")
        _fraction(self, "volatility_alpha")


class LatencyModel(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One-way delay of a request or reply: ``base`` plus an exponential ``jitter`` mean."""

    base: Seconds = 0.002
    jitter: Seconds = 0.001


class CommissionModel(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What an order costs: per share (stocks) or per contract (futures).

    The minimum applies per order, not per fill: an order's commission so far
    is ``max(rate * filled, minimum)`` rounded to the cent, and each fill
    carries the increase, so partial fills add up to the order's total.
    """

    per_share: Decimal = Decimal("0.005")
    stock_minimum: Decimal = Decimal("1.00")
    per_contract: Decimal = Decimal("0.85")
    future_minimum: Decimal = Decimal("0")

    def __post_init__(self) -> None:
        _non_negative(self, "per_share", "stock_minimum", "per_contract", "future_minimum")


class PaperConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The whole venue.

    ``participation`` is the share of a quote's displayed size (for a
    marketable limit order) or of a trade's size (for a resting one) an order
    may take per market event, at least one lot. ``leverage`` multiplies equity
    into buying power for stocks (1: cash account, 2: Reg T margin);
    ``future_initial_margin`` is held per open contract (``future_margins``
    overrides it per symbol). ``request_timeout``
    is how long a client waits before a fault-injected timeout is reported.
    ``stream_capacity`` bounds each update subscriber's buffer: one that falls
    that far behind is disconnected rather than slowing the venue.
    ``fill_history`` is how many executions are kept for ``fills(after=)``, and
    ``order_history`` how many finished orders for ``get_order`` and against a
    client order id used twice (open orders are always kept); the oldest are
    forgotten first, so a venue that runs for months holds a bounded history.
    ``state_compact_bytes`` is how large the state file may grow before it is
    first rewritten with only that history (then at each doubling).
    """

    participation: Decimal = Decimal("0.25")
    slippage: SlippageModel = SlippageModel()
    latency: LatencyModel = LatencyModel()
    commission: CommissionModel = CommissionModel()
    allow_short: bool = True
    leverage: Decimal = Decimal("2")
    future_initial_margin: Decimal = Decimal("1500")
    future_margins: dict[str, Decimal] = msgspec.field(default_factory=dict)
    trigger_stops_on_quotes: bool = False
    calendar: SessionCalendar = SessionCalendar()
    request_timeout: Seconds = 5.0
    stream_capacity: Annotated[int, msgspec.Meta(ge=1)] = 1000
    fill_history: Annotated[int, msgspec.Meta(ge=1)] = 10_000
    order_history: Annotated[int, msgspec.Meta(ge=1)] = 10_000
    state_compact_bytes: Annotated[int, msgspec.Meta(ge=1)] = COMPACT_MIN
    faults: FaultPlan = FaultPlan()

    def __post_init__(self) -> None:
        _fraction(self, "participation")
        _non_negative(self, "future_initial_margin")
        if self.leverage <= 0:
            raise ValueError(f"leverage {self.leverage} is not positive")
        for symbol, margin in self.future_margins.items():
            if margin < 0:
                raise ValueError(f"future_margins.{symbol}: {margin} is negative")

    def initial_margin(self, symbol: str) -> Decimal:
        return self.future_margins.get(symbol, self.future_initial_margin)
