"""The paper broker: a venue simulator behind the interface every broker adapter implements.

:class:`PaperVenue` is the outside world (market input, matching, accounts,
persisted state, faults); :meth:`PaperVenue.client` hands out the
:class:`PaperBrokerClient` a broker session talks to. Everything it does is
set by :class:`PaperConfig` and driven by the runtime clock and a seeded
generator, so a run replays exactly from its seed.
"""

from ._client import PaperBrokerClient as PaperBrokerClient
from ._config import CommissionModel as CommissionModel
from ._config import LatencyModel as LatencyModel
from ._config import PaperConfig as PaperConfig
from ._config import SlippageModel as SlippageModel
from ._faults import DuplicateUpdates as DuplicateUpdates
from ._faults import FaultPlan as FaultPlan
from ._faults import FaultRule as FaultRule
from ._faults import Faults as Faults
from ._faults import Operation as Operation
from ._faults import Outage as Outage
from ._faults import Reject as Reject
from ._faults import ReorderUpdates as ReorderUpdates
from ._faults import StopPartial as StopPartial
from ._faults import Timeout as Timeout
from ._faults import TimeoutMode as TimeoutMode
from ._faults import load_fault_plan as load_fault_plan
from ._state import AccountState as AccountState
from ._state import OrderRecord as OrderRecord
from ._state import PositionRecord as PositionRecord
from ._state import VenueState as VenueState
from ._statefile import read_state as read_state
from ._venue import PaperVenue as PaperVenue
from .errors import PaperStateError as PaperStateError
from .errors import PaperVenueError as PaperVenueError

__all__ = [
    "AccountState",
    "CommissionModel",
    "DuplicateUpdates",
    "FaultPlan",
    "FaultRule",
    "Faults",
    "LatencyModel",
    "Operation",
    "OrderRecord",
    "Outage",
    "PaperBrokerClient",
    "PaperConfig",
    "PaperStateError",
    "PaperVenue",
    "PaperVenueError",
    "PositionRecord",
    "Reject",
    "ReorderUpdates",
    "SlippageModel",
    "StopPartial",
    "Timeout",
    "TimeoutMode",
    "VenueState",
    "load_fault_plan",
    "read_state",
]
