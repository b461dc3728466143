"""Tick to booked fill through the real actors, side by side with bare trio channels.

Run: ``.venv/bin/python bench/pipeline.py [--ticks N] [--every K] [--rate R] [--repeat R]``
(``--ticks 2000`` for a quick look; ``--data-dir`` says where the journals go).

The real pipeline is the daemon's order path built from its own parts, wired
as :func:`tradeloop._app.build_tree` wires them: the journal actor on a SQLite
file in a fresh directory (``io="thread"``: WAL, ``synchronous=FULL``, so every
group commit is an fsync), the portfolio, risk, the broker session
(journaling through :class:`tradeloop._journaling.JournalPort`) over a paper
venue with no latency and no state file, and one strategy actor hosting
:class:`EveryNth`, which buys one share on every K-th quote. The bench is the
market: each tick is a :class:`Quote` handed to the venue (so market orders
fill) and published to the tree. Every order goes tick -> strategy -> risk
-> broker session (journaled) -> paper venue -> session (journaled) ->
portfolio, where booking its fill publishes the strategy's PositionUpdate.

Two figures, in real time (trio's clock), each run on a fresh tree:

* **throughput at saturation**: N ticks published as fast as the tree takes
  them, timed from the first until the fill of the last order is booked
  (the best of ``--repeat`` runs);
* **latency at a paced R ticks/s**: from a tick's publication to the
  portfolio's PositionUpdate that books its order's fill, p50 and p99 over
  every order the run makes.

The bare pipeline moves the same ticks through the same five hops as five
tasks chained by trio memory channels drained with ``*_nowait`` (a
checkpoint every 64 messages): the strategy task passes on every K-th tick,
the others pass each message on, and the last one stamps it booked.

Where the bench departs from the daemon, on purpose: the strategy's quotes
block instead of conflating (so every tick reaches it and every K-th one
becomes an order, however far behind it is); risk's limits are wide and its
throttle off so it approves every order, and its protective stops are never
armed (one order per signal, as in the bare chain); logging is at ``error``
(the daemon logs every signal and decision at ``info``). The signal id
carries its tick's time; the k-th approved decision is the k-th order the
session names, and the i-th fill booked brings the strategy's position to
i shares, which is how each fill is traced back to its tick exactly.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Final

import msgspec
import trio

import runtime
from actors.broker import broker_session, session_name
from actors.messages import (
    Bar,
    ExternalAlert,
    Fill,
    Instrument,
    OrderUpdate,
    PositionUpdate,
    Quote,
    RiskDecision,
    RiskRejected,
    Signal,
    SignalAction,
    TradingState,
)
from actors.portfolio import PORTFOLIO_SUBSCRIPTIONS, portfolio_actor
from actors.risk import RiskConfig, risk_actor, risk_subscriptions
from actors.strategies import strategy_actor, strategy_actor_name, strategy_subscriptions
from adapters.paper import LatencyModel, PaperConfig, PaperVenue
from runtime import (
    ChildSpec,
    MailboxReader,
    Strategy,
    Subscribe,
    SupervisorSpec,
    Tree,
    configure_logging,
    open_tree,
)
from runtime.journal import journal_actor
from tradeloop._journaling import JOURNAL, JOURNAL_TYPES, JournalPort, load_portfolio_history

ACCOUNT: Final = "bench"
SYMBOL: Final = "AAPL"
STRATEGY: Final = "bench"
QUANTITY: Final = Decimal(1)
CASH: Final = Decimal(10**9)
BID: Final = Decimal("100.00")
ASK: Final = Decimal("100.02")
SIZE: Final = Decimal(10**6)
BATCH: Final = 64  # bare channels: messages between checkpoints
CAPACITY: Final = 1024  # bare channels: the kernel's default mailbox capacity
WAIT: Final = 120.0  # seconds the last fill may take before the bench gives up
INSTRUMENTS: Final = {SYMBOL: Instrument(symbol=SYMBOL)}

RISK: Final = RiskConfig(
    max_position_fraction=Decimal(1),
    max_gross_exposure=Decimal(1),
    max_heat=Decimal(1),
    max_order_notional=Decimal(10**9),
    throttle_orders=10**9,
    throttle_period=1.0,
    rearm_delay=1e9,  # protective stops stay unarmed: one order per signal
)


class EveryNth:
    """Buys one share on every ``every``-th quote; the signal id carries the quote's time."""

    def __init__(self, every: int) -> None:
        self._every = every
        self._seen = 0

    @property
    def name(self) -> str:
        return STRATEGY

    @property
    def symbols(self) -> tuple[str, ...]:
        return (SYMBOL,)

    @property
    def lookback(self) -> int:
        return 0

    @property
    def uses_market_data(self) -> bool:
        return True

    def warm_up(self, bars: Iterable[Bar]) -> None:
        """Nothing to rebuild: it counts quotes."""

    def restore(self, positions: Iterable[PositionUpdate]) -> None:
        """Nothing to take back: it never exits."""

    def on_quote(self, quote: Quote) -> Sequence[Signal]:
        self._seen += 1
        if self._seen % self._every:
            return ()
        signal = Signal(
            signal_id=f"{STRATEGY}-{self._seen}@{quote.ts!r}",
            strategy=STRATEGY,
            symbol=quote.symbol,
            action=SignalAction.BUY,
            ts=quote.ts,
            quantity=QUANTITY,
            reason="every nth quote",
        )
        return (signal,)

    def on_bar(self, bar: Bar) -> Sequence[Signal]:
        return ()

    def on_fill(self, fill: Fill) -> Sequence[Signal]:
        return ()

    def on_alert(self, alert: ExternalAlert) -> Sequence[Signal]:
        return ()

    def on_trading_state(self, state: TradingState) -> Sequence[Signal]:
        return ()


