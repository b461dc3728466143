"""The feed actor: one market-data source into the system's publish/subscribe.

Quotes and trades are published with ``publish_nowait``: market data must
never hold the feed back, and subscribers take it on ``conflate`` lanes
(the latest quote per symbol). Bars are published with ``publish``, which
waits for room, because a strategy must not miss a bar. If the feed itself
cannot keep up, its source drops it as a slow client; it then reconnects
like after any other disconnect.

Freshness: ``MarketStale(stale=True)`` goes out when nothing arrived for
``stale_after`` seconds (a stalled source) or the source dropped the
connection, and ``MarketStale(stale=False)`` with the first data after
that. What subscribers were last told is kept across incarnations, so a
feed that keeps failing to reconnect during an outage says "stale" once.

On :class:`~adapters.market.FeedDisconnected` the feed raises; it is an
``OSError``, which the kernel treats as transient: the supervisor restarts
the feed with backoff, and that restart is the reconnect. The feed reports
ready before it connects, so an unreachable source delays nothing else in
the tree. It answers :class:`~actors.messages.RecentBars` from the source's
own history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import final

import trio

from actors.messages import Bars, MarketStale, Quote, RecentBars, Trade
from adapters.market import (
    DEFAULT_TIMEFRAMES,
    BarAggregator,
    FeedDisconnected,
    MarketDataError,
    MarketSource,
    UnknownSymbol,
    timeframe_seconds,
)
from runtime import Actor, ActorContext, ChildSpec, Request, TaskStatus

__all__ = ["feed_actor", "feed_child", "feed_name"]


def feed_name(source: MarketSource) -> str:
    """The feed's actor name: ``feed-<source name>``."""
    return f"feed-{source.name}"


@final
class _Announced:
    """What subscribers were last told: None (nothing yet), stale or fresh."""

    __slots__ = ("stale",)

    def __init__(self) -> None:
        self.stale: bool | None = None


@final
class _Feed:
    """One incarnation: the stream loop, the staleness watchdog, the answers."""

    def __init__(
        self,
        ctx: ActorContext,
        source: MarketSource,
        symbols: tuple[str, ...],
        stale_after: float,
        bars: BarAggregator,
        announced: _Announced,
    ) -> None:
        self.ctx = ctx
        self.source = source
        self.symbols = symbols
        self.stale_after = stale_after
        self.bars = bars
        self.announced = announced
        self.refused = 0  # market events dropped as insane (not finite, crossed, <= 0)
        self.last_data = ctx.clock.monotonic()
        self.resumed = trio.Event()

    async def announce(self, stale: bool, reason: str) -> None:
        if self.announced.stale is stale:
            return
        self.announced.stale = stale
        ctx = self.ctx
        if stale:
            ctx.log.warning("market data stale", source=self.source.name, reason=reason)
        else:
            ctx.log.info("market data fresh", source=self.source.name)
        await ctx.publish(
            MarketStale(
                source=self.source.name,
                symbols=self.symbols,
                stale=stale,
                ts=ctx.clock.time(),
                reason=reason,
            )
        )

    async def stream(self) -> None:
        ctx = self.ctx
        publish_nowait = ctx.registry.publish_nowait  # what ctx.publish_nowait calls
        add_bars = self.bars.add
        clock = ctx.clock
        async with self.source.open_stream(self.symbols) as stream, trio.open_nursery() as n:
            self.last_data = clock.monotonic()
            n.start_soon(self.watch)
            ctx.log.info("feed connected", source=self.source.name, symbols=self.symbols)
            async for batch in stream:
                self.last_data = clock.monotonic()
                if self.announced.stale is not False:
                    await self.announce(False, "data is flowing")
                    self.resumed.set()
                for event in batch:
                    if not _sane(event):
                        # A source is outside input: one bad print must not reach
                        # the breakers, the venue's marks or the strategies.
                        self.refused += 1
                        ctx.log.warning("market data refused", refused=repr(event))
                        continue
                    publish_nowait(event)
                    completed = add_bars(event)
                    if completed:
                        for bar in completed:
                            await ctx.publish(bar)
            raise FeedDisconnected(f"source {self.source.name!r} ended its stream")

    async def watch(self) -> None:
        """Say "stale" once nothing arrived for ``stale_after`` s; wait for data after."""
        clock = self.ctx.clock
        while True:
            deadline = self.last_data + self.stale_after
            if clock.monotonic() < deadline:
                await trio.sleep_until(deadline)
                continue
            self.resumed = trio.Event()
            await self.announce(True, f"no data for {self.stale_after:g} s")
            await self.resumed.wait()

    async def answer(self) -> None:
        async for message in self.ctx.mailbox:
            if not isinstance(message, Request):
                self.ctx.log.warning("feed ignored a message", type=type(message).__name__)
                continue
            query = message.message
            if not isinstance(query, RecentBars):
                message.fail(TypeError(f"a feed answers RecentBars, not {type(query).__name__}"))
                continue
            if query.symbol not in self.symbols:
                message.fail(UnknownSymbol(f"{self.ctx.name} does not carry {query.symbol!r}"))
                continue
            try:
                bars = await self.source.history(query.symbol, query.timeframe, query.count)
            except (MarketDataError, ValueError) as error:
                message.fail(error)
                continue
            message.reply(Bars(symbol=query.symbol, timeframe=query.timeframe, bars=tuple(bars)))


