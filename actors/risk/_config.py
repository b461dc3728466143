"""Risk's configuration: every figure of the risk policy, with its default.

Decoded at the edge with msgspec (unknown keys refused), so a typo in a
config file fails at start instead of silently running with a default.
Fractions are of equity unless said otherwise.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import msgspec

__all__ = ["RiskConfig", "StrategyAllocation"]


class StrategyAllocation(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One strategy's share of the capital and its rank in conflicts.

    ``kind`` and ``symbols`` are descriptive (answered to ``GetStrategies``).
    """

    weight: Decimal
    priority: int = 0
    kind: str = ""
    symbols: tuple[str, ...] = ()


class RiskConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # sizing
    sizing: Literal["kelly", "fixed_fractional"] = "kelly"
    kelly_multiplier: Decimal = Decimal("0.5")  # half-Kelly
    kelly_min_trades: int = 10  # below this many closed trades the prior is used
    prior_win_rate: Decimal = Decimal("0.5")
    prior_payoff_ratio: Decimal = Decimal("1.5")
    risk_per_trade: Decimal = Decimal("0.02")  # fixed-fractional: risked to the stop
    # stops
    stop_mode: Literal["fixed", "atr", "trailing"] = "fixed"
    stop_pct: Decimal = Decimal("0.02")  # fixed and trailing distance
    atr_multiple: Decimal = Decimal("2")
    atr_period: int = 14
    min_stop_distance: Decimal = Decimal("0.005")
    max_stop_distance: Decimal = Decimal("0.10")
    trail_min_step: Decimal = Decimal("0.001")  # smallest trailing move worth a replace
    rearm_delay: float = 2.0  # seconds after start before stops are re-armed
    # limits
    max_position_fraction: Decimal = Decimal("0.20")
    max_gross_exposure: Decimal = Decimal("1")
    max_heat: Decimal = Decimal("0.06")
    max_order_notional: Decimal = Decimal("50000")
    throttle_orders: int = 10
    throttle_period: float = 60.0
    price_band: Decimal = Decimal("0.05")
    future_margin_rate: Decimal = Decimal("0.10")  # buying power used per unit of notional
    # conflicts and allocation
    conflict_policy: Literal["priority", "netting", "first_come"] = "netting"
    strategies: dict[str, StrategyAllocation] = msgspec.field(default_factory=dict)
    default_weight: Decimal = Decimal("0.2")  # a strategy not listed in ``strategies``
    rebalance_interval: float = 0.0  # seconds between scheduled rebalances; 0 = off
    rebalance_mode: Literal["weights", "performance"] = "weights"
    trade_window: int = 50  # recent closed trades behind Kelly stats and performance

    def __post_init__(self) -> None:
        fractions = {
            "kelly_multiplier": self.kelly_multiplier,
            "prior_win_rate": self.prior_win_rate,
            "risk_per_trade": self.risk_per_trade,
            "stop_pct": self.stop_pct,
            "min_stop_distance": self.min_stop_distance,
            "max_stop_distance": self.max_stop_distance,
            "max_position_fraction": self.max_position_fraction,
            "max_heat": self.max_heat,
            "price_band": self.price_band,
            "future_margin_rate": self.future_margin_rate,
        }
        for name, value in fractions.items():
            if not 0 < value <= 1:
                raise ValueError(f"risk.{name} must be in (0, 1], not {value}")
        if self.min_stop_distance > self.max_stop_distance:
            raise ValueError("risk.min_stop_distance must not exceed risk.max_stop_distance")
        positive = {
            "prior_payoff_ratio": self.prior_payoff_ratio,
            "atr_multiple": self.atr_multiple,
            "max_gross_exposure": self.max_gross_exposure,
            "max_order_notional": self.max_order_notional,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"risk.{name} must be positive, not {value}")
        if self.atr_period < 1 or self.throttle_orders < 1 or self.trade_window < 1:
            raise ValueError("risk.atr_period, throttle_orders, trade_window must be >= 1")
        if self.throttle_period <= 0 or self.rebalance_interval < 0 or self.rearm_delay < 0:
            raise ValueError(
                "risk.throttle_period must be > 0, rebalance_interval and rearm_delay >= 0"
            )
        weights = [a.weight for a in self.strategies.values()] + [self.default_weight]
        if any(w < 0 for w in weights):
            raise ValueError("risk strategy weights must not be negative")
        if sum(a.weight for a in self.strategies.values()) > 1:
            raise ValueError("risk strategy weights must not sum above 1")

    def allocation(self, strategy: str) -> StrategyAllocation:
        """The strategy's configured allocation, or the default one."""
        found = self.strategies.get(strategy)
        return found if found is not None else StrategyAllocation(weight=self.default_weight)