def tree_spec(journal: Path, venue: PaperVenue, every: int) -> SupervisorSpec:
    """The daemon's order path, cut down; any crash ends the run (intensity 0)."""
    subscriptions = tuple(
        Subscribe(Quote) if sub.message_type is Quote else sub
        for sub in strategy_subscriptions(EveryNth(every))
    )
    return SupervisorSpec(
        name="root",
        strategy=Strategy.REST_FOR_ONE,
        intensity=0,
        children=(
            ChildSpec(
                name=JOURNAL,
                actor=journal_actor(journal, JOURNAL_TYPES, io="thread"),
                mailbox_capacity=4096,
            ),
            ChildSpec(
                name="portfolio",
                actor=portfolio_actor(INSTRUMENTS, load_history=load_portfolio_history),
                subscriptions=PORTFOLIO_SUBSCRIPTIONS,
            ),
            ChildSpec(
                name="risk",
                actor=risk_actor(
                    INSTRUMENTS.values(), RISK, account=ACCOUNT, broker=session_name(ACCOUNT)
                ),
                subscriptions=risk_subscriptions(),
            ),
            ChildSpec(
                name=session_name(ACCOUNT),
                actor=broker_session(venue.client(ACCOUNT), JournalPort()),
                mailbox_capacity=4096,
            ),
            ChildSpec(
                name=strategy_actor_name(STRATEGY),
                actor=strategy_actor(lambda: EveryNth(every)),
                subscriptions=subscriptions,
            ),
        ),
    )


@dataclass
class Probe:
    """Reads what the tree publishes about the bench strategy's orders, in order."""

    inbox: MailboxReader
    signal_ts: list[float] = field(default_factory=list)  # per approved entry, in order
    orders: dict[str, int] = field(default_factory=dict)  # client order id -> entry number
    fills: list[str] = field(default_factory=list)  # client order ids, in booking order
    booked: list[tuple[Decimal, float]] = field(default_factory=list)  # (position, ts)
    rejected: list[RiskRejected] = field(default_factory=list)
    position: Decimal = Decimal(0)
    target: Decimal = Decimal(math.inf)
    reached: trio.Event = field(default_factory=trio.Event)

    async def run(self) -> None:
        while True:
            for message in await self.inbox.receive_batch(1024):
                self.take(message)

    def take(self, message: object) -> None:
        if isinstance(message, PositionUpdate):
            if message.strategy == STRATEGY:
                self.booked.append((message.quantity, message.ts))
                self.position = message.quantity
                if self.position >= self.target:
                    self.reached.set()
        elif isinstance(message, Fill):
            if message.strategy == STRATEGY:
                self.fills.append(message.client_order_id)
        elif isinstance(message, OrderUpdate):
            if message.strategy == STRATEGY:
                self.orders.setdefault(message.client_order_id, len(self.orders))
        elif isinstance(message, RiskDecision):
            if message.strategy == STRATEGY and any(leg.purpose == "entry" for leg in message.legs):
                self.signal_ts.append(float(message.signal_id.partition("@")[2]))
        elif isinstance(message, RiskRejected):
            self.rejected.append(message)

    async def reach(self, position: Decimal) -> None:
        """Wait until the strategy's booked position is ``position`` or more."""
        self.target, self.reached = position, trio.Event()
        if self.position < position:
            await self.reached.wait()

    def latencies(self, since: float) -> list[float]:
        """Seconds from tick to booked fill, for every order whose tick came at ``since`` or later.

        The i-th fill booked (one share each) is the first PositionUpdate at i shares or more.
        """
        if len(self.orders) != len(self.signal_ts):
            raise RuntimeError(f"{len(self.orders)} orders for {len(self.signal_ts)} decisions")
        out: list[float] = []
        updates = iter(self.booked)
        position, ts = Decimal(0), -math.inf
        for count, client_order_id in enumerate(self.fills, 1):
            while position < count:
                position, ts = next(updates)
            tick = self.signal_ts[self.orders[client_order_id]]
            if tick >= since:
                out.append(ts - tick)
        return out


