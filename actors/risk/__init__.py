"""Risk: every order passes here, sized, checked, conflict-resolved and logged.

The pure core (``_sizing``, ``_stops``, ``_limits``, ``_conflicts``,
``_allocation``, ``_book``) holds the policy; ``_desk`` and ``_stopkeeper``
apply it to messages; ``_actor`` is the actor and its subscriptions.
"""

from ._actor import risk_actor as risk_actor
from ._actor import risk_subscriptions as risk_subscriptions
from ._allocation import RebalanceOrder as RebalanceOrder
from ._allocation import performance_weights as performance_weights
from ._allocation import rebalance_orders as rebalance_orders
from ._book import Intent as Intent
from ._book import OpenOrder as OpenOrder
from ._book import RiskBook as RiskBook
from ._book import StopState as StopState
from ._config import RiskConfig as RiskConfig
from ._config import StrategyAllocation as StrategyAllocation
from ._conflicts import ConflictPolicy as ConflictPolicy
from ._conflicts import Resolution as Resolution
from ._conflicts import resolve as resolve
from ._limits import CHECK_ORDER as CHECK_ORDER
from ._limits import Refusal as Refusal
from ._limits import Throttle as Throttle
from ._limits import check_buying_power as check_buying_power
from ._limits import check_gross_exposure as check_gross_exposure
from ._limits import check_heat as check_heat
from ._limits import check_max_notional as check_max_notional
from ._limits import check_paused as check_paused
from ._limits import check_position_cap as check_position_cap
from ._limits import check_price_band as check_price_band
from ._limits import check_trading_state as check_trading_state
from ._sizing import edge as edge
from ._sizing import fixed_fractional_size as fixed_fractional_size
from ._sizing import kelly_fraction as kelly_fraction
from ._sizing import kelly_size as kelly_size
from ._sizing import position_size as position_size
from ._stops import Atr as Atr
from ._stops import bound_distance as bound_distance
from ._stops import place_stop as place_stop
from ._stops import trail as trail

__all__ = [
    "CHECK_ORDER",
    "Atr",
    "ConflictPolicy",
    "Intent",
    "OpenOrder",
    "RebalanceOrder",
    "Refusal",
    "Resolution",
    "RiskBook",
    "RiskConfig",
    "StopState",
    "StrategyAllocation",
    "Throttle",
    "bound_distance",
    "check_buying_power",
    "check_gross_exposure",
    "check_heat",
    "check_max_notional",
    "check_paused",
    "check_position_cap",
    "check_price_band",
    "check_trading_state",
    "edge",
    "fixed_fractional_size",
    "kelly_fraction",
    "kelly_size",
    "performance_weights",
    "place_stop",
    "position_size",
    "rebalance_orders",
    "resolve",
    "risk_actor",
    "risk_subscriptions",
    "trail",
]
