"""The broker edge: the interface every venue adapter implements, and its errors."""

from ._client import BrokerClient as BrokerClient
from ._client import VenueAccount as VenueAccount
from ._client import VenueEvent as VenueEvent
from ._client import VenuePosition as VenuePosition
from .errors import BrokerError as BrokerError
from .errors import BrokerRejected as BrokerRejected
from .errors import BrokerTimeout as BrokerTimeout
from .errors import BrokerUnavailable as BrokerUnavailable
from .errors import OrderNotFound as OrderNotFound

__all__ = [
    "BrokerClient",
    "BrokerError",
    "BrokerRejected",
    "BrokerTimeout",
    "BrokerUnavailable",
    "OrderNotFound",
    "VenueAccount",
    "VenueEvent",
    "VenuePosition",
]
