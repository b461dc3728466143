"""Replay throughput: ticks/s of ``tradeloop replay`` with one momentum strategy.

Run: ``.venv/bin/python bench/replay.py [--quotes N] [--spacing S] [--profile]``.

N synthetic SPY quotes (a seeded random walk, one every ``--spacing``
seconds of data time) play through the daemon's whole tree exactly as
``tradeloop replay`` runs it (:func:`tradeloop._replay.replay`: feed,
strategy, risk, broker session, paper venue, journal, portfolio, breakers;
a replay has no gateway) with one moving-average-cross strategy on 1m bars. Prints wall
time, ticks/s, the process's CPU time (steadier than wall time on a shared
machine), orders and the share of ticks that led to an order;
``--profile`` adds the top of a cProfile by cumulative and by own time;
``--no-strategy`` measures the ticks alone, without the order path.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time
from decimal import Decimal

import msgspec

from actors.breakers import BreakerConfig
from actors.messages import Quote
from actors.risk import RiskConfig
from actors.strategies import MomentumConfig, MomentumParams
from adapters.market import ReplayData
from runtime import configure_logging
from tradeloop._config import Config
from tradeloop._replay import TOTAL, ReplayResult, replay

ORIGIN = 1_704_205_800.0


def quotes(count: int, spacing: float, seed: int = 7) -> ReplayData:
    rng = random.Random(seed)
    cents = 50_000
    events = []
    for i in range(count):
        cents = max(100, cents + rng.choice((-3, -2, -1, 0, 1, 2, 3)))
        bid = Decimal(cents).scaleb(-2)
        events.append(
            Quote(
                symbol="SPY",
                ts=ORIGIN + i * spacing,
                bid=bid,
                ask=bid + Decimal("0.01"),
                bid_size=Decimal(100),
                ask_size=Decimal(100),
            )
        )
    return ReplayData(events=tuple(events))


def config() -> Config:
    """One momentum strategy, and the P&L breakers off.

    A fast=1/slow=2 cross on a random walk loses its spread and commission on
    almost every round trip, so with the default breakers the fifth loss in a
    row trips ``consecutive_losses`` (trading REDUCING: no new entries) and
    the replay stops trading after ten orders; later the daily loss and
    drawdown limits would halt it too, and Kelly sizing (the default) sizes
    a strategy without an edge to zero lots. The bench measures throughput,
    not the strategy: those four breakers are disabled and risk sizes by
    fixed fraction; the market and broker breakers still run on every tick.
    """
    strategy = MomentumConfig(
        name="momentum", symbols=("SPY",), warm_bars=0, params=MomentumParams(fast=1, slow=2)
    )
    off = {"enabled": False}
    breakers = msgspec.convert(
        {
            "daily_loss": off,
            "drawdown": off,
            "rapid_drawdown": off,
            "consecutive_losses": off,
        },
        BreakerConfig,
    )
    risk = RiskConfig(sizing="fixed_fractional")
    return Config(strategies=(strategy,), breakers=breakers, risk=risk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=1_000_000)
    parser.add_argument("--spacing", type=float, default=1.0, help="data seconds between quotes")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--no-strategy",
        action="store_true",
        help="no strategy, so no orders: the cost of the ticks alone (feed, bars, venue, "
        "breakers, portfolio marks)",
    )
    args = parser.parse_args()
    configure_logging("error")
    data = quotes(args.quotes, args.spacing)
    profiler = cProfile.Profile() if args.profile else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    run_config = config()
    if args.no_strategy:
        run_config = msgspec.structs.replace(run_config, strategies=())
    result: ReplayResult = replay(run_config, data)
    if profiler is not None:
        profiler.disable()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    orders = len({fill.client_order_id for fill in result.fills})
    span = data.events[-1].ts - data.start
    print(f"quotes          {args.quotes:>12,}  ({span:,.0f} s of data, one per {args.spacing} s)")
    print(f"wall            {wall:>12.2f} s")
    print(f"ticks/s         {args.quotes / wall:>12,.0f}")
    print(f"cpu             {cpu:>12.2f} s  ({args.quotes / cpu:,.0f} ticks per cpu-second)")
    print(f"orders filled   {orders:>12,}  ({orders / args.quotes:.3%} of ticks)")
    print(f"P&L             {result.stats[TOTAL].pnl:>12,.2f}")
    if profiler is not None:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
