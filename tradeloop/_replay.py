"""``tradeloop replay``: the daemon's own tree over recorded data, in virtual time.

The tree is built by :func:`~tradeloop._app.build_tree` from the same config
as a live daemon; only the world differs (:func:`open_replay_world`: recorded
quotes or bars in place of the synthetic market, on the paper venue). It runs
under ``MockClock(autojump_threshold=0)``: the market plays at the recorded
pace on the virtual clock, which jumps to the next event the moment the tree
is idle. So it runs as fast as the tree can work, every actor's
``clock.time()`` is the data's time, and each event is worked through
(signal, risk, order, fill, booking) before the next one plays.

Results come from the tree itself: fills and per-strategy positions as the
portfolio publishes them, and an equity curve sampled from the portfolio
every ``sample_interval`` seconds of data time.
"""

from __future__ import annotations

import csv
import itertools
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final

import msgspec
import trio
import trio.testing

from actors.messages import Fill, GetPortfolio, PortfolioSnapshot, PositionUpdate
from adapters.market import MarketEvent, ReplayData, ReplayMarket
from runtime import Clock, Subscribe, open_tree

from ._app import build_tree
from ._config import Config, JournalConfig
from ._performance import Stats, summarize
from ._world import batch_seconds, open_replay_world

__all__ = [
    "TOTAL",
    "EquityPoint",
    "ReplayResult",
    "left_out",
    "replay",
    "replay_config",
    "run_replay",
]

TOTAL: Final = "total"
PROGRESS_EVERY: Final = 1000
DRAIN: Final = 5.0  # virtual seconds after the last event for orders in flight to finish
SAMPLES: Final = 2000
WARM_UP: Final = 60.0  # virtual seconds the tree gets to start before the first event
QUIET_INTERVAL: Final = 3600.0  # the portfolio's unprompted publishing, nobody watching

TRADES_HEADER: Final = (
    *("time", "ts", "strategy", "symbol", "side", "quantity", "price", "commission"),
    *("execution_id", "client_order_id"),
)

Progress = Callable[[int, int], None]
"""``(events played, events in all)``, called every :data:`PROGRESS_EVERY` events."""


class EquityPoint(msgspec.Struct, frozen=True):
    """The account's equity and each strategy's P&L (realized + unrealized - commissions)."""

    ts: float
    equity: Decimal
    pnl: dict[str, Decimal]


class ReplayResult(msgspec.Struct, frozen=True, kw_only=True):
    events: int
    capital: Decimal
    fills: list[Fill]
    equity: list[EquityPoint]
    stats: dict[str, Stats]  # per strategy, and :data:`TOTAL`

    def write_trades(self, path: Path) -> None:
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(TRADES_HEADER)
            for f in self.fills:
                when = (_iso(f.ts), f.ts)
                what = (f.strategy, f.symbol, f.side.value, f.quantity, f.price, f.commission)
                writer.writerow((*when, *what, f.execution_id, f.client_order_id))

    def write_equity(self, path: Path) -> None:
        strategies = sorted(name for name in self.stats if name != TOTAL)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["time", "ts", "equity", *(f"pnl_{s}" for s in strategies)])
            for point in self.equity:
                pnl = [point.pnl.get(s, Decimal(0)) for s in strategies]
                writer.writerow([_iso(point.ts), point.ts, point.equity, *pnl])


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def replay_config(config: Config, data: ReplayData) -> Config:
    """The config as the replay runs it: the data's symbols, a throwaway journal inline.

    A strategy that trades a symbol the data does not hold is left out (see
    :func:`left_out`): it could not run, and the others still can. The feed's
    staleness limit is widened to twice the longest gap between two batches
    the market plays (a bar's worth of ticks each, see :func:`open_replay_world`),
    so the feed is not reported stale between two of them.

    What only serves live monitoring is quietened: the journal is not
    flushed to disk at each commit (it lives in a temporary directory), the
    portfolio publishes when something changed but not every second besides
    (the replay samples it by asking), and :func:`run_replay` builds the tree
    without its gateway. Each periodic wake-up costs a pass of the scheduler
    per virtual second, more than the data's own ticks when they are sparse.
    """
    carried = set(data.symbols)
    ends = data.batch_ends(batch_seconds(config))
    times = [data.start, *(data.events[end - 1].ts for end in ends)]
    gap = max((b - a for a, b in itertools.pairwise(times)), default=0.0)
    stale_after = max(config.market.stale_after, 2 * gap)
    return msgspec.structs.replace(
        config,
        market=msgspec.structs.replace(
            config.market, symbols=data.symbols, stale_after=stale_after
        ),
        strategies=tuple(s for s in config.strategies if set(s.symbols) <= carried),
        journal=JournalConfig(io="inline", verify=config.journal.verify, durable=False),
        portfolio=msgspec.structs.replace(config.portfolio, publish_interval=QUIET_INTERVAL),
    )


def left_out(config: Config, data: ReplayData) -> list[str]:
    """The strategies :func:`replay_config` leaves out, each with the symbols it lacks."""
    carried = set(data.symbols)
    return [
        f"{s.name} (no data for {', '.join(sorted(set(s.symbols) - carried))})"
        for s in config.strategies
        if not set(s.symbols) <= carried
    ]


