"""Market-data throughput: what the synthetic market produces and a feed actor publishes.

Run: ``.venv/bin/python bench/market.py [--seconds N]``.

Both run under trio's ``MockClock`` with autojump, so the market ticks as
fast as the CPU allows (one tick = one virtual second, six symbols):

* **market alone**: ticks/s and events/s (quotes and trades) with one
  listener and no clients;
* **market + feed**: the same market with a feed actor in a real tree
  publishing every quote and trade (``publish_nowait``) and every bar
  (``publish``) to a sink that drains them. The market never waits for the
  feed, so the figure is the rate at which the feed kept up.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import trio
import trio.testing

from actors.feed import feed_child
from actors.messages import Bar, Quote, Trade
from adapters.market import MarketEvent, SyntheticConfig, SyntheticMarket
from runtime import Clock, Policy, Subscribe, SupervisorSpec, configure_logging, open_tree

ORIGIN = 1_704_205_800.0
T = TypeVar("T")


async def market_alone(seconds: int) -> tuple[int, int]:
    market = SyntheticMarket(seed=1, clock=Clock(origin=ORIGIN))
    events = 0

    def count(_: MarketEvent) -> None:
        nonlocal events
        events += 1

    market.add_listener(count)
    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)
        await trio.sleep(seconds - 0.5)
        nursery.cancel_scope.cancel()
    return market.ticks, events


async def market_and_feed(seconds: int) -> tuple[int, int, int]:
    market = SyntheticMarket(
        config=SyntheticConfig(client_buffer=1 << 16), seed=1, clock=Clock(origin=ORIGIN)
    )
    symbols = sorted(market.symbols)
    spec = SupervisorSpec(name="root", children=(feed_child(market.client(), symbols),))
    received = 0
    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)
        async with open_tree(spec, clock=market.clock) as tree:
            sink = tree.inbox(
                "sink",
                Subscribe(Quote, Policy.DROP_OLDEST, capacity=1 << 20),
                Subscribe(Trade, Policy.DROP_OLDEST, capacity=1 << 20),
                Subscribe(Bar),
            )

            async def drain() -> None:
                nonlocal received
                while True:
                    received += len(await sink.receive_batch(1024))

            nursery.start_soon(drain)
            await trio.sleep(seconds - 0.5)
            incarnation = next(a.incarnation for a in tree.actors() if a.name == "feed-synthetic")
            nursery.cancel_scope.cancel()
    return market.ticks, received, incarnation


def _run(fn: Callable[[int], Awaitable[T]], seconds: int) -> tuple[float, T]:
    start = time.perf_counter()
    result = trio.run(fn, seconds, clock=trio.testing.MockClock(autojump_threshold=0))
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20_000, help="virtual seconds (ticks)")
    args = parser.parse_args()
    configure_logging(level="warning")
    elapsed, (ticks, events) = _run(market_alone, args.seconds)
    print(
        f"market alone   : {ticks / elapsed:>9,.0f} ticks/s  {events / elapsed:>10,.0f} events/s"
        f"  ({ticks} ticks, 6 symbols, {elapsed:.2f} s)"
    )
    elapsed, (ticks, received, incarnation) = _run(market_and_feed, args.seconds)
    print(
        f"market + feed  : {ticks / elapsed:>9,.0f} ticks/s  {received / elapsed:>10,.0f} msgs/s"
        f" published and received  ({received} msgs, feed incarnation {incarnation})"
    )


if __name__ == "__main__":
    main()
