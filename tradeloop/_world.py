"""The world outside the tree: the market and the paper venue.

They are not actors. They stand for an exchange and a broker, which keep
running whatever happens to the daemon's actors: the market ticks whether or
not a feed is connected, and the venue hears every tick (through a listener)
so resting orders fill while a broker session is down. Feeds and broker
sessions reach them only through their narrow client interfaces, exactly as
they would reach a real venue over the network.

Both run on the runtime clock, so a world in virtual time is as
deterministic as the tree it serves. A replay world (:func:`open_replay_world`)
has recorded data in place of the synthetic market: the same venue hears it,
and the tree is built against it exactly as against the live world.
"""

from __future__ import annotations

import math
import random
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import trio

from actors.messages import Instrument, Quote, Trade
from adapters.market import (
    DEFAULT_TIMEFRAMES,
    Listener,
    ReplayData,
    ReplayMarket,
    SymbolProfile,
    SyntheticMarket,
    default_universe,
    timeframe_seconds,
)
from adapters.paper import PaperVenue
from runtime import Clock

from ._config import Config

__all__ = ["World", "batch_seconds", "open_replay_world", "open_world"]


class World:
    """What a daemon trades against; tests and scenarios reach in to inject faults."""

    def __init__(
        self, market: SyntheticMarket | ReplayMarket, venue: PaperVenue, clock: Clock
    ) -> None:
        self.market = market
        self.venue = venue
        self.clock = clock

    @property
    def instruments(self) -> dict[str, Instrument]:
        return self.venue.instruments


def _universe(symbols: Sequence[str], where: str) -> list[SymbolProfile]:
    universe = [p for p in default_universe() if p.instrument.symbol in symbols]
    missing = set(symbols) - {p.instrument.symbol for p in universe}
    if missing:
        raise ValueError(f"{where}: no instrument defined for {sorted(missing)}")
    return universe


def _venue(
    config: Config, universe: Sequence[SymbolProfile], state_path: Path | None, clock: Clock
) -> PaperVenue:
    venue = PaperVenue(
        {p.instrument.symbol: p.instrument for p in universe},
        config.paper,
        rng=random.Random(f"{config.runtime.seed}/venue"),
        clock=clock,
        state_path=state_path,
        io=config.journal.io,
    )
    for account in config.accounts:
        venue.open_account(account.name, account.cash)
    return venue


def _listen(venue: PaperVenue) -> Listener:
    def listen(event: Quote | Trade) -> None:
        if isinstance(event, Quote):
            venue.on_quote(event)
        else:
            venue.on_trade(event)

    return listen


@asynccontextmanager
async def open_world(
    config: Config, data_dir: Path, *, clock: Clock | None = None
) -> AsyncIterator[World]:
    """Start the market (and the venue listening to it) for the block's duration."""
    clock = clock or Clock()
    universe = _universe(config.market.symbols, "market.symbols")
    market = SyntheticMarket(
        universe, config.market.synthetic, seed=config.runtime.seed, clock=clock
    )
    venue = _venue(config, universe, data_dir / "paper-venue.json", clock)
    market.add_listener(_listen(venue))
    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)
        await nursery.start(venue.serve)  # DAY orders expire exactly at the close
        try:
            yield World(market, venue, clock)
        finally:
            nursery.cancel_scope.cancel(reason="world closed")


def batch_seconds(config: Config) -> int:
    """The bar length a replay batches by: every bar the tree makes ends on a batch.

    The feed aggregates :data:`~adapters.market.DEFAULT_TIMEFRAMES`, the
    market its configured ones, strategies read their own: the greatest
    common divisor of all their lengths divides every bar.
    """
    timeframes = {
        *DEFAULT_TIMEFRAMES,
        *config.market.synthetic.bar_timeframes,
        *(strategy.timeframe for strategy in config.strategies),
    }
    return math.gcd(*(timeframe_seconds(timeframe) for timeframe in timeframes))


@asynccontextmanager
async def open_replay_world(
    config: Config, data: ReplayData, *, clock: Clock
) -> AsyncIterator[World]:
    """A world whose market plays ``data`` on ``clock`` at the recorded pace, bar by bar.

    Run under ``MockClock(autojump_threshold=0)`` the pace costs no wall time:
    the clock jumps to the next batch as soon as the whole tree is idle, so
    each batch is worked through completely before the next one plays and no
    timeout can fire early. (``speed=None`` would not wait for the tree, only
    for the feed, and the data's time would run ahead of the actors' clock.)
    A batch is a bar's worth of ticks (:func:`batch_seconds`) played at the
    instant of the tick that completes the bar, so the tree wakes once per
    bar, not once per tick, and every bar still completes at its own tick.
    The market is not started here: the caller starts ``world.market.serve``
    once the tree (and so the feed) is up, or the first events would play to
    nobody. The venue hears every event, as in the live world; it keeps its
    state in memory (it lives as long as the replay, and rewriting the whole
    state file at each change grows with every order the replay places).
    """
    universe = _universe(data.symbols, "replay data")
    market = ReplayMarket(
        data,
        clock=clock,
        speed=1.0,
        batch_seconds=batch_seconds(config),
        client_buffer=config.market.synthetic.client_buffer,
        history_bars=config.market.synthetic.history_bars,
        bar_timeframes=config.market.synthetic.bar_timeframes,
    )
    venue = _venue(config, universe, None, clock)
    market.add_listener(_listen(venue))
    async with trio.open_nursery() as nursery:
        await nursery.start(venue.serve)
        try:
            yield World(market, venue, clock)
        finally:
            nursery.cancel_scope.cancel(reason="world closed")
