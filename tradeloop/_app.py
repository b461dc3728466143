"""The one place where the daemon's tree is assembled from its config."""

from __future__ import annotations

from runtime import ChildSpec, Policy, Strategy, Subscribe, SupervisorSpec

from ._config import Config
from ._demo import Heartbeat, counter, heartbeat

__all__ = ["build_tree"]


def build_tree(config: Config) -> SupervisorSpec:
    supervision = config.supervision
    return SupervisorSpec(
        name="root",
        strategy=Strategy.REST_FOR_ONE,
        intensity=supervision.intensity,
        period=supervision.period,
        backoff=supervision.backoff,
        children=(
            ChildSpec(
                name="counter",
                actor=counter(config.demo.report_every),
                subscriptions=(Subscribe(Heartbeat, Policy.DROP_OLDEST, capacity=256),),
            ),
            ChildSpec(name="heartbeat", actor=heartbeat(config.demo.heartbeat_interval)),
        ),
    )
