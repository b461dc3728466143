"""The breakers' settings: every figure of the issue is a default here.

Each breaker has ``enabled``, its ``threshold``, a ``window`` where the
breaker looks back over time, and the ``trading_state`` it imposes on the
account when tripped. Per-symbol breakers (price shock, volatility) always
halt new entries in their symbol; their ``trading_state`` is what they
impose on the whole account on top (``active`` by default: nothing more).

Warnings: a breaker warns once its reading reaches ``warn_at`` (80%) of the
threshold and clears only when the reading falls below ``clear_at`` (70%),
so a reading hovering around 80% warns once, not on every tick.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from actors.messages import TradingState

__all__ = [
    "BreakerConfig",
    "BrokerErrorsConfig",
    "ConsecutiveLossesConfig",
    "DailyLossConfig",
    "DrawdownConfig",
    "ManualConfig",
    "PriceShockConfig",
    "RapidDrawdownConfig",
    "VolatilityConfig",
]


class _Limit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    enabled: bool = True
    warn_at: Decimal = Decimal("0.8")
    clear_at: Decimal = Decimal("0.7")
    reset_at_session_close: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.clear_at <= self.warn_at <= 1:
            raise ValueError("needs 0 < clear_at <= warn_at <= 1")
        threshold = getattr(self, "threshold", 1)
        if threshold <= 0:
            raise ValueError(f"threshold must be > 0, not {threshold}")
        window = getattr(self, "window", 1.0)
        if window <= 0:
            raise ValueError(f"window must be > 0 seconds, not {window}")


class DailyLossConfig(_Limit, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Loss since the session's start, as a fraction of start-of-day equity."""

    threshold: Decimal = Decimal("0.03")
    trading_state: TradingState = TradingState.HALTED
    reset_at_session_close: bool = True


class DrawdownConfig(_Limit, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fall of equity from its peak, as a fraction of the peak."""

    threshold: Decimal = Decimal("0.10")
    trading_state: TradingState = TradingState.HALTED


class RapidDrawdownConfig(_Limit, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fall of equity from its highest value within the last ``window`` seconds."""

    threshold: Decimal = Decimal("0.05")
    window: float = 3600.0
    trading_state: TradingState = TradingState.HALTED


class ConsecutiveLossesConfig(_Limit, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Closed trades in a row that lost money (commissions included)."""

    threshold: int = 5
    trading_state: TradingState = TradingState.REDUCING


class PriceShockConfig(_Limit, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A symbol's price moving ``threshold`` within ``window`` seconds halts it.

    A move of ``crash_threshold`` from the last price, however old that
    price is (a gap across a stale feed or a reopen), trips at once.
    """

    threshold: Decimal = Decimal("0.10")
    window: float = 300.0
    crash_threshold: Decimal = Decimal("0.20")
    trading_state: TradingState = TradingState.ACTIVE

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.crash_threshold < self.threshold:
            raise ValueError("crash_threshold must be >= threshold")


class VolatilityConfig(_Limit, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Realized volatility of ``interval`` returns: last ``window`` vs the baseline.

    Trips when the short window's volatility is ``threshold`` times the
    baseline's (the ``baseline_window`` before the short window). Needs
    ``min_returns`` returns in the short window and ``baseline_min_returns``
    in the baseline before it judges.
    """

    threshold: Decimal = Decimal(3)
    window: float = 900.0
    baseline_window: float = 14400.0
    interval: float = 60.0
    min_returns: int = 10
    baseline_min_returns: int = 60
    trading_state: TradingState = TradingState.ACTIVE

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 < self.interval <= self.window < self.baseline_window:
            raise ValueError("needs 0 < interval <= window < baseline_window")
        if self.min_returns < 2 or self.baseline_min_returns < 2:
            raise ValueError("min_returns and baseline_min_returns must be >= 2")


class BrokerErrorsConfig(_Limit, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Failed broker requests (any account) within the last ``window`` seconds."""

    threshold: int = 5
    window: float = 60.0
    trading_state: TradingState = TradingState.REDUCING


class ManualConfig(_Limit, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The operator's own breaker, tripped by ``TripBreaker(name="manual")``."""

    trading_state: TradingState = TradingState.HALTED


class BreakerConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    daily_loss: DailyLossConfig = msgspec.field(default_factory=DailyLossConfig)
    drawdown: DrawdownConfig = msgspec.field(default_factory=DrawdownConfig)
    rapid_drawdown: RapidDrawdownConfig = msgspec.field(default_factory=RapidDrawdownConfig)
    consecutive_losses: ConsecutiveLossesConfig = msgspec.field(
        default_factory=ConsecutiveLossesConfig
    )
    price_shock: PriceShockConfig = msgspec.field(default_factory=PriceShockConfig)
    volatility: VolatilityConfig = msgspec.field(default_factory=VolatilityConfig)
    broker_errors: BrokerErrorsConfig = msgspec.field(default_factory=BrokerErrorsConfig)
    manual: ManualConfig = msgspec.field(default_factory=ManualConfig)
