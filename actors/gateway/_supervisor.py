"""The ``gateway`` supervisor: the hub and HTTP ingress, restarted independently."""

from __future__ import annotations

from runtime import ChildSpec, Strategy, SupervisorSpec

from ._config import GatewayConfig
from ._http import http_actor, http_subscriptions
from ._hub import hub_actor, hub_subscriptions
from ._tokens import Tokens

__all__ = ["gateway_supervisor"]


def gateway_supervisor(config: GatewayConfig, tokens: Tokens) -> SupervisorSpec:
    """``gateway`` (one_for_one) with ``hub`` and ``http``; ``tokens`` from resolve_tokens."""
    return SupervisorSpec(
        name="gateway",
        strategy=Strategy.ONE_FOR_ONE,
        children=(
            ChildSpec(
                name="hub",
                actor=hub_actor(
                    config.hub,
                    operator_token=tokens.operator,
                    read_token=tokens.read,
                    default_account=config.http.default_account,
                ),
                subscriptions=hub_subscriptions(config.hub),
                shutdown_timeout=config.hub.close_timeout + 1.0,
            ),
            ChildSpec(
                name="http",
                actor=http_actor(
                    config.http,
                    operator_token=tokens.operator,
                    read_token=tokens.read,
                    webhook_secret=tokens.webhook_secret,
                ),
                subscriptions=http_subscriptions(config.http),
                shutdown_timeout=3.0,
            ),
        ),
    )
