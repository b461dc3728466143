"""The gateway: how people and other programs reach the daemon.

``hub`` serves the monitoring WebSocket (``_hub``, wire format in
``_envelope``, per-client outboxes in ``_client``); ``http`` serves webhooks,
the operator API, the UDF datafeed and metrics (``_http``). Both run under the
``gateway`` supervisor built by :func:`gateway_supervisor`.
"""

from ._config import GatewayConfig as GatewayConfig
from ._config import HttpConfig as HttpConfig
from ._config import HubConfig as HubConfig
from ._envelope import CLIENT_TOPICS as CLIENT_TOPICS
from ._envelope import EVENT_TYPES as EVENT_TYPES
from ._envelope import PROTOCOL_VERSION as PROTOCOL_VERSION
from ._http import http_actor as http_actor
from ._http import http_subscriptions as http_subscriptions
from ._hub import hub_actor as hub_actor
from ._hub import hub_subscriptions as hub_subscriptions
from ._queries import GetHubStats as GetHubStats
from ._queries import GetListenAddress as GetListenAddress
from ._queries import HubStats as HubStats
from ._queries import ListenAddress as ListenAddress
from ._supervisor import gateway_supervisor as gateway_supervisor
from ._tokens import Tokens as Tokens
from ._tokens import load_or_create_operator_token as load_or_create_operator_token
from ._tokens import resolve_tokens as resolve_tokens
from ._wsclient import open_hub_client as open_hub_client

__all__ = [
    "CLIENT_TOPICS",
    "EVENT_TYPES",
    "PROTOCOL_VERSION",
    "GatewayConfig",
    "GetHubStats",
    "GetListenAddress",
    "HttpConfig",
    "HubConfig",
    "HubStats",
    "ListenAddress",
    "Tokens",
    "gateway_supervisor",
    "http_actor",
    "http_subscriptions",
    "hub_actor",
    "hub_subscriptions",
    "load_or_create_operator_token",
    "open_hub_client",
    "resolve_tokens",
]
