"""The strategies: plain classes that turn market data into signals, one actor each.

A strategy (:class:`Strategy`, most conveniently a :class:`StrategyBase`)
is synchronous code with no clock and no mailbox; :func:`strategy_actor`
hosts one instance under the ``strategies`` one_for_one supervisor
(:func:`build_strategies`), so a crash in strategy code restarts that
strategy alone, re-warmed from recent bars. Built in: momentum (moving-average
cross), mean reversion (z-score), breakout (Donchian channel), pairs
(rolling hedge ratio) and the alert-driven strategy fed by the webhook.
"""

from ._actor import PositionsSource as PositionsSource
from ._actor import WarmUpSource as WarmUpSource
from ._actor import strategy_actor as strategy_actor
from ._actor import strategy_actor_name as strategy_actor_name
from ._actor import strategy_subscriptions as strategy_subscriptions
from ._alerts import AlertParams as AlertParams
from ._alerts import AlertStrategy as AlertStrategy
from ._base import Holding as Holding
from ._base import Strategy as Strategy
from ._base import StrategyBase as StrategyBase
from ._base import StrategyParams as StrategyParams
from ._base import bar_close_time as bar_close_time
from ._base import timeframe_seconds as timeframe_seconds
from ._breakout import BreakoutParams as BreakoutParams
from ._breakout import BreakoutStrategy as BreakoutStrategy
from ._config import AlertConfig as AlertConfig
from ._config import BreakoutConfig as BreakoutConfig
from ._config import MeanReversionConfig as MeanReversionConfig
from ._config import MomentumConfig as MomentumConfig
from ._config import PairsConfig as PairsConfig
from ._config import StrategyConfig as StrategyConfig
from ._config import build_strategies as build_strategies
from ._config import default_strategies as default_strategies
from ._config import make_strategy as make_strategy
from ._mean_reversion import MeanReversionParams as MeanReversionParams
from ._mean_reversion import MeanReversionStrategy as MeanReversionStrategy
from ._momentum import MomentumParams as MomentumParams
from ._momentum import MomentumStrategy as MomentumStrategy
from ._pairs import PairsParams as PairsParams
from ._pairs import PairsStrategy as PairsStrategy

__all__ = [
    "AlertConfig",
    "AlertParams",
    "AlertStrategy",
    "BreakoutConfig",
    "BreakoutParams",
    "BreakoutStrategy",
    "Holding",
    "MeanReversionConfig",
    "MeanReversionParams",
    "MeanReversionStrategy",
    "MomentumConfig",
    "MomentumParams",
    "MomentumStrategy",
    "PairsConfig",
    "PairsParams",
    "PairsStrategy",
    "PositionsSource",
    "Strategy",
    "StrategyBase",
    "StrategyConfig",
    "StrategyParams",
    "WarmUpSource",
    "bar_close_time",
    "build_strategies",
    "default_strategies",
    "make_strategy",
    "strategy_actor",
    "strategy_actor_name",
    "strategy_subscriptions",
    "timeframe_seconds",
]
