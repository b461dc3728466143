"""Strategy instances from config, and the supervisor that hosts them.

A config file lists instances as a tagged union on ``kind``::

    [[strategies]]
    kind = "momentum"
    name = "momentum"
    symbols = ["SPY", "QQQ"]
    params = { fast = 3, slow = 8 }

Each kind's ``params`` has a default for every figure and forbids unknown
keys; a combination the strategy cannot run (fast >= slow, a pair of one
symbol) fails when the config is decoded, naming the instance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, TypeAlias, cast

import msgspec

from runtime import Backoff, ChildSpec, SupervisorSpec
from runtime import Strategy as Supervision

from ._actor import PositionsSource, WarmUpSource, strategy_actor, strategy_subscriptions
from ._alerts import AlertParams, AlertStrategy
from ._base import Strategy, timeframe_seconds
from ._breakout import BreakoutParams, BreakoutStrategy
from ._mean_reversion import MeanReversionParams, MeanReversionStrategy
from ._momentum import MomentumParams, MomentumStrategy
from ._pairs import PairsParams, PairsStrategy

__all__ = [
    "AlertConfig",
    "BreakoutConfig",
    "MeanReversionConfig",
    "MomentumConfig",
    "PairsConfig",
    "StrategyConfig",
    "build_strategies",
    "default_strategies",
    "make_strategy",
]

Name = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Symbol = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,31}$")]
Timeframe = Annotated[str, msgspec.Meta(pattern=r"^[1-9][0-9]*[smhd]$")]


class _Instance(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="kind"
):
    """What every instance has: a name (its actor is ``strategy-<name>``) and its symbols."""

    name: Name
    symbols: tuple[Symbol, ...] = ()
    timeframe: Timeframe = "1m"
    warm_bars: Annotated[int, msgspec.Meta(ge=0)] = 100

    def __post_init__(self) -> None:
        if len(set(self.symbols)) != len(self.symbols):
            raise ValueError(f"strategy {self.name!r}: a symbol is listed twice")
        timeframe_seconds(self.timeframe)
        make_strategy(cast(StrategyConfig, self))  # refuses what the strategy cannot run


class _MarketInstance(_Instance, frozen=True, kw_only=True):
    def __post_init__(self) -> None:
        if not self.symbols:
            raise ValueError(f"strategy {self.name!r}: needs at least one symbol")
        super().__post_init__()


class MomentumConfig(_MarketInstance, frozen=True, kw_only=True, tag="momentum"):
    params: MomentumParams = MomentumParams()


class MeanReversionConfig(_MarketInstance, frozen=True, kw_only=True, tag="mean_reversion"):
    params: MeanReversionParams = MeanReversionParams()


class BreakoutConfig(_MarketInstance, frozen=True, kw_only=True, tag="breakout"):
    params: BreakoutParams = BreakoutParams()


class PairsConfig(_MarketInstance, frozen=True, kw_only=True, tag="pairs"):
    params: PairsParams = PairsParams()


class AlertConfig(_Instance, frozen=True, kw_only=True, tag="alerts"):
    """Alert-driven; ``symbols`` empty accepts alerts for any symbol."""

    params: AlertParams = AlertParams()


StrategyConfig: TypeAlias = (
    MomentumConfig | MeanReversionConfig | BreakoutConfig | PairsConfig | AlertConfig
)


def make_strategy(config: StrategyConfig) -> Strategy:
    """A fresh strategy for ``config`` (raises ValueError on a combination it cannot run)."""
    match config:
        case MomentumConfig():
            return MomentumStrategy(config.name, config.symbols, config.params)
        case MeanReversionConfig():
            return MeanReversionStrategy(config.name, config.symbols, config.params)
        case BreakoutConfig():
            return BreakoutStrategy(config.name, config.symbols, config.params)
        case PairsConfig():
            return PairsStrategy(config.name, config.symbols, config.params)
        case AlertConfig():
            return AlertStrategy(config.name, config.symbols, config.params)


def default_strategies() -> tuple[StrategyConfig, ...]:
    """The embedded default's five instances over AAPL, MSFT, NVDA, SPY, QQQ and MES.

    Their windows are short enough that a synthetic 1m market gives each of
    the bar-driven ones something to do within its first half hour.
    """
    return (
        MomentumConfig(name="momentum", symbols=("SPY", "QQQ")),
        MeanReversionConfig(name="mean-reversion", symbols=("AAPL", "MSFT")),
        BreakoutConfig(name="breakout", symbols=("NVDA", "MES")),
        PairsConfig(name="pairs", symbols=("SPY", "QQQ")),
        AlertConfig(name="tradingview"),
    )


def build_strategies(
    configs: Sequence[StrategyConfig],
    *,
    risk: str = "risk",
    warm_up: WarmUpSource | None = None,
    positions: PositionsSource | None = None,
    breakers: str | None = None,
    name: str = "strategies",
    intensity: int = 10,
    period: float = 60.0,
    backoff: Backoff | None = None,
) -> SupervisorSpec:
    """The one_for_one supervisor with one ``strategy-<name>`` actor per instance.

    Raises ValueError when two instances share a name.
    """
    children = tuple(
        ChildSpec(
            name=f"strategy-{config.name}",
            actor=strategy_actor(
                _factory(config),
                risk=risk,
                warm_up=warm_up,
                positions=positions,
                breakers=breakers,
                timeframe=config.timeframe,
                warm_bars=config.warm_bars,
            ),
            subscriptions=strategy_subscriptions(make_strategy(config)),
        )
        for config in configs
    )
    return SupervisorSpec(
        name=name,
        children=children,
        strategy=Supervision.ONE_FOR_ONE,
        intensity=intensity,
        period=period,
        backoff=backoff or Backoff(),
    )


def _factory(config: StrategyConfig) -> Callable[[], Strategy]:
    return lambda: make_strategy(config)
