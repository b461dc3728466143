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

Two bare pipelines run the same ticks through the same hops as tasks
chained by trio memory channels drained with ``*_nowait`` (a checkpoint
every 64 messages):

* **bare, same work** (what the targets compare with): each hop does the
  work the order path cannot do without, with the same objects: the
  strategy task runs :class:`EveryNth`; the risk task turns its signal into
  an :class:`Order`; the session task names it, appends it to a journal
  opened as the daemon opens it (its own SQLite file, thread I/O, WAL,
  ``synchronous=FULL``) and only then submits it to the same kind of paper
  venue; a venue task reads the venue's update stream and hands executions
  to a fills task that journals each before passing it on; the portfolio
  task books it in a :class:`~actors.portfolio.Ledger`. The session and
  fills tasks drain what waits in their channel and journal it in one
  append (one fsync), as the session actor's writer does. What it leaves
  out is what the actors add: risk's sizing and limits, the session's
  order book, status records and reconciliation, publication to
  subscribers, supervision. So the ratio is the price of the actor tree
  over hand-wired tasks doing the same durable work. (Against empty hops
  the targets would ask a durable order path, two fsynced writes per
  order, to match channels that do nothing.)
* **bare, empty hops**: the same chain passing a small struct along and
  doing nothing else: the cost of the channels alone, for scale.

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
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Final, TypeVar

import msgspec
import trio

import runtime
from actors.broker import broker_session, session_name
from actors.messages import (
    Bar,
    ExternalAlert,
    Fill,
    Instrument,
    Order,
    OrderUpdate,
    PositionUpdate,
    Quote,
    RiskDecision,
    RiskRejected,
    Side,
    Signal,
    SignalAction,
    TradingState,
    make_client_order_id,
)
from actors.portfolio import PORTFOLIO_SUBSCRIPTIONS, Ledger, portfolio_actor
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
    freeze_heap,
    open_tree,
)
from runtime.journal import Journal, journal_actor, open_journal
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


def quote_now(clock: runtime.Clock) -> Quote:
    return Quote(symbol=SYMBOL, ts=clock.time(), bid=BID, ask=ASK, bid_size=SIZE, ask_size=SIZE)


def paper_venue(clock: runtime.Clock, ticks: int) -> PaperVenue:
    """A paper venue with no latency and no state file, the bench account opened.

    Its update streams hold every event of a run (three per order at most): a
    chain that submits a drained batch of orders back to back must not find
    its own reader disconnected for falling behind.
    """
    venue = PaperVenue(
        INSTRUMENTS,
        PaperConfig(latency=LatencyModel(base=0, jitter=0), stream_capacity=3 * ticks + 1000),
        rng=random.Random(1),
        clock=clock,
        state_path=None,
    )
    venue.open_account(ACCOUNT, CASH)
    return venue


class Market:
    """The bench's market: each tick reaches the venue, then the tree."""

    def __init__(self, tree: Tree, venue: PaperVenue) -> None:
        self.registry = tree.registry
        self.clock = tree.clock
        self.venue = venue

    async def tick(self) -> None:
        quote = quote_now(self.clock)
        self.venue.on_quote(quote)
        await self.registry.publish(quote)


async def drive(tick: Callable[[], Awaitable[None]], ticks: int, rate: float | None) -> float:
    """Call ``tick`` ``ticks`` times, paced at ``rate`` per second or back to back.

    Returns when the first tick came (trio's clock).
    """
    start = trio.current_time()
    if rate is None:
        for _ in range(ticks):
            await tick()
        return start
    next_at = start
    for _ in range(ticks):
        await trio.sleep_until(next_at)
        await tick()
        next_at += 1 / rate
    return start


@dataclass(frozen=True)
class Run:
    seconds: float  # first tick to the last fill booked
    latencies: list[float]


async def real_pipeline(journal: Path, ticks: int, every: int, rate: float | None) -> Run:
    """``ticks`` through a fresh tree, paced at ``rate`` per second or as fast as it goes."""
    clock = runtime.Clock()
    venue = paper_venue(clock, ticks)
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
            since = clock.time()
            start = await drive(market.tick, ticks, rate)
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


T = TypeVar("T")


async def _forward(send: trio.MemorySendChannel[T], item: T, count: int) -> None:
    try:
        send.send_nowait(item)
    except trio.WouldBlock:
        await send.send(item)
        return
    if count % BATCH == 0:
        await trio.lowlevel.checkpoint()