def feed_actor(
    source: MarketSource,
    symbols: Sequence[str],
    *,
    stale_after: float = 5.0,
    bar_timeframes: Sequence[str] = DEFAULT_TIMEFRAMES,
    history_bars: int = 500,
) -> Actor:
    """An actor streaming ``symbols`` from ``source``; name it :func:`feed_name`."""
    if not stale_after > 0:
        raise ValueError(f"stale_after must be > 0, not {stale_after}")
    wanted = tuple(symbols)
    timeframes = tuple(bar_timeframes)
    for timeframe in timeframes:
        timeframe_seconds(timeframe)  # a typo fails when the tree is wired, not at start
    announced = _Announced()

    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        bars = BarAggregator(timeframes, history=history_bars)
        feed = _Feed(ctx, source, wanted, stale_after, bars, announced)
        disconnected: FeedDisconnected | None = None
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(feed.answer)
                task_status.started()  # before connecting: a source that is down delays no one
                await feed.stream()
        except* FeedDisconnected as group:
            disconnected = _first(group)
            await feed.announce(True, str(disconnected))
        if disconnected is not None:
            raise disconnected  # bare, so the restart event names the cause

    return run


def _first(group: BaseExceptionGroup[FeedDisconnected]) -> FeedDisconnected:
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    assert isinstance(error, FeedDisconnected)
    return error


def feed_child(
    source: MarketSource,
    symbols: Sequence[str],
    *,
    stale_after: float = 5.0,
    bar_timeframes: Sequence[str] = DEFAULT_TIMEFRAMES,
    history_bars: int = 500,
) -> ChildSpec:
    """The feed as a supervised child named ``feed-<source name>``."""
    actor = feed_actor(
        source,
        symbols,
        stale_after=stale_after,
        bar_timeframes=bar_timeframes,
        history_bars=history_bars,
    )
    return ChildSpec(name=feed_name(source), actor=actor, shutdown_timeout=2.0)


def _sane(event: Quote | Trade) -> bool:
    """Finite positive prices and sizes, and a quote that is not crossed."""
    if type(event) is Quote:
        bid, ask, bid_size, ask_size = event.bid, event.ask, event.bid_size, event.ask_size
        return (
            bid.is_finite()
            and ask.is_finite()
            and bid_size.is_finite()
            and ask_size.is_finite()
            and bid > 0
            and ask >= bid
            and bid_size >= 0
            and ask_size >= 0
        )
    assert isinstance(event, Trade)
    price, size = event.price, event.size
    return price.is_finite() and size.is_finite() and price > 0 and size >= 0
