"""The risk actor: every order passes here, sized, checked and logged.

It turns signals (and operators' manual orders) into sized orders for one
broker account, resolves conflicts between strategies, keeps a protective
stop resting at the broker for every position, and rebalances capital.
Every decision is logged and published: a :class:`RiskDecision` for what
was sent, a :class:`RiskRejected` (with the check's name) for what was not.

It only tells the broker session (never asks it), so the blocking-send graph
stays acyclic: the broker publishes what happens and risk subscribes.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

import trio

from actors.messages import (
    Bar,
    BreakerStatus,
    BreakerUpdate,
    Fill,
    GetBreakers,
    GetStrategies,
    Instrument,
    OrderUpdate,
    PauseStrategy,
    PortfolioUpdate,
    PositionUpdate,
    Quote,
    Rebalance,
    ResumeStrategy,
    Signal,
    SubmitManualOrder,
    Trade,
    TradingStateChanged,
)
from runtime import Actor, ActorContext, Message, Policy, Request, Subscribe, TaskStatus

from ._config import RiskConfig
from ._desk import RiskDesk

__all__ = ["risk_actor", "risk_subscriptions"]

ZERO: Final = Decimal(0)


class _RearmStops(Message, frozen=True, tag="risk_rearm_stops"):
    """Risk's note to itself: the start-up grace is over, arm the stops."""


_symbol: Final = operator.attrgetter("symbol")  # a Quote's or Trade's (a str)


def risk_subscriptions() -> tuple[Subscribe, ...]:
    """What risk's ChildSpec subscribes to: market data conflated, the rest never dropped."""
    return (
        Subscribe(Quote, Policy.CONFLATE, key=_symbol),
        Subscribe(Trade, Policy.CONFLATE, key=_symbol),
        Subscribe(Bar, Policy.DROP_OLDEST, capacity=256),
        Subscribe(PortfolioUpdate),
        Subscribe(PositionUpdate),
        Subscribe(Fill),
        Subscribe(OrderUpdate),
        Subscribe(TradingStateChanged),
        Subscribe(BreakerUpdate),
    )


def risk_actor(
    instruments: Iterable[Instrument],
    config: RiskConfig,
    *,
    account: str = "paper",
    broker: str = "broker-paper",
    breakers: str | None = None,
) -> Actor:
    """The risk actor (daemon name ``risk``) for one broker ``account``.

    Orders go to the actor named ``broker``; client order ids are left empty
    for the broker session to assign from its journal-backed sequence.
    """
    table = {instrument.symbol: instrument for instrument in instruments}

    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        desk = RiskDesk(ctx, table, config, account=account, broker=broker)
        if breakers is not None:
            # Trips latched before this start (ours or the breakers') are not
            # published again: ask. The breakers start before risk.
            status: BreakerStatus = await ctx.ref(breakers).ask(GetBreakers())
            desk.apply_breaker_status(status)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_rearm_later, ctx, config.rearm_delay)
            if config.rebalance_interval > 0:
                nursery.start_soon(_rebalance_every, ctx, config)
            task_status.started()
            async for message in ctx.mailbox:
                await _handle(desk, message)

    return run


async def _handle(desk: RiskDesk, message: object) -> None:
    match message:
        case Quote():
            desk.book.mid[message.symbol] = message.mid
            await desk.trail(message.symbol)
        case Trade():
            desk.book.last_trade[message.symbol] = message.price
            await desk.trail(message.symbol)
        case Signal():
            await desk.on_signal(message)
        case SubmitManualOrder():
            await desk.on_manual(message)
        case OrderUpdate():
            await desk.on_order_update(message)
        case Fill():
            key = desk.book.apply_fill(message)
            if key is not None:
                await desk.sync_stop(key)
        case PositionUpdate():
            key = desk.book.apply_position(message)
            if key is not None:
                await desk.sync_stop(key)
        case PortfolioUpdate():
            desk.book.apply_portfolio(message)
        case Bar():
            desk.book.apply_bar(message)
        case TradingStateChanged():
            desk.set_state(message)
        case BreakerUpdate():
            desk.apply_breaker(message.name, message.symbol, message.state)
        case PauseStrategy():
            desk.set_paused(message.name, True)
        case ResumeStrategy():
            desk.set_paused(message.name, False)
        case Rebalance():
            await desk.rebalance(message.mode)
        case _RearmStops():
            await desk.arm_stops()
        case Request(message=GetStrategies()):
            message.reply(desk.strategies())
        case Request():
            message.fail(TypeError(f"risk does not answer {type(message.message).__name__}"))
        case _:
            desk.ctx.log.warning("risk_ignored_message", type=type(message).__name__)


async def _rearm_later(ctx: ActorContext, delay: float) -> None:
    """Give the broker session time to report the stops already resting, then arm."""
    await ctx.clock.sleep(delay)
    await ctx.ref(ctx.name).tell(_RearmStops())


async def _rebalance_every(ctx: ActorContext, config: RiskConfig) -> None:
    while True:
        await ctx.clock.sleep(config.rebalance_interval)
        await ctx.ref(ctx.name).tell(Rebalance(mode=config.rebalance_mode))