async def _receive(receive: trio.MemoryReceiveChannel[T]) -> T:
    try:
        return receive.receive_nowait()
    except trio.WouldBlock:
        return await receive.receive()


async def _drain(receive: trio.MemoryReceiveChannel[T]) -> list[T]:
    """Everything waiting in ``receive`` (at least one item, at most :data:`CAPACITY`)."""
    items = [await _receive(receive)]
    while len(items) < CAPACITY:
        try:
            items.append(receive.receive_nowait())
        except trio.WouldBlock:
            break
    return items


def _channel(item: type[T]) -> tuple[trio.MemorySendChannel[T], trio.MemoryReceiveChannel[T]]:
    return trio.open_memory_channel[T](CAPACITY)


async def working_pipeline(journal_path: Path, ticks: int, every: int, rate: float | None) -> Run:
    """The same hops doing the order path's own work, as tasks on memory channels.

    strategy -> risk -> session (journal, then venue) ; venue stream -> fills
    (journal) -> portfolio (ledger). See the module docstring.
    """
    clock = runtime.Clock()
    venue = paper_venue(clock, ticks)
    client = venue.client(ACCOUNT)
    strategy = EveryNth(every)
    ledger = Ledger(ACCOUNT)
    ledger.open(CASH, clock.time())
    quotes, signals, orders = _channel(Quote), _channel(Signal), _channel(Order)
    executions, journaled = _channel(Fill), _channel(Fill)
    ticked: dict[str, float] = {}  # client order id -> its tick's time
    total = ticks // every
    latencies: list[float] = []
    done = trio.Event()
    booked_at = math.nan

    async def strategy_hop() -> None:
        seen = sent = 0
        while True:
            quote = await _receive(quotes[1])
            seen += 1
            for signal in strategy.on_quote(quote):
                sent += 1
                await _forward(signals[0], signal, sent)
            if seen % BATCH == 0:
                await trio.lowlevel.checkpoint()

    async def risk_hop() -> None:
        count = 0
        while True:
            signal = await _receive(signals[1])
            count += 1
            order = Order(
                client_order_id="",
                account=ACCOUNT,
                symbol=signal.symbol,
                side=Side.BUY,
                quantity=signal.quantity or QUANTITY,
                strategy=signal.strategy,
                ts=clock.time(),
                intent_id=signal.signal_id,
            )
            await _forward(orders[0], order, count)

    async def session_hop(journal: Journal) -> None:
        count = 0
        while True:
            named: list[Order] = []
            for order in await _drain(orders[1]):
                count += 1
                cid = make_client_order_id(ACCOUNT, count)
                named.append(msgspec.structs.replace(order, client_order_id=cid))
                ticked[cid] = float(order.intent_id.partition("@")[2])
            await journal.append(named, clock.time())
            for order in named:
                await client.submit(order)

    async def venue_hop() -> None:
        count = 0
        async with client.open_updates() as stream:
            async for event in stream:
                if isinstance(event, Fill):
                    count += 1
                    await _forward(executions[0], event, count)

    async def fills_hop(journal: Journal) -> None:
        count = 0
        while True:
            fills = await _drain(executions[1])
            await journal.append(fills, clock.time())
            for fill in fills:
                count += 1
                await _forward(journaled[0], fill, count)

    async def portfolio_hop() -> None:
        nonlocal booked_at
        while len(latencies) < total:
            fill = await _receive(journaled[1])
            ledger.apply_fill(fill, INSTRUMENTS[SYMBOL])
            booked_at = trio.current_time()
            latencies.append(clock.time() - ticked[fill.client_order_id])
            if len(latencies) % BATCH == 0:
                await trio.lowlevel.checkpoint()
        done.set()

    async def tick() -> None:
        quote = quote_now(clock)
        venue.on_quote(quote)
        await _forward(quotes[0], quote, 1)

    async with (
        open_journal(journal_path, JOURNAL_TYPES, io="thread") as journal,
        trio.open_nursery() as nursery,
    ):
        for hop in (strategy_hop, risk_hop, venue_hop, portfolio_hop):
            nursery.start_soon(hop)
        nursery.start_soon(session_hop, journal)
        nursery.start_soon(fills_hop, journal)
        await trio.sleep(0.01)  # the venue's update stream is open
        start = await drive(tick, ticks, rate)
        with trio.fail_after(WAIT):
            await done.wait()
        nursery.cancel_scope.cancel()
    return Run(seconds=booked_at - start, latencies=latencies)


