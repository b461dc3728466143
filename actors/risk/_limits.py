"""The pre-trade limits: each check a function returning a :class:`Refusal` or None.

Every check is inclusive (a figure exactly at its limit passes) and names
itself in the refusal, so a published :class:`RiskRejected` always says which
limit refused and with which figures. The checks are pure; the actor gathers
the figures from its book and runs them in :data:`CHECK_ORDER`.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Final, final

import msgspec

from actors.messages import TradingState

__all__ = [
    "CHECK_ORDER",
    "Refusal",
    "Throttle",
    "check_buying_power",
    "check_gross_exposure",
    "check_heat",
    "check_max_notional",
    "check_paused",
    "check_position_cap",
    "check_price_band",
    "check_trading_state",
]

CHECK_ORDER: Final = (
    "trading_state",
    "paused",
    "conflict",
    "max_notional",
    "price_band",
    "position_cap",
    "gross_exposure",
    "heat",
    "buying_power",
    "throttle",
)
"""The order the actor runs the checks in: the cheapest and most basic first."""


class Refusal(msgspec.Struct, frozen=True):
    check: str
    reason: str


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.01'))}%"


def check_trading_state(state: TradingState, *, reduces: bool, is_exit: bool) -> Refusal | None:
    """ACTIVE passes all; REDUCING only what shrinks a position; HALTED only exits.

    Exits (a close, a flatten, a protective stop) pass in every state.
    """
    if is_exit or state is TradingState.ACTIVE:
        return None
    if state is TradingState.REDUCING and reduces:
        return None
    allowed = "orders that shrink a position" if state is TradingState.REDUCING else "exits"
    return Refusal("trading_state", f"trading is {state}: only {allowed} and cancels pass")


def check_symbol_halt(symbol: str, halted_by: set[str] | None) -> Refusal | None:
    """A per-symbol breaker (price shock, volatility) halts new entries in its symbol."""
    if halted_by:
        names = ", ".join(sorted(halted_by))
        return Refusal("trading_state", f"new entries in {symbol} are halted by {names}")
    return None


def check_paused(strategy: str, paused: bool) -> Refusal | None:
    if paused:
        return Refusal("paused", f"strategy {strategy!r} is paused: only its exits pass")
    return None


def check_max_notional(notional: Decimal, limit: Decimal) -> Refusal | None:
    if notional > limit:
        return Refusal("max_notional", f"order notional {notional} exceeds the limit {limit}")
    return None


def check_price_band(
    limit_price: Decimal, last_price: Decimal | None, band: Decimal
) -> Refusal | None:
    """A limit price at most ``band`` away from the last trade (a fat finger guard)."""
    if last_price is None or last_price <= 0:
        return Refusal("price_band", "no last trade to check the limit price against")
    deviation = abs(limit_price - last_price) / last_price
    if deviation > band:
        return Refusal(
            "price_band",
            f"limit {limit_price} is {_pct(deviation)} from the last trade {last_price}, "
            f"beyond the {_pct(band)} band",
        )
    return None


def check_position_cap(
    symbol: str, notional_after: Decimal, equity: Decimal, cap: Decimal
) -> Refusal | None:
    """The symbol's net position after the order at most ``cap`` × equity."""
    if notional_after > cap * equity:
        return Refusal(
            "position_cap",
            f"{symbol} position would be {notional_after}, above {_pct(cap)} of equity "
            f"{equity} ({cap * equity})",
        )
    return None


def check_gross_exposure(gross_after: Decimal, equity: Decimal, limit: Decimal) -> Refusal | None:
    """Σ |position notional| + open entries + this order, at most ``limit`` × equity."""
    if gross_after > limit * equity:
        return Refusal(
            "gross_exposure",
            f"gross exposure would be {gross_after}, above {_pct(limit)} of equity {equity}",
        )
    return None


def check_heat(heat_after: Decimal, equity: Decimal, limit: Decimal) -> Refusal | None:
    """Portfolio heat: Σ open risk to the stops over equity, at most ``limit``."""
    if heat_after > limit * equity:
        heat = heat_after / equity if equity > 0 else Decimal(0)
        return Refusal(
            "heat",
            f"open risk to stops would be {heat_after} ({_pct(heat)} of equity), "
            f"above {_pct(limit)}",
        )
    return None


def check_buying_power(required: Decimal, available: Decimal) -> Refusal | None:
    if required > available:
        return Refusal(
            "buying_power", f"order needs {required} of buying power, {available} available"
        )
    return None


@final
class Throttle:
    """At most ``max_orders`` entry orders per strategy in any ``period`` seconds.

    A sliding window of approval times (the clock's monotonic seconds), so
    the limit holds over every window, not just aligned buckets.
    """

    __slots__ = ("_times", "max_orders", "period")

    def __init__(self, max_orders: int, period: float) -> None:
        self.max_orders = max_orders
        self.period = period
        self._times: dict[str, deque[float]] = {}

    def check(self, strategy: str, now: float) -> Refusal | None:
        times = self._times.get(strategy)
        if times is None:
            return None
        while times and times[0] <= now - self.period:
            times.popleft()
        if len(times) >= self.max_orders:
            retry = times[0] + self.period - now
            return Refusal(
                "throttle",
                f"strategy {strategy!r} sent {len(times)} orders in the last "
                f"{self.period:g} s (limit {self.max_orders}); next allowed in {retry:g} s",
            )
        return None

    def record(self, strategy: str, now: float) -> None:
        self._times.setdefault(strategy, deque()).append(now)
