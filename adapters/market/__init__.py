"""The market-data edge: sources of quotes and trades, and bars made from them.

A feed actor reads any :class:`MarketSource`. In-process sources are the
seeded :class:`SyntheticMarket` (the embedded default) and the CSV
:class:`ReplayMarket`; both also call synchronous listeners with every
event (the paper venue) and inject feed faults. :class:`BarAggregator`
turns ticks into 1m/5m/1h/1d bars. Errors are in :mod:`.errors`.
"""

from ._bars import DEFAULT_TIMEFRAMES as DEFAULT_TIMEFRAMES
from ._bars import BarAggregator as BarAggregator
from ._bars import timeframe_seconds as timeframe_seconds
from ._fanout import Listener as Listener
from ._replay import SAMPLE_QUOTES as SAMPLE_QUOTES
from ._replay import ReplayData as ReplayData
from ._replay import ReplayMarket as ReplayMarket
from ._replay import read_replay_csv as read_replay_csv
from ._source import MarketEvent as MarketEvent
from ._source import MarketSource as MarketSource
from ._synthetic import Regime as Regime
from ._synthetic import Shock as Shock
from ._synthetic import SyntheticConfig as SyntheticConfig
from ._synthetic import SyntheticMarket as SyntheticMarket
from ._universe import SymbolProfile as SymbolProfile
from ._universe import default_universe as default_universe
from .errors import FeedDisconnected as FeedDisconnected
from .errors import MarketDataError as MarketDataError
from .errors import ReplayDataError as ReplayDataError
from .errors import UnknownSymbol as UnknownSymbol

__all__ = [
    "DEFAULT_TIMEFRAMES",
    "SAMPLE_QUOTES",
    "BarAggregator",
    "FeedDisconnected",
    "Listener",
    "MarketDataError",
    "MarketEvent",
    "MarketSource",
    "Regime",
    "ReplayData",
    "ReplayDataError",
    "ReplayMarket",
    "Shock",
    "SymbolProfile",
    "SyntheticConfig",
    "SyntheticMarket",
    "UnknownSymbol",
    "default_universe",
    "read_replay_csv",
    "timeframe_seconds",
]
