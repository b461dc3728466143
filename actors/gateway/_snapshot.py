"""The state a client sees on connect: asked of the actors that own it.

Each part is asked concurrently with a short timeout. A part whose owner is
missing, restarting or slow is left empty and named in ``unavailable`` with
the reason: a snapshot is never a hang, and never silently incomplete.
"""

from __future__ import annotations

from typing import Any

import msgspec
import trio

from actors.messages import (
    BreakerStatus,
    GetBreakers,
    GetOpenOrders,
    GetPortfolio,
    GetStrategies,
    OpenOrders,
    PortfolioSnapshot,
    StrategiesStatus,
)
from runtime import Registry
from runtime.errors import ActorUnavailable, AskTimeout

from ._envelope import fields_of

__all__ = ["broker_actors", "build_snapshot"]


def broker_actors(registry: Registry) -> list[str]:
    """Names of the broker sessions (``broker-<account>``) in the tree."""
    return sorted(
        info.name
        for info in registry.actors()
        if info.name.startswith("broker-") and info.kind != "supervisor"
    )


async def _ask(
    registry: Registry,
    name: str,
    message: msgspec.Struct,
    timeout: float,  # noqa: ASYNC109
    answers: dict[str, Any],
    unavailable: dict[str, str],
) -> None:
    try:
        answers[name] = await registry.ref(name).ask(message, timeout=timeout)
    except (ActorUnavailable, AskTimeout) as exc:
        unavailable[name] = str(exc)


async def build_snapshot(registry: Registry, *, timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
    answers: dict[str, Any] = {}
    unavailable: dict[str, str] = {}
    brokers = broker_actors(registry)
    async with trio.open_nursery() as nursery:
        for name, question in (
            ("portfolio", GetPortfolio()),
            ("breakers", GetBreakers()),
            ("risk", GetStrategies()),
            *((broker, GetOpenOrders()) for broker in brokers),
        ):
            nursery.start_soon(_ask, registry, name, question, timeout, answers, unavailable)
    snapshot: dict[str, Any] = {
        "portfolio": None,
        "positions": [],
        "orders": [],
        "breakers": None,
        "strategies": [],
        "actors": [fields_of(info) for info in registry.actors()],
        "unavailable": unavailable,
    }
    portfolio = answers.get("portfolio")
    if isinstance(portfolio, PortfolioSnapshot):
        snapshot["portfolio"] = fields_of(portfolio.portfolio)
        snapshot["positions"] = [fields_of(p) for p in portfolio.positions]
    breakers = answers.get("breakers")
    if isinstance(breakers, BreakerStatus):
        snapshot["breakers"] = fields_of(breakers)
    strategies = answers.get("risk")
    if isinstance(strategies, StrategiesStatus):
        snapshot["strategies"] = list(strategies.strategies)
    for broker in brokers:
        orders = answers.get(broker)
        if isinstance(orders, OpenOrders):
            snapshot["orders"].extend(fields_of(order) for order in orders.orders)
    return snapshot
