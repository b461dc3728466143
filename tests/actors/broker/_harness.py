"""A real tree for the broker session: journal, session (and portfolio), a paper venue.

Tests drive the real session the way the daemon runs it: its journal is the
journal actor on a file (reached through :class:`tradeloop._journaling.JournalPort`),
its venue a :class:`adapters.paper.PaperVenue` the test feeds quotes and trades,
and orders arrive told to it as risk tells them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import trio

import runtime
from actors.broker import SessionConfig, broker_session, session_name
from actors.messages import (
    Alert,
    Fill,
    Instrument,
    InstrumentKind,
    Order,
    OrderStatus,
    OrderType,
    OrderUpdate,
    Quote,
    ReconciliationReport,
    Side,
    TimeInForce,
    Trade,
)
from actors.portfolio import PORTFOLIO_SUBSCRIPTIONS, portfolio_actor
from adapters.broker import BrokerClient
from adapters.paper import LatencyModel, PaperConfig, PaperVenue
from runtime import (
    ActorCrashed,
    ActorRestarting,
    Backoff,
    ChildSpec,
    MailboxReader,
    Message,
    Strategy,
    Subscribe,
    SupervisorSpec,
    Tree,
    open_tree,
)
from runtime.journal import JournalFaults, ReadAfter, Records, journal_actor
from tradeloop._journaling import (
    JOURNAL,
    JOURNAL_TYPES,
    JournalPort,
    load_portfolio_history,
    save_portfolio,
)

ACCOUNT = "paper"
SESSION = session_name(ACCOUNT)
AAPL = Instrument(symbol="AAPL")
MSFT = Instrument(symbol="MSFT")
MES = Instrument(
    symbol="MES", kind=InstrumentKind.FUTURE, tick_size=Decimal("0.25"), multiplier=Decimal(5)
)
INSTRUMENTS = {i.symbol: i for i in (AAPL, MSFT, MES)}
# Monday 2 March 2026, 09:30 New York: the session closes 6.5 hours later.
ORIGIN = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC).timestamp()
# Snapshots every few records, so every test also restarts from snapshots and compacts.
CONFIG = SessionConfig(
    request_timeout=5.0,
    resolve_interval=1.0,
    resolve_grace=10.0,
    max_hold=30.0,
    snapshot_every=5,
)
BACKOFF = Backoff(initial=1.0, multiplier=2.0, max=8.0, jitter=0.0, reset_after=60.0)
FIXED_LATENCY = LatencyModel(base=0.01, jitter=0.0)

M = TypeVar("M")


def make_venue(
    clock: runtime.Clock,
    *,
    config: PaperConfig | None = None,
    state_path: Path | None = None,
    cash: Decimal = Decimal(1_000_000),
    seed: int = 7,
) -> PaperVenue:
    """A venue with the test account on ``clock``; call inside trio."""
    venue = PaperVenue(
        INSTRUMENTS,
        config if config is not None else PaperConfig(latency=FIXED_LATENCY),
        rng=random.Random(seed),
        clock=clock,
        state_path=state_path,
        io="inline",  # virtual time
    )
    venue.open_account(ACCOUNT, cash)
    return venue


# The quotes most tests start from: a tight market in each symbol.
OPENING_QUOTES = {"AAPL": ("100.00", "100.02"), "MSFT": ("250.00", "250.05")}


def quoted_venue(*symbols: str) -> PaperVenue:
    """A venue at ORIGIN with the opening quote of each of ``symbols``."""
    venue = make_venue(runtime.Clock(origin=ORIGIN))
    for symbol in symbols:
        quote(venue, symbol, *OPENING_QUOTES[symbol])
    return venue


def tree_spec(
    journal_path: Path,
    venue: PaperVenue,
    config: SessionConfig = CONFIG,
    *,
    portfolio: bool = False,
    journal_faults: JournalFaults | None = None,
    root: Strategy = Strategy.REST_FOR_ONE,
    client: BrokerClient | None = None,
) -> SupervisorSpec:
    """The daemon's shape, cut down: journal, (portfolio,) brokers/broker-paper.

    The session reaches ``venue`` through ``client`` when given (a client
    that misbehaves the way a real venue's can), else through its own client.
    """
    children: list[ChildSpec | SupervisorSpec] = [
        ChildSpec(
            name=JOURNAL,
            actor=journal_actor(journal_path, JOURNAL_TYPES, io="inline", faults=journal_faults),
            mailbox_capacity=4096,
        )
    ]
    if portfolio:
        children.append(
            ChildSpec(
                name="portfolio",
                actor=portfolio_actor(
                    INSTRUMENTS,
                    load_history=load_portfolio_history,
                    save_snapshot=save_portfolio,
                    snapshot_every=5,
                ),
                subscriptions=PORTFOLIO_SUBSCRIPTIONS,
            )
        )
    children.append(
        SupervisorSpec(
            name="brokers",
            strategy=Strategy.ONE_FOR_ONE,
            intensity=3,
            period=5.0,
            backoff=BACKOFF,
            children=(
                ChildSpec(
                    name=SESSION,
                    actor=broker_session(client or venue.client(ACCOUNT), JournalPort(), config),
                    mailbox_capacity=4096,
                ),
            ),
        )
    )
    return SupervisorSpec(
        name="root",
        strategy=root,
        intensity=3,
        period=5.0,
        backoff=BACKOFF,
        children=tuple(children),
    )


def order(
    symbol: str,
    side: Side,
    quantity: int | str,
    *,
    order_type: OrderType = OrderType.MARKET,
    limit: str | None = None,
    stop: str | None = None,
    tif: TimeInForce = TimeInForce.DAY,
    strategy: str = "trend",
    ts: float = 0.0,
) -> Order:
    """An approved order as risk tells it (the session names it)."""
    return Order(
        client_order_id="",
        account=ACCOUNT,
        symbol=symbol,
        side=side,
        quantity=Decimal(quantity),
        order_type=order_type,
        limit_price=None if limit is None else Decimal(limit),
        stop_price=None if stop is None else Decimal(stop),
        time_in_force=tif,
        strategy=strategy,
        ts=ts,
    )


def quote(
    venue: PaperVenue,
    symbol: str,
    bid: str,
    ask: str,
    *,
    bid_size: int = 1000,
    ask_size: int = 1000,
) -> None:
    venue.on_quote(
        Quote(
            symbol=symbol,
            ts=venue.clock.time(),
            bid=Decimal(bid),
            ask=Decimal(ask),
            bid_size=Decimal(bid_size),
            ask_size=Decimal(ask_size),
        )
    )


def trade(venue: PaperVenue, symbol: str, price: str, size: int) -> None:
    venue.on_trade(
        Trade(symbol=symbol, ts=venue.clock.time(), price=Decimal(price), size=Decimal(size))
    )


async def journal(tree: Tree, *tags: str) -> list[Message]:
    """What the journal holds (of ``tags``, when given), read back from the actor."""
    page: Records = await tree.ref(JOURNAL).ask(ReadAfter(after=0, types=tags or None), timeout=10)
    return [record.payload for record in page.records]


class Probe:
    """What the session publishes, kept in arrival order so a test can wait and look back."""

    def __init__(self, reader: MailboxReader) -> None:
        self.reader = reader
        self.seen: list[Any] = []

    def mark(self) -> int:
        """Where the probe is now: ``wait(after=mark)`` looks only at what comes later."""
        self._pull()
        return len(self.seen)

    async def wait(
        self,
        kind: type[M],
        where: Callable[[M], bool] = lambda _: True,
        *,
        after: int = 0,
        within: float = 120.0,
    ) -> M:
        """The first message of ``kind`` matching ``where`` at or after ``after``."""
        with trio.fail_after(within):
            index = after
            while True:
                while index < len(self.seen):
                    message = self.seen[index]
                    index += 1
                    if isinstance(message, kind) and where(message):
                        return message
                self.seen.append(await self.reader.receive())

    async def status(self, client_order_id: str, *statuses: OrderStatus) -> OrderUpdate:
        """The first update of ``client_order_id`` with one of ``statuses``."""
        return await self.wait(
            OrderUpdate, lambda u: u.client_order_id == client_order_id and u.status in statuses
        )

    async def settle(self, seconds: float = 5.0) -> None:
        """Let ``seconds`` of virtual time pass and take in what arrived."""
        await trio.sleep(seconds)
        self._pull()

    def of(self, kind: type[M], after: int = 0) -> list[M]:
        """What arrived of ``kind`` (since ``after``)."""
        self._pull()
        return [m for m in self.seen[after:] if isinstance(m, kind)]

    def updates(self, client_order_id: str | None = None) -> list[OrderUpdate]:
        """Every published order update (of one order when given)."""
        return [
            u
            for u in self.of(OrderUpdate)
            if client_order_id is None or u.client_order_id == client_order_id
        ]

    def _pull(self) -> None:
        while len(self.reader):
            self.seen.append(self.reader.receive_nowait())


def fills_in(records: list[Message]) -> list[Fill]:
    """The executions among journal records."""
    return [r for r in records if isinstance(r, Fill)]


_FORWARD = {
    OrderStatus.PENDING_SUBMIT: 0,
    OrderStatus.SUBMITTED: 1,
    OrderStatus.UNKNOWN: 1,  # submitted, outcome not known yet
    OrderStatus.ACCEPTED: 2,
    OrderStatus.PARTIALLY_FILLED: 3,
    OrderStatus.FILLED: 4,
    OrderStatus.CANCELED: 4,
    OrderStatus.REJECTED: 4,
    OrderStatus.EXPIRED: 4,
}


def backward_moves(updates: list[OrderUpdate]) -> list[str]:
    """Every published status change that went back (or left a terminal status)."""
    last: dict[str, OrderStatus] = {}
    wrong = []
    for update in updates:
        before = last.get(update.client_order_id)
        if before is not None and (
            _FORWARD[update.status] < _FORWARD[before]
            or (before.is_terminal and update.status is not before)
        ):
            wrong.append(f"{update.client_order_id}: {before} -> {update.status}")
        last[update.client_order_id] = update.status
    return wrong


@asynccontextmanager
async def running(
    journal_path: Path,
    venue: PaperVenue,
    config: SessionConfig = CONFIG,
    *,
    portfolio: bool = False,
    journal_faults: JournalFaults | None = None,
    root: Strategy = Strategy.REST_FOR_ONE,
    client: BrokerClient | None = None,
) -> AsyncIterator[tuple[Tree, Probe]]:
    """The tree, and a probe on what the session publishes, once it has reconciled."""
    spec = tree_spec(
        journal_path,
        venue,
        config,
        portfolio=portfolio,
        journal_faults=journal_faults,
        root=root,
        client=client,
    )
    async with open_tree(spec, clock=venue.clock) as tree:
        reader = tree.inbox(
            "probe",
            Subscribe(OrderUpdate),
            Subscribe(Fill),
            Subscribe(Alert),
            Subscribe(ReconciliationReport),
            Subscribe(ActorRestarting),
            Subscribe(ActorCrashed),
        )
        probe = Probe(reader)
        await probe.wait(ReconciliationReport)
        yield tree, probe
