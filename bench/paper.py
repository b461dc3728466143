"""Paper venue throughput: orders per second from submit to fill, in process.

Run: ``.venv/bin/python bench/paper.py [--orders N]``.

Each order goes through ``PaperBrokerClient.submit`` (latency model at 0, no
faults) with an update stream open and drained, as a broker session would.
Shapes: market orders (filled on arrival against the quote), and limit
orders that rest and are filled by the next quote that crosses them. Each
runs without a state file and with one (an fsync per change), and with one
on a venue that has already traded ``--aged`` orders (default 10,000): a
venue that runs for months must not write more per change as it ages.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import msgspec
import trio

import runtime
from actors.messages import Instrument, Order, OrderType, Quote, Side
from adapters.paper import LatencyModel, PaperConfig, PaperVenue

ACCOUNT = "bench"


def _quote(venue: PaperVenue, bid: str, ask: str) -> None:
    venue.on_quote(
        Quote(
            symbol="AAPL",
            ts=venue.clock.time(),
            bid=Decimal(bid),
            ask=Decimal(ask),
            bid_size=Decimal(10_000),
            ask_size=Decimal(10_000),
        )
    )


async def _run(orders: int, order_type: OrderType, state_path: Path | None, aged: int = 0) -> float:
    """Orders per second over ``orders``, after ``aged`` orders that are not timed."""
    # three events per order and no latency to pace the submitter: room for all of them
    config = PaperConfig(latency=LatencyModel(base=0, jitter=0), stream_capacity=4 * orders)
    venue = PaperVenue(
        {"AAPL": Instrument(symbol="AAPL")},
        msgspec.structs.replace(config, stream_capacity=4 * (orders + aged)),
        rng=random.Random(1),
        clock=runtime.Clock(),
        state_path=state_path,
    )
    venue.open_account(ACCOUNT, Decimal(10**9))
    client = venue.client(ACCOUNT)
    _quote(venue, "100.00", "100.02")
    async with trio.open_nursery() as nursery, client.open_updates() as updates:

        async def drain() -> None:
            async for _ in updates:
                pass

        nursery.start_soon(drain)
        start = time.perf_counter()
        for n in range(orders + aged):
            if n == aged:
                start = time.perf_counter()
            side = Side.BUY if n % 2 == 0 else Side.SELL
            limit = None
            if order_type is OrderType.LIMIT:
                limit = Decimal("99.90") if side is Side.BUY else Decimal("100.10")
            await client.submit(
                Order(
                    client_order_id=f"{ACCOUNT}-{n:010d}",
                    account=ACCOUNT,
                    symbol="AAPL",
                    side=side,
                    quantity=Decimal(10),
                    order_type=order_type,
                    limit_price=limit,
                )
            )
            if order_type is OrderType.LIMIT:  # cross it, then restore the market
                if side is Side.BUY:
                    _quote(venue, "99.80", "99.90")
                else:
                    _quote(venue, "100.10", "100.20")
                _quote(venue, "100.00", "100.02")
        elapsed = time.perf_counter() - start
        nursery.cancel_scope.cancel()
    assert venue.ledger(ACCOUNT).fills[-1].execution_id == f"P-{orders + aged}"
    return orders / elapsed


async def main(orders: int, aged: int) -> None:
    print(f"paper venue, {orders} orders per shape (submit -> fill, latency 0)")
    with tempfile.TemporaryDirectory() as directory:
        for order_type in (OrderType.MARKET, OrderType.LIMIT):
            runs = (("memory", False, 0), ("state file", True, 0), ("aged file", True, aged))
            for n, (label, on_disk, before) in enumerate(runs):
                path = Path(directory) / f"{order_type}-{n}.json" if on_disk else None
                count = orders if path is None else max(1, orders // 10)
                rate = await _run(count, order_type, path, before)
                after = f", after {before:,}" if before else ""
                print(
                    f"  {order_type:<7} {label:<11} {rate:>10,.0f} orders/s"
                    f"  ({count} orders{after})"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--aged", type=int, default=10_000)
    arguments = parser.parse_args()
    trio.run(main, arguments.orders, arguments.aged)
