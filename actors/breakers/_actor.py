"""The breakers actor: the engine on a mailbox, latched across its own restarts.

It reads portfolio updates, fills, trades, quotes and broker failures from
its subscriptions (:func:`breakers_subscriptions`), takes ``TripBreaker`` and
``ResetBreaker`` from operators (told or asked: an ask of a reset is answered
with :class:`ResetResult`, of a trip with the resulting ``BreakerStatus``)
and answers ``GetBreakers``. Whatever the engine says changed it publishes.

Every change a snapshot keeps (a trip, a reset, a booked fill) is saved
through ``save`` before the next batch of messages is taken, and each
incarnation starts from ``load()``, then announces the state as it stands,
so risk learns it even if it was the breakers actor that restarted. The
automatic reset at the session close waits on the runtime clock, in virtual
time under test.
"""

from __future__ import annotations

import operator
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Final

import trio

from actors.messages import (
    BrokerRequestFailed,
    Fill,
    GetBreakers,
    PortfolioUpdate,
    Quote,
    ResetBreaker,
    SessionCalendar,
    Trade,
    TripBreaker,
)
from runtime import Actor, ActorContext, Message, Policy, Request, Subscribe, TaskStatus

from ._config import BreakerConfig
from ._engine import Breakers
from ._snapshot import BreakerSnapshot

__all__ = ["BREAKERS", "breakers_actor", "breakers_subscriptions"]

BREAKERS = "breakers"
"""The name the breakers actor runs under (operators' commands are told to it)."""

Save = Callable[[BreakerSnapshot], Awaitable[None]]
Load = Callable[[], Awaitable[BreakerSnapshot | None]]


_symbol: Final = operator.attrgetter("symbol")
"""The conflation key of market data: in C, as it runs for every tick on every lane."""


def _account(message: Any) -> Hashable:
    return "account"


def breakers_subscriptions() -> tuple[Subscribe, ...]:
    """What the breakers read: the latest portfolio and price per symbol, every fill and failure."""
    return (
        Subscribe(PortfolioUpdate, Policy.CONFLATE, capacity=1, key=_account),
        Subscribe(Fill, Policy.BLOCK),
        Subscribe(Trade, Policy.CONFLATE, capacity=4096, key=_symbol),
        Subscribe(Quote, Policy.CONFLATE, capacity=4096, key=_symbol),
        Subscribe(BrokerRequestFailed, Policy.BLOCK),
    )


def breakers_actor(
    config: BreakerConfig,
    *,
    save: Save,
    load: Load,
    calendar: SessionCalendar | None = None,
) -> Actor:
    """The breakers actor (run it as ``BREAKERS`` with :func:`breakers_subscriptions`)."""

    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        engine = Breakers(config, rng=ctx.rng, calendar=calendar, snapshot=await load())
        clock = ctx.clock
        for message in engine.announce(clock.time()):
            await ctx.publish(message)
        task_status.started()
        outbox: list[Message] = []
        while True:
            outbox.extend(engine.due(clock.time()))
            if engine.dirty:
                # A trip is latched in the journal before anyone hears of it, so a
                # crash in between never loses it (nor issues a second code).
                await save(engine.snapshot(clock.time()))
            for message in outbox:
                await ctx.publish(message)
            outbox.clear()
            reset_at = engine.next_reset_at()
            batch: list[Any] = []
            if reset_at is None:  # no deadline: no cancel scope (one per wake-up otherwise)
                batch = await ctx.mailbox.receive_batch()
            else:
                # receive_batch takes nothing from the mailbox when cancelled, so a
                # deadline never loses a message
                with trio.move_on_at(clock.to_monotonic(reset_at)):
                    batch = await ctx.mailbox.receive_batch()
            for item in batch:
                outbox.extend(_handle(engine, item, clock.time()))

    return run


def _handle(engine: Breakers, item: object, now: float) -> list[Message]:
    if isinstance(item, Trade | Quote):
        return engine.on_tick(item)
    if isinstance(item, PortfolioUpdate):
        return engine.on_portfolio(item)
    if isinstance(item, Fill):
        return engine.on_fill(item)
    if isinstance(item, BrokerRequestFailed):
        return engine.on_failure(item)
    request = item if isinstance(item, Request) else None
    command = item.message if isinstance(item, Request) else item
    if isinstance(command, GetBreakers) and request is not None:
        request.reply(engine.status(now))
        return []
    if isinstance(command, ResetBreaker):
        result, out = engine.reset(command.name, command.code, now)
        if request is not None:
            request.reply(result)
        return out
    if isinstance(command, TripBreaker):
        _, out = engine.trip(command.name, command.reason, now)
        if request is not None:
            request.reply(engine.status(now))
        return out
    if request is not None:
        request.fail(TypeError(f"breakers cannot answer {type(command).__name__}"))
    return []