class Market:
    """The bench's market: each tick reaches the venue, then the tree."""

    def __init__(self, tree: Tree, venue: PaperVenue) -> None:
        self.registry = tree.registry
        self.clock = tree.clock
        self.venue = venue

    async def tick(self) -> None:
        quote = Quote(
            symbol=SYMBOL,
            ts=self.clock.time(),
            bid=BID,
            ask=ASK,
            bid_size=SIZE,
            ask_size=SIZE,
        )
        self.venue.on_quote(quote)
        await self.registry.publish(quote)


@dataclass(frozen=True)
class Run:
    seconds: float  # first tick to the last fill booked
    latencies: list[float]


async def real_pipeline(journal: Path, ticks: int, every: int, rate: float | None) -> Run:
    """``ticks`` through a fresh tree, paced at ``rate`` per second or as fast as it goes."""
    clock = runtime.Clock()
    venue = PaperVenue(
        INSTRUMENTS,
        PaperConfig(latency=LatencyModel(base=0, jitter=0)),
        rng=random.Random(1),
        clock=clock,
        state_path=None,
    )
    venue.open_account(ACCOUNT, CASH)
    async with open_tree(tree_spec(journal, venue, every), clock=clock) as tree:
        probe = Probe(
            tree.inbox(
                "bench-probe",
                Subscribe(RiskDecision),
                Subscribe(RiskRejected),
                Subscribe(OrderUpdate),
                Subscribe(Fill),
                Subscribe(PositionUpdate),
                capacity=1 << 20,
            )
        )
        market = Market(tree, venue)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(probe.run)
            # Until risk knows the account's equity it refuses: tick until one order is booked.
            for _ in range(100):
                for _ in range(every):
                    await market.tick()
                with trio.move_on_after(0.1):
                    await probe.reach(Decimal(1))
                if probe.position >= 1:
                    break
            else:
                raise RuntimeError(f"no order booked while warming up: {probe.rejected[-1:]}")
            await trio.sleep(0.2)  # let any signal still on its way reach risk
            with trio.fail_after(WAIT):  # quiet before timing
                await probe.reach(Decimal(len(probe.signal_ts)))
            refused = len(probe.rejected)
            target = probe.position + ticks // every
            start = trio.current_time()
            since = clock.time()
            if rate is None:
                for _ in range(ticks):
                    await market.tick()
            else:
                next_at = start
                for _ in range(ticks):
                    await trio.sleep_until(next_at)
                    await market.tick()
                    next_at += 1 / rate
            with trio.move_on_after(WAIT):
                await probe.reach(target)
            if probe.position < target:
                raise RuntimeError(
                    f"position {probe.position} of {target} after {WAIT:g}s; "
                    f"refusals: {probe.rejected[refused:][:3]}"
                )
            if len(probe.rejected) > refused:
                raise RuntimeError(f"risk refused bench orders: {probe.rejected[refused:][:3]}")
            booked_at = clock.to_monotonic(probe.booked[-1][1])
            nursery.cancel_scope.cancel()
        return Run(seconds=booked_at - start, latencies=probe.latencies(since))


class Tick(msgspec.Struct, frozen=True):
    n: int
    ts: float


async def _forward(send: trio.MemorySendChannel[Tick], tick: Tick, count: int) -> None:
    try:
        send.send_nowait(tick)
    except trio.WouldBlock:
        await send.send(tick)
        return
    if count % BATCH == 0:
        await trio.lowlevel.checkpoint()


async def _receive(receive: trio.MemoryReceiveChannel[Tick]) -> Tick:
    try:
        return receive.receive_nowait()
    except trio.WouldBlock:
        return await receive.receive()