class Tick(msgspec.Struct, frozen=True):
    n: int
    ts: float


async def empty_pipeline(ticks: int, every: int, rate: float | None) -> Run:
    """The same five hops as tasks on memory channels, passing a Tick and doing nothing else."""
    hops = 5
    channels = [_channel(Tick) for _ in range(hops)]
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

    count = 0

    async def tick() -> None:
        nonlocal count
        count += 1
        await _forward(channels[0][0], Tick(n=count, ts=trio.current_time()), count)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(strategy)
        for i in range(1, hops - 1):
            nursery.start_soon(hop, i)
        nursery.start_soon(portfolio)
        start = await drive(tick, ticks, rate)
        with trio.fail_after(WAIT):
            await done.wait()
        nursery.cancel_scope.cancel()
    return Run(seconds=booked_at - start, latencies=latencies)


def _in_fresh_dir(data_dir: Path | None, run: Callable[[Path], Run]) -> Run:
    with tempfile.TemporaryDirectory(prefix="tradeloop-bench-", dir=data_dir) as directory:
        return run(Path(directory) / "journal.sqlite")


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49], cuts[98]


@dataclass(frozen=True)
class Figures:
    """One pipeline's figures: throughput at saturation and paced latency."""

    seconds: float  # best saturated run, first tick to last fill
    paced: list[float]  # tick-to-fill latencies at the paced rate

    @property
    def p50(self) -> float:
        return _percentiles(self.paced)[0]

    @property
    def p99(self) -> float:
        return _percentiles(self.paced)[1]


def measure(run: Callable[[float | None], Run], repeat: int, rate: float) -> Figures:
    seconds = min(run(None).seconds for _ in range(repeat))
    return Figures(seconds=seconds, paced=run(rate).latencies)


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
    freeze_heap()  # as the daemon does once it has started
    ticks = args.ticks - args.ticks % args.every
    orders = ticks // args.every
    every, data_dir = args.every, args.data_dir

    real = measure(
        lambda rate: _in_fresh_dir(
            data_dir, lambda path: trio.run(real_pipeline, path, ticks, every, rate)
        ),
        args.repeat,
        args.rate,
    )
    working = measure(
        lambda rate: _in_fresh_dir(
            data_dir, lambda path: trio.run(working_pipeline, path, ticks, every, rate)
        ),
        args.repeat,
        args.rate,
    )
    empty = measure(
        lambda rate: trio.run(empty_pipeline, ticks, every, rate), args.repeat, args.rate
    )

    print("tick -> strategy -> risk -> broker session -> paper venue -> portfolio, real time")
    print(
        f"{ticks:,} ticks per run, an order every {every} ticks ({orders:,} orders); "
        f"throughput best of {args.repeat}; latency at {args.rate:,.0f} ticks/s "
        f"over {len(real.paced):,} orders; journals in {data_dir or tempfile.gettempdir()}"
    )
    print(
        f"{'':<22}{'real actors':>13}{'bare, same work':>17}{'real/bare':>11}{'target':>8}"
        f"{'bare, empty':>13}"
    )
    print(
        f"{'throughput ticks/s':<22}{ticks / real.seconds:>13,.0f}"
        f"{ticks / working.seconds:>17,.0f}{working.seconds / real.seconds:>10.1%}"
        f"{'>= 50%':>9}{ticks / empty.seconds:>13,.0f}"
    )
    print(
        f"{'  orders/s':<22}{orders / real.seconds:>13,.0f}"
        f"{orders / working.seconds:>17,.0f}{'':>19}{orders / empty.seconds:>13,.0f}"
    )
    print(
        f"{'latency p50 µs':<22}{real.p50 * 1e6:>13,.1f}{working.p50 * 1e6:>17,.1f}"
        f"{'':>19}{empty.p50 * 1e6:>13,.1f}"
    )
    print(
        f"{'latency p99 µs':<22}{real.p99 * 1e6:>13,.1f}{working.p99 * 1e6:>17,.1f}"
        f"{real.p99 / working.p99:>10.1f}x{'<= 2x':>8}{empty.p99 * 1e6:>13,.1f}"
    )
    print(
        f"{'latency max µs':<22}{max(real.paced) * 1e6:>13,.1f}"
        f"{max(working.paced) * 1e6:>17,.1f}{'':>19}{max(empty.paced) * 1e6:>13,.1f}"
    )


if __name__ == "__main__":
    main()
