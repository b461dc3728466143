"""What risk and the circuit breakers publish and answer.

The trading state is the strictest of the tripped breakers' states:
ACTIVE (all orders), REDUCING (only orders that shrink a position, and
cancels), HALTED (cancels only). Exits and cancels always pass.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from runtime import Message

__all__ = [
    "BreakerState",
    "BreakerStatus",
    "BreakerUpdate",
    "BreakerView",
    "GetBreakers",
    "GetStrategies",
    "RiskRejected",
    "StrategiesStatus",
    "StrategyView",
    "TradingState",
    "TradingStateChanged",
]


class TradingState(StrEnum):
    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"

    @property
    def rank(self) -> int:
        """Strictness: the account's state is the tripped breaker with the highest rank."""
        return _RANK[self]


_RANK = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}


class BreakerState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    TRIPPED = "tripped"


class BreakerUpdate(Message, frozen=True, tag="breaker_update"):
    """One breaker changed (warning, trip, reset); ``figures`` are its readings.

    The reset code is never broadcast: operators read it from ``GetBreakers``.
    """

    name: str
    state: BreakerState
    trading_state: TradingState
    reason: str
    ts: float
    symbol: str | None = None
    figures: dict[str, str] = msgspec.field(default_factory=dict)


class TradingStateChanged(Message, frozen=True, tag="trading_state_changed"):
    state: TradingState
    previous: TradingState
    tripped: tuple[str, ...]
    ts: float


class RiskRejected(Message, frozen=True, tag="risk_rejected"):
    """Risk refused a signal or order; ``check`` names the limit that refused it."""

    signal_id: str
    strategy: str
    symbol: str
    check: str
    reason: str
    ts: float


class GetBreakers(Message, frozen=True, tag="get_breakers"):
    pass


class BreakerView(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    state: BreakerState
    trading_state: TradingState
    reason: str = ""
    tripped_at: float | None = None
    reset_code: str | None = None
    symbol: str | None = None
    figures: dict[str, str] = msgspec.field(default_factory=dict)


class BreakerStatus(Message, frozen=True, tag="breaker_status"):
    state: TradingState
    breakers: tuple[BreakerView, ...]
    ts: float


class GetStrategies(Message, frozen=True, tag="get_strategies"):
    pass


class StrategyView(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    kind: str
    symbols: tuple[str, ...]
    paused: bool
    weight: str
    capital: str


class StrategiesStatus(Message, frozen=True, tag="strategies_status"):
    strategies: tuple[StrategyView, ...]
    ts: float
