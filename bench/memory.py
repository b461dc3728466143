"""Memory of the whole daemon over simulated trading hours, in virtual time.

Run: ``.venv/bin/python bench/memory.py [--hours H] [--alerts-every S] [--trace]``.

The default daemon (five strategies on the synthetic market, the paper
venue, the journal, the hub with no clients) runs under trio's MockClock as
the scenarios run it, with TradingView-style alerts every ``S`` seconds so
orders flow from the first minute (the P&L breakers off so they keep
flowing: see :func:`_config`). After each simulated hour it prints the
process's resident memory, the objects the garbage collector tracks, the
journal's records and the venue's fills, so a growing figure shows as a
column that never levels off. A long-lived daemon must keep what it holds
bounded: every buffer it keeps (bar histories, the hub's replay buffer, the
book's closed orders, the breakers' windows) has a cap, and this is where
reaching the caps shows.

``--trace`` adds tracemalloc (slower): the Python heap per hour and, at the
end, the ten source lines whose allocations grew most after the first hour.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import tracemalloc
from pathlib import Path

import msgspec
import trio
import trio.testing

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actors.breakers import BreakerConfig
from actors.risk import RiskConfig
from runtime.journal import GetJournalStats, JournalStats
from scenarios._harness import open_simulation
from tradeloop._config import Config
from tradeloop._journaling import JOURNAL

HOUR = 3600.0


def _config() -> Config:
    """The default daemon with the P&L breakers off and fixed-fraction sizing.

    Random alerts lose money: with the defaults the fifth loss in a row trips
    ``consecutive_losses`` (no new entries) within the first hour, and Kelly
    sizing sizes a strategy without an edge to nothing. The bench measures
    what a daemon that keeps trading holds, so those four breakers are off;
    the market and broker breakers still run.
    """
    off = {"enabled": False}
    breakers = msgspec.convert(
        {"daily_loss": off, "drawdown": off, "rapid_drawdown": off, "consecutive_losses": off},
        BreakerConfig,
    )
    return Config(breakers=breakers, risk=RiskConfig(sizing="fixed_fractional"))


def _rss_mb() -> float:
    """Resident set size now (not the peak), from /proc."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * 4096 / 2**20


async def run(hours: int, alerts_every: float, trace: bool) -> None:
    print(f"default daemon, virtual time, alerts every {alerts_every:g} s; figures after each hour")
    print(
        f"{'hour':>4} {'rss MB':>8} {'heap MB':>8} {'gc objects':>11} {'records':>9} {'fills':>7}"
    )
    first: tracemalloc.Snapshot | None = None
    with tempfile.TemporaryDirectory(prefix="tradeloop-memory-") as scratch:
        async with open_simulation(0, config=_config(), data_dir=Path(scratch)) as sim:
            sim.start_alerts(every=alerts_every)
            for hour in range(1, hours + 1):
                await trio.sleep(HOUR)
                stats = await sim.tree.ref(JOURNAL).ask(GetJournalStats())
                assert isinstance(stats, JournalStats)
                heap = tracemalloc.get_traced_memory()[0] / 2**20 if trace else float("nan")
                print(
                    f"{hour:>4} {_rss_mb():>8.1f} {heap:>8.1f} {len(gc.get_objects()):>11,}"
                    f" {stats.last_seq:>9,} {len(sim.venue.ledger(sim.account).fills):>7,}",
                    flush=True,
                )
                if trace and hour == 1:
                    first = tracemalloc.take_snapshot()
            if trace and first is not None:
                growth = tracemalloc.take_snapshot().compare_to(first, "lineno")
                print("grew most after the first hour:")
                for stat in growth[:10]:
                    print(f"  {stat.size_diff / 1024:>9.1f} KiB  {stat.traceback}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=6, help="simulated hours")
    parser.add_argument("--alerts-every", type=float, default=10.0, help="seconds between alerts")
    parser.add_argument("--trace", action="store_true", help="tracemalloc: heap and growth")
    args = parser.parse_args()
    if args.hours < 1 or args.alerts_every <= 0:
        parser.error("need --hours >= 1 and --alerts-every > 0")
    if args.trace:
        tracemalloc.start()
    trio.run(
        run,
        args.hours,
        args.alerts_every,
        args.trace,
        clock=trio.testing.MockClock(autojump_threshold=0),
    )


if __name__ == "__main__":
    main()
