"""Prometheus figures, read from the live system at scrape time.

One CollectorRegistry per HTTP actor (never the global one, so trees in one
process do not collide). Actor and mailbox figures come from the runtime
registry; order, fill, rejection and breaker figures from what the HTTP actor
hears published; hub figures from the hub, asked just before the scrape.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import final

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from actors.messages import BreakerState, BreakerUpdate, Fill, OrderUpdate, RiskRejected
from runtime import Registry

from ._queries import HubStats

__all__ = ["Metrics"]

_BREAKER_LEVEL = {BreakerState.OK: 0, BreakerState.WARNING: 1, BreakerState.TRIPPED: 2}


@final
class Metrics(Collector):
    def __init__(self, registry: Registry) -> None:
        self.runtime = registry
        self.orders: Counter[str] = Counter()  # by status
        self.fills = 0
        self.rejections: Counter[str] = Counter()  # by check
        self.breakers: dict[str, BreakerState] = {}
        self.webhooks: Counter[str] = Counter()  # by outcome
        self.hub: HubStats | None = None
        self.prometheus = CollectorRegistry(auto_describe=False)
        self.prometheus.register(self)

    def observe(self, message: object) -> None:
        if isinstance(message, OrderUpdate):
            self.orders[message.status.value] += 1
        elif isinstance(message, Fill):
            self.fills += 1
        elif isinstance(message, RiskRejected):
            self.rejections[message.check] += 1
        elif isinstance(message, BreakerUpdate):
            self.breakers[message.name] = message.state

    def collect(self) -> Iterator[Metric]:
        restarts = CounterMetricFamily(
            "tradeloop_actor_restarts", "Restarts per actor", labels=["actor"]
        )
        up = GaugeMetricFamily(
            "tradeloop_actor_running", "1 when the actor is running", labels=["actor"]
        )
        depth = GaugeMetricFamily("tradeloop_mailbox_depth", "Queued messages", labels=["actor"])
        dropped = CounterMetricFamily(
            "tradeloop_mailbox_dropped", "Messages dropped by a lane", labels=["actor", "lane"]
        )
        refused = CounterMetricFamily(
            "tradeloop_mailbox_refused", "publish_nowait refusals", labels=["actor"]
        )
        for info in self.runtime.actors():
            restarts.add_metric([info.name], info.restarts)
            up.add_metric([info.name], 1 if info.status == "running" else 0)
            if info.mailbox is not None:
                depth.add_metric([info.name], info.mailbox.depth)
                refused.add_metric([info.name], info.mailbox.refused)
                for lane in info.mailbox.lanes:
                    dropped.add_metric([info.name, lane.name], lane.dropped)
        yield from (restarts, up, depth, dropped, refused)
        orders = CounterMetricFamily(
            "tradeloop_order_updates", "Order updates by status", labels=["status"]
        )
        for status, count in sorted(self.orders.items()):
            orders.add_metric([status], count)
        yield orders
        yield CounterMetricFamily("tradeloop_fills", "Fills", value=self.fills)
        rejections = CounterMetricFamily(
            "tradeloop_risk_rejections", "Signals refused by risk", labels=["check"]
        )
        for check, count in sorted(self.rejections.items()):
            rejections.add_metric([check], count)
        yield rejections
        breakers = GaugeMetricFamily(
            "tradeloop_breaker_state", "0 ok, 1 warning, 2 tripped", labels=["breaker"]
        )
        for name, state in sorted(self.breakers.items()):
            breakers.add_metric([name], _BREAKER_LEVEL[state])
        yield breakers
        webhooks = CounterMetricFamily(
            "tradeloop_webhook_requests", "Webhook requests by outcome", labels=["outcome"]
        )
        for outcome, count in sorted(self.webhooks.items()):
            webhooks.add_metric([outcome], count)
        yield webhooks
        if self.hub is not None:
            yield GaugeMetricFamily("tradeloop_hub_clients", "Connected", value=self.hub.clients)
            yield CounterMetricFamily("tradeloop_hub_events", "Events", value=self.hub.events)
            yield CounterMetricFamily(
                "tradeloop_hub_clients_cut", "Clients cut as too slow", value=self.hub.cut_slow
            )
            yield CounterMetricFamily(
                "tradeloop_hub_frames_dropped", "Frames not queued", value=self.hub.frames_dropped
            )
