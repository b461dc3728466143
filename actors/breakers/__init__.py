"""The circuit breakers: the account's trading state from losses, prices and errors.

Breakers (one concept per module): daily loss, drawdown and rapid drawdown
(``_account``), consecutive losing trades (``_trades``), per-symbol price
shock and volatility spike (``_market``), broker error rate and the manual
breaker (``_operations``). Each observes its inputs and reports a
:class:`Change` (warning at 80%, trip) with exact figures. The
:class:`Board` latches trips under reset codes; :class:`Breakers` ties them
together and says what to publish; ``breakers_actor`` runs it.
"""

from ._actor import BREAKERS as BREAKERS
from ._actor import breakers_actor as breakers_actor
from ._actor import breakers_subscriptions as breakers_subscriptions
from ._board import Board as Board
from ._board import Latch as Latch
from ._config import BreakerConfig as BreakerConfig
from ._config import BrokerErrorsConfig as BrokerErrorsConfig
from ._config import ConsecutiveLossesConfig as ConsecutiveLossesConfig
from ._config import DailyLossConfig as DailyLossConfig
from ._config import DrawdownConfig as DrawdownConfig
from ._config import ManualConfig as ManualConfig
from ._config import PriceShockConfig as PriceShockConfig
from ._config import RapidDrawdownConfig as RapidDrawdownConfig
from ._config import VolatilityConfig as VolatilityConfig
from ._engine import Breakers as Breakers
from ._level import Change as Change
from ._snapshot import BreakerSnapshot as BreakerSnapshot
from ._trades import OpenTrade as OpenTrade

__all__ = [
    "BREAKERS",
    "Board",
    "BreakerConfig",
    "BreakerSnapshot",
    "Breakers",
    "BrokerErrorsConfig",
    "Change",
    "ConsecutiveLossesConfig",
    "DailyLossConfig",
    "DrawdownConfig",
    "Latch",
    "ManualConfig",
    "OpenTrade",
    "PriceShockConfig",
    "RapidDrawdownConfig",
    "VolatilityConfig",
    "breakers_actor",
    "breakers_subscriptions",
]