class _Recorder:
    """What the replay keeps from the tree: fills, closed trades, the sampled curve."""

    def __init__(self) -> None:
        self.fills: list[Fill] = []
        self.closed: dict[str, list[Decimal]] = {}
        self.realized: dict[tuple[str, str], Decimal] = {}
        self.equity: list[EquityPoint] = []
        self.commissions: dict[str, Decimal] = {}

    def on_message(self, message: object) -> None:
        if isinstance(message, Fill):
            self.fills.append(message)
            self.commissions[message.strategy] = (
                self.commissions.get(message.strategy, Decimal(0)) + message.commission
            )
        elif isinstance(message, PositionUpdate) and message.strategy:
            key = (message.strategy, message.symbol)
            before = self.realized.get(key, Decimal(0))
            if message.realized_pnl != before:
                self.closed.setdefault(message.strategy, []).append(message.realized_pnl - before)
                self.realized[key] = message.realized_pnl

    def sample(self, ts: float, snapshot: PortfolioSnapshot) -> None:
        """Each strategy's P&L net of its commissions, as the account's is."""
        pnl = {strategy: -paid for strategy, paid in self.commissions.items()}
        for position in snapshot.strategy_positions:
            pnl[position.strategy] = (
                pnl.get(position.strategy, Decimal(0))
                + position.realized_pnl
                + position.unrealized_pnl
            )
        self.equity.append(EquityPoint(ts=ts, equity=snapshot.portfolio.equity, pnl=pnl))

    def result(
        self, events: int, capital: Decimal, strategies: list[str], periods_per_year: float
    ) -> ReplayResult:
        stats: dict[str, Stats] = {}
        for name in strategies:
            stats[name] = summarize(
                capital,
                [point.pnl.get(name, Decimal(0)) for point in self.equity],
                self.closed.get(name, []),
                sum(1 for fill in self.fills if fill.strategy == name),
                periods_per_year,
            )
        stats[TOTAL] = summarize(
            capital,
            [point.equity - capital for point in self.equity],
            [value for values in self.closed.values() for value in values],
            len(self.fills),
            periods_per_year,
        )
        return ReplayResult(
            events=events, capital=capital, fills=self.fills, equity=self.equity, stats=stats
        )


async def run_replay(
    config: Config,
    data: ReplayData,
    work_dir: Path,
    *,
    progress: Progress | None = None,
    sample_interval: float | None = None,
) -> ReplayResult:
    """Replay ``data`` through the daemon's tree; must run under ``trio.testing.MockClock``.

    ``work_dir``, an existing directory, receives the replay's journal (it
    should be empty: a replay starts from the configured cash; the paper
    venue keeps its state in memory). The equity curve is sampled every
    ``sample_interval`` seconds of data time (default: about :data:`SAMPLES`
    samples over the data, at least one a second).
    """
    if not isinstance(trio.lowlevel.current_clock(), trio.testing.MockClock):
        raise TypeError("run_replay runs in virtual time: trio.run(..., clock=MockClock())")
    if not data.events:
        raise ValueError("the replay data holds no events")
    config = replay_config(config, data)
    span = data.events[-1].ts - data.start
    interval = sample_interval or max(1.0, span / SAMPLES)
    clock = Clock(origin=data.start - WARM_UP)
    total = len(data.events)
    played = 0

    def count(event: MarketEvent) -> None:
        nonlocal played
        played += 1
        if progress is not None and played % PROGRESS_EVERY == 0:
            progress(played, total)

    recorder = _Recorder()
    async with open_replay_world(config, data, clock=clock) as world:
        market = world.market
        assert isinstance(market, ReplayMarket)
        market.add_listener(count)
        spec = build_tree(config, world, data_dir=work_dir, tokens=None)  # no gateway
        async with open_tree(spec, seed=config.runtime.seed, clock=clock) as tree:
            probe = tree.inbox(
                "replay-recorder",
                Subscribe(Fill, capacity=65_536),
                Subscribe(PositionUpdate, capacity=65_536),
            )
            portfolio = tree.ref("portfolio")

            async def record() -> None:
                async for message in probe:
                    recorder.on_message(message)

            async def sample() -> None:
                while True:
                    await clock.sleep(interval)
                    recorder.sample(clock.time(), await portfolio.ask(GetPortfolio()))

            async with trio.open_nursery() as nursery:
                nursery.start_soon(record)
                await clock.sleep_until_time(data.start)
                if not market.connected:
                    raise RuntimeError(f"the feed did not connect within {WARM_UP:g} s")
                nursery.start_soon(sample)
                await nursery.start(market.serve)
                await market.finished.wait()
                await trio.sleep(DRAIN)
                recorder.sample(clock.time(), await portfolio.ask(GetPortfolio()))
                nursery.cancel_scope.cancel(reason="replay finished")
    if progress is not None:
        progress(played, total)
    capital = sum((account.cash for account in config.accounts), Decimal(0))
    periods = config.market.synthetic.trading_year / interval
    names = [strategy.name for strategy in config.strategies]
    return recorder.result(played, capital, names, periods)


def replay(
    config: Config,
    data: ReplayData,
    *,
    work_dir: Path | None = None,
    progress: Progress | None = None,
    sample_interval: float | None = None,
) -> ReplayResult:
    """Run :func:`run_replay` in its own ``trio.run`` (the CLI's entry)."""

    def run(directory: Path) -> ReplayResult:
        directory.mkdir(parents=True, exist_ok=True)
        result: ReplayResult = trio.run(
            lambda: run_replay(
                config, data, directory, progress=progress, sample_interval=sample_interval
            ),
            clock=trio.testing.MockClock(autojump_threshold=0),
        )
        return result

    if work_dir is not None:
        return run(work_dir)
    with tempfile.TemporaryDirectory(prefix="tradeloop-replay-") as directory:
        return run(Path(directory))