async def bare_pipeline(ticks: int, every: int, rate: float | None) -> Run:
    """The same hops as five tasks on memory channels: strategy, risk, session, venue, portfolio."""
    hops = 5
    channels = [trio.open_memory_channel[Tick](CAPACITY) for _ in range(hops)]
    orders = ticks // every
    latencies: list[float] = []
    done = trio.Event()
    booked_at = math.nan

    async def strategy() -> None:
        receive, send = channels[0][1], channels[1][0]
        seen = sent = 0
        while True:
            tick = await _receive(receive)
            seen += 1
            if seen % every == 0:
                sent += 1
                await _forward(send, tick, sent)
            elif seen % BATCH == 0:
                await trio.lowlevel.checkpoint()

    async def hop(i: int) -> None:
        receive, send = channels[i][1], channels[i + 1][0]
        count = 0
        while True:
            count += 1
            await _forward(send, await _receive(receive), count)

    async def portfolio() -> None:
        nonlocal booked_at
        receive = channels[-1][1]
        while len(latencies) < orders:
            tick = await _receive(receive)
            booked_at = trio.current_time()
            latencies.append(booked_at - tick.ts)
            if len(latencies) % BATCH == 0:
                await trio.lowlevel.checkpoint()
        done.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(strategy)
        for i in range(1, hops - 1):
            nursery.start_soon(hop, i)
        nursery.start_soon(portfolio)
        first = channels[0][0]
        start = trio.current_time()
        if rate is None:
            for n in range(1, ticks + 1):
                await _forward(first, Tick(n=n, ts=trio.current_time()), n)
        else:
            next_at = start
            for n in range(1, ticks + 1):
                await trio.sleep_until(next_at)
                await _forward(first, Tick(n=n, ts=trio.current_time()), n)
                next_at += 1 / rate
        with trio.fail_after(WAIT):
            await done.wait()
        nursery.cancel_scope.cancel()
    return Run(seconds=booked_at - start, latencies=latencies)


def _real(data_dir: Path | None, ticks: int, every: int, rate: float | None) -> Run:
    with tempfile.TemporaryDirectory(prefix="tradeloop-bench-", dir=data_dir) as directory:
        return trio.run(real_pipeline, Path(directory) / "journal.sqlite", ticks, every, rate)


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49], cuts[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=10_000, help="ticks per run")
    parser.add_argument("--every", type=int, default=10, help="an order every K ticks")
    parser.add_argument("--rate", type=float, default=1000.0, help="paced ticks per second")
    parser.add_argument("--repeat", type=int, default=3, help="saturation runs (best counts)")
    parser.add_argument("--data-dir", type=Path, default=None, help="where journals go")
    args = parser.parse_args()
    if args.ticks < 2 * args.every or args.every < 1 or args.repeat < 1 or args.rate <= 0:
        parser.error("need --every >= 1, --ticks >= 2 * --every, --repeat >= 1, --rate > 0")
    configure_logging("error")
    ticks = args.ticks - args.ticks % args.every
    orders = ticks // args.every

    real = min(_real(args.data_dir, ticks, args.every, None).seconds for _ in range(args.repeat))
    bare = min(trio.run(bare_pipeline, ticks, args.every, None).seconds for _ in range(args.repeat))
    real_paced = _real(args.data_dir, ticks, args.every, args.rate)
    bare_paced = trio.run(bare_pipeline, ticks, args.every, args.rate)
    real_p50, real_p99 = _percentiles(real_paced.latencies)
    bare_p50, bare_p99 = _percentiles(bare_paced.latencies)

    print("tick -> strategy -> risk -> broker session -> paper venue -> portfolio, real time")
    print(
        f"{ticks:,} ticks per run, an order every {args.every} ticks ({orders:,} orders); "
        f"throughput best of {args.repeat}; latency at {args.rate:,.0f} ticks/s "
        f"over {len(real_paced.latencies):,} orders"
    )
    print(f"{'':<24}{'real actors':>14}{'bare channels':>16}{'real/bare':>11}{'target':>10}")
    print(
        f"{'throughput ticks/s':<24}{ticks / real:>14,.0f}{ticks / bare:>16,.0f}"
        f"{bare / real:>10.1%} {'>= 50%':>9}"
    )
    print(f"{'  orders/s':<24}{orders / real:>14,.0f}{orders / bare:>16,.0f}")
    print(f"{'latency p50 µs':<24}{real_p50 * 1e6:>14,.1f}{bare_p50 * 1e6:>16,.1f}")
    print(
        f"{'latency p99 µs':<24}{real_p99 * 1e6:>14,.1f}{bare_p99 * 1e6:>16,.1f}"
        f"{real_p99 / bare_p99:>10.1f}x {'<= 2x':>9}"
    )
    print(
        f"{'latency max µs':<24}{max(real_paced.latencies) * 1e6:>14,.1f}"
        f"{max(bare_paced.latencies) * 1e6:>16,.1f}"
    )


if __name__ == "__main__":
    main()
