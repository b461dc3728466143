"""The strategy actor: one strategy instance, hosted so that its crash is its own.

Each incarnation builds a fresh strategy from the factory, learns the
trading state, warms the indicators from recent bars and takes back the
strategy's positions, and only then reports ready. An exception in strategy
code is not caught: the incarnation dies, its one_for_one supervisor starts
a fresh one, and the siblings never notice. Bars and fills buffered in the
mailbox meanwhile reach the new incarnation (the mailbox outlives it); a bar
the warm-up already covered is recognised by its time and not counted twice.
"""

from __future__ import annotations

import operator
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

import trio

from actors.messages import (
    Bar,
    BreakerStatus,
    ExternalAlert,
    Fill,
    GetBreakers,
    PositionUpdate,
    Quote,
    Signal,
    TradingState,
    TradingStateChanged,
)
from runtime import Actor, ActorContext, Policy, Subscribe, TaskStatus
from runtime.errors import ActorUnavailable

from ._base import Strategy, timeframe_seconds

__all__ = [
    "PositionsSource",
    "WarmUpSource",
    "strategy_actor",
    "strategy_actor_name",
    "strategy_subscriptions",
]

WarmUpSource = Callable[[str, str, int], Awaitable[Sequence[Bar]]]
"""``(symbol, timeframe, count)`` -> the latest ``count`` closed bars, oldest first."""

PositionsSource = Callable[[str], Awaitable[Sequence[PositionUpdate]]]
"""``strategy name`` -> its positions (the portfolio's sub-ledger for it)."""

QUOTE_KEYS = 256  # distinct symbols whose latest quote a mailbox holds at once


def strategy_actor_name(strategy: str) -> str:
    """The daemon name of the actor hosting strategy ``strategy``."""
    return f"strategy-{strategy}"


def strategy_subscriptions(strategy: Strategy) -> tuple[Subscribe, ...]:
    """What the actor hosting ``strategy`` subscribes to (for its ChildSpec).

    Quotes conflate per symbol (only the latest matters); bars and fills
    block (none may be lost); only the latest trading state matters.
    ExternalAlerts are not published: the webhook tells them to the actor.
    """
    market = (
        (Subscribe(Quote, Policy.CONFLATE, capacity=QUOTE_KEYS, key=_symbol), Subscribe(Bar))
        if strategy.uses_market_data
        else ()
    )
    return (
        *market,
        Subscribe(Fill),
        Subscribe(TradingStateChanged, Policy.CONFLATE, capacity=1, key=_same),
    )


def strategy_actor(
    strategy_factory: Callable[[], Strategy],
    *,
    risk: str = "risk",
    warm_up: WarmUpSource | None = None,
    positions: PositionsSource | None = None,
    breakers: str | None = None,
    timeframe: str = "1m",
    warm_bars: int = 100,
) -> Actor:
    """The actor hosting a strategy built by ``strategy_factory`` (once per incarnation).

    ``warm_up`` gives recent bars (at least the strategy's lookback is asked
    for); ``positions`` its positions after a restart; ``breakers`` names the
    actor asked for the trading state at start (``GetBreakers``), after which
    ``TradingStateChanged`` keeps it current. Signals are told to ``risk``.
    Bars of other timeframes than ``timeframe`` are ignored.
    """
    timeframe_seconds(timeframe)  # a bad timeframe fails when the tree is built

    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        strategy = strategy_factory()
        state = TradingState.ACTIVE if breakers is None else await _trading_state(ctx, breakers)
        pending = list(strategy.on_trading_state(state))
        if warm_up is not None and strategy.uses_market_data and strategy.lookback:
            await _warm_up(ctx, strategy, warm_up, timeframe, max(warm_bars, strategy.lookback))
        if positions is not None:
            strategy.restore(await positions(strategy.name))
        ctx.log.info("strategy ready", strategy=strategy.name, state=str(state))
        task_status.started()
        target = ctx.ref(risk)
        for signal in pending:
            await target.tell(signal)
        async for message in ctx.mailbox:
            for signal in _handle(strategy, message, timeframe, ctx):
                ctx.log.info(
                    "signal",
                    signal_id=signal.signal_id,
                    symbol=signal.symbol,
                    action=str(signal.action),
                    reason=signal.reason,
                )
                await target.tell(signal)

    return run


def _handle(
    strategy: Strategy, message: object, timeframe: str, ctx: ActorContext
) -> Sequence[Signal]:
    if isinstance(message, Quote):
        return strategy.on_quote(message)
    if isinstance(message, Bar):
        return strategy.on_bar(message) if message.timeframe == timeframe else ()
    if isinstance(message, Fill):
        return strategy.on_fill(message)
    if isinstance(message, ExternalAlert):
        return strategy.on_alert(message)
    if isinstance(message, TradingStateChanged):
        ctx.log.info("trading state", state=str(message.state), previous=str(message.previous))
        return strategy.on_trading_state(message.state)
    ctx.log.warning("ignored a message", message_type=type(message).__name__)
    return ()


async def _trading_state(ctx: ActorContext, breakers: str) -> TradingState:
    """The state now, so a strategy restarted during a halt does not start ACTIVE.

    When the breakers cannot answer, ACTIVE: risk enforces the real state anyway.
    """
    try:
        status = await ctx.ref(breakers).ask(GetBreakers(), timeout=2.0)
    except (ActorUnavailable, trio.TooSlowError) as exc:
        ctx.log.warning("trading state unknown; assuming active", breakers=breakers, error=str(exc))
        return TradingState.ACTIVE
    assert isinstance(status, BreakerStatus)
    return status.state


async def _warm_up(
    ctx: ActorContext, strategy: Strategy, source: WarmUpSource, timeframe: str, count: int
) -> None:
    """Feed recent bars to the indicators; a source that cannot answer means a cold start."""
    bars: list[Bar] = []
    try:
        for symbol in strategy.symbols:
            bars.extend(await source(symbol, timeframe, count))
    except (ActorUnavailable, trio.TooSlowError) as exc:
        ctx.log.warning("no bars to warm up from; starting cold", error=str(exc))
        return
    strategy.warm_up(bars)
    ctx.log.info("warmed up", bars=len(bars))


_symbol: Final = operator.attrgetter("symbol")
"""The conflation key of market data: in C, as it runs for every tick on every lane."""


def _same(_: object) -> str:
    return "state"
