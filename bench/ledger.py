"""Ledger throughput: fills booked and marks applied per second, in real time.

Run: ``.venv/bin/python bench/ledger.py [--fills N] [--marks N] [--seed S]``.

Fills are a seeded random mix of buys and sells (adds, reduces and flips)
over five stocks and the MES future, across three strategies; every fill is
new (duplicates cost one dict lookup and are measured separately). Marks
move one symbol each, with positions open in all of them. A rebuild replays
the same fills into a fresh ledger, as a restart does.
"""

from __future__ import annotations

import argparse
import random
import time
from decimal import Decimal

from actors.messages import Fill, Instrument, InstrumentKind, Side
from actors.portfolio import Ledger

STOCKS = ["AAPL", "MSFT", "NVDA", "SPY", "QQQ"]
INSTRUMENTS = {s: Instrument(symbol=s) for s in STOCKS} | {
    "MES": Instrument(
        symbol="MES",
        kind=InstrumentKind.FUTURE,
        tick_size=Decimal("0.25"),
        multiplier=Decimal(5),
    )
}
SYMBOLS = sorted(INSTRUMENTS)


def _fills(n: int, rng: random.Random) -> list[Fill]:
    out = []
    for k in range(n):
        symbol = rng.choice(SYMBOLS)
        tick = INSTRUMENTS[symbol].tick_size
        out.append(
            Fill(
                execution_id=f"E{k}",
                client_order_id=f"paper-{k:010d}",
                account="paper",
                symbol=symbol,
                side=rng.choice((Side.BUY, Side.SELL)),
                quantity=Decimal(rng.randint(1, 50)),
                price=tick * rng.randint(10_000, 30_000),
                commission=Decimal(rng.randint(0, 200)) / 100,
                ts=0.0,
                strategy=rng.choice(("trend", "revert", "")),
            )
        )
    return out


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f}/s  ({seconds * 1e6 / count:.2f} µs each)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fills", type=int, default=200_000)
    parser.add_argument("--marks", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    fills = _fills(args.fills, rng)
    ledger = Ledger("paper")
    ledger.open(Decimal(1_000_000), 0.0)

    start = time.perf_counter()
    for f in fills:
        ledger.apply_fill(f, INSTRUMENTS[f.symbol])
    booked = time.perf_counter() - start

    start = time.perf_counter()
    for f in fills:
        ledger.apply_fill(f, INSTRUMENTS[f.symbol])
    duplicates = time.perf_counter() - start

    marks = [
        (s, INSTRUMENTS[s].tick_size * rng.randint(10_000, 30_000))
        for s in (rng.choice(SYMBOLS) for _ in range(args.marks))
    ]
    start = time.perf_counter()
    for symbol, price in marks:
        ledger.mark(symbol, price, 0.0)
    marked = time.perf_counter() - start

    rebuilt = Ledger("paper")
    rebuilt.open(Decimal(1_000_000), 0.0)
    start = time.perf_counter()
    for f in fills:
        rebuilt.apply_fill(f, INSTRUMENTS[f.symbol])
    replayed = time.perf_counter() - start

    print(f"fills booked      {_rate(len(fills), booked)}")
    print(f"duplicates skipped{_rate(len(fills), duplicates)}")
    print(f"marks applied     {_rate(len(marks), marked)}")
    print(f"rebuild           {len(fills):,} fills in {replayed * 1000:.0f} ms")
    print(f"equity {ledger.equity}  positions {ledger.portfolio(0.0).position_count}")


if __name__ == "__main__":
    main()
