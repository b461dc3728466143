"""The default strategies on a seeded random-walk market: how soon they trade, how fast.

Run: ``.venv/bin/python bench/strategies.py [--minutes N] [--seeds K]``.

Each seed makes 1m bars for AAPL, MSFT, NVDA, SPY, QQQ and MES as a random
walk (0.1% per minute, SPY and QQQ sharing most of their moves) and feeds
them to fresh instances of :func:`default_strategies`; every signal is
filled at once at the bar's close, as a paper venue would. Printed per
strategy: the median minute of its first signal over the seeds, signals per
hour, and the time strategy code takes per bar.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections import defaultdict
from decimal import Decimal

from actors.messages import Bar, Fill, Side, SignalAction
from actors.strategies import StrategyBase, default_strategies, make_strategy

START = 1_700_000_040.0  # a minute boundary
PRICES = {"AAPL": 190.0, "MSFT": 370.0, "NVDA": 480.0, "SPY": 450.0, "QQQ": 390.0, "MES": 4500.0}


def market(minutes: int, rng: random.Random) -> list[Bar]:
    prices = dict(PRICES)
    bars: list[Bar] = []
    for minute in range(minutes):
        common = rng.gauss(0.0, 1.0)
        for symbol, before in prices.items():
            own = rng.gauss(0.0, 1.0)
            shock = 0.9 * common + math.sqrt(1 - 0.81) * own if symbol in ("SPY", "QQQ") else own
            after = before * math.exp(0.001 * shock)
            high = max(before, after) * (1 + 0.0003 * rng.random())
            low = min(before, after) * (1 - 0.0003 * rng.random())
            bars.append(
                Bar(
                    symbol=symbol,
                    ts=START + 60.0 * minute,
                    timeframe="1m",
                    open=_d(before),
                    high=_d(high),
                    low=_d(low),
                    close=_d(after),
                    volume=Decimal(1000),
                )
            )
            prices[symbol] = after
    return bars


def _d(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def run(minutes: int, seed: int) -> tuple[dict[str, float], dict[str, int], dict[str, float]]:
    bars = market(minutes, random.Random(seed))
    strategies = [make_strategy(config) for config in default_strategies()]
    first: dict[str, float] = {}
    counts: dict[str, int] = defaultdict(int)
    spent: dict[str, float] = defaultdict(float)
    executions = 0
    for bar in bars:
        for strategy in strategies:
            t0 = time.perf_counter()
            signals = strategy.on_bar(bar)
            spent[strategy.name] += time.perf_counter() - t0
            for signal in signals:
                counts[strategy.name] += 1
                first.setdefault(strategy.name, (signal.ts - START) / 60.0)
                assert isinstance(strategy, StrategyBase)
                executions += 1
                strategy.on_fill(
                    _fill(
                        strategy,
                        signal.symbol,
                        signal.action,
                        signal.quantity,
                        bar.close,
                        signal.ts,
                        executions,
                    )
                )
    return first, counts, {name: t / len(bars) for name, t in spent.items()}


def _fill(
    strategy: StrategyBase,
    symbol: str,
    action: SignalAction,
    quantity: Decimal | None,
    price: Decimal,
    ts: float,
    n: int,
) -> Fill:
    position = strategy.position(symbol)
    if action is SignalAction.CLOSE:
        side, size = (Side.SELL if position > 0 else Side.BUY), abs(position)
    else:
        side, size = (Side.BUY if action is SignalAction.BUY else Side.SELL), quantity or Decimal(1)
    return Fill(
        execution_id=f"x{n}",
        client_order_id=f"o{n}",
        account="paper",
        symbol=symbol,
        side=side,
        quantity=size,
        price=price,
        commission=Decimal(0),
        ts=ts,
        strategy=strategy.name,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=390, help="bars per symbol (a session)")
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    firsts: dict[str, list[float]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    costs: dict[str, list[float]] = defaultdict(list)
    for seed in range(args.seeds):
        first, counts, cost = run(args.minutes, seed)
        for name, minute in first.items():
            firsts[name].append(minute)
        for name, count in counts.items():
            totals[name] += count
        for name, seconds in cost.items():
            costs[name].append(seconds)
    hours = args.minutes * args.seeds / 60.0
    print(f"{args.seeds} seeds x {args.minutes} one-minute bars x {len(PRICES)} symbols")
    print(f"{'strategy':<16}{'first signal (min, median)':>28}{'signals/h':>12}{'us/bar':>10}")
    for config in default_strategies():
        name = config.name
        seen = firsts.get(name, [])
        median = f"{statistics.median(seen):.0f} ({len(seen)}/{args.seeds} seeds)" if seen else "-"
        cost_us = statistics.mean(costs[name]) * 1e6 if costs[name] else 0.0
        print(f"{name:<16}{median:>28}{totals[name] / hours:>12.1f}{cost_us:>10.1f}")


if __name__ == "__main__":
    main()
