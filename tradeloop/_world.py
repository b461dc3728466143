"""The world outside the tree: the market and the paper venue.

They are not actors. They stand for an exchange and a broker, which keep
running whatever happens to the daemon's actors: the market ticks whether or
not a feed is connected, and the venue hears every tick (through a listener)
so resting orders fill while a broker session is down. Feeds and broker
sessions reach them only through their narrow client interfaces, exactly as
they would reach a real venue over the network.

Both run on the runtime clock, so a world in virtual time is as
deterministic as the tree it serves.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import trio

from actors.messages import Instrument, Quote, Trade
from adapters.market import SyntheticMarket, default_universe
from adapters.paper import PaperVenue
from runtime import Clock

from ._config import Config

__all__ = ["World", "open_world"]


class World:
    """What a daemon trades against; tests and scenarios reach in to inject faults."""

    def __init__(self, market: SyntheticMarket, venue: PaperVenue, clock: Clock) -> None:
        self.market = market
        self.venue = venue
        self.clock = clock

    @property
    def instruments(self) -> dict[str, Instrument]:
        return self.venue.instruments


@asynccontextmanager
async def open_world(
    config: Config, data_dir: Path, *, clock: Clock | None = None
) -> AsyncIterator[World]:
    """Start the market (and the venue listening to it) for the block's duration."""
    clock = clock or Clock()
    seed = config.runtime.seed
    universe = [p for p in default_universe() if p.instrument.symbol in config.market.symbols]
    missing = set(config.market.symbols) - {p.instrument.symbol for p in universe}
    if missing:
        raise ValueError(f"market.symbols: no instrument defined for {sorted(missing)}")
    market = SyntheticMarket(universe, config.market.synthetic, seed=seed, clock=clock)
    venue = PaperVenue(
        {p.instrument.symbol: p.instrument for p in universe},
        config.paper,
        rng=random.Random(f"{seed}/venue"),
        clock=clock,
        state_path=data_dir / "paper-venue.json",
    )
    for account in config.accounts:
        venue.open_account(account.name, account.cash)

    def listen(event: Quote | Trade) -> None:
        if isinstance(event, Quote):
            venue.on_quote(event)
        else:
            venue.on_trade(event)

    market.add_listener(listen)
    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)
        await nursery.start(venue.serve)  # DAY orders expire exactly at the close
        try:
            yield World(market, venue, clock)
        finally:
            nursery.cancel_scope.cancel(reason="world closed")
