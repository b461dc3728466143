"""The whole daemon in virtual time, from one seed, with faults on a schedule.

:func:`open_simulation` builds the daemon exactly as ``tradeloop run`` does
(``build_tree`` over ``open_world``), with three test-side additions that
touch no production code: every leaf actor is wrapped by a
:class:`~scenarios._switch.CrashSwitch` so any actor can be made to raise; the
journal gets :class:`~runtime.journal.JournalFaults`; and a probe records
breaker and supervision events. ``resubmit_on_timeout`` swaps in a broker
client that breaks invariant 1 on purpose (it resubmits after a timeout), so
the tests can show the checks catch it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import random
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path

import msgspec
import trio

from actors.broker import broker_session, session_name
from actors.gateway import Tokens
from actors.messages import (
    BreakerUpdate,
    ExternalAlert,
    GetPortfolio,
    Order,
    OrderUpdate,
    PortfolioSnapshot,
    RiskRejected,
    SignalAction,
)
from adapters.market import SyntheticMarket
from adapters.paper import DuplicateUpdates as VenueDuplicates
from adapters.paper import Outage, PaperBrokerClient, PaperVenue, Timeout
from adapters.paper import ReorderUpdates as VenueReorder
from adapters.paper import StopPartial as VenueStopPartial
from runtime import (
    ActorEvent,
    ChildSpec,
    Clock,
    Subscribe,
    SupervisorSpec,
    Tree,
    configure_logging,
    open_tree,
)
from runtime.errors import ActorUnavailable, AskInterrupted, AskTimeout
from runtime.journal import JournalFaults
from tradeloop._app import build_tree
from tradeloop._config import Config, JournalConfig
from tradeloop._daemon import Daemon
from tradeloop._journaling import JournalPort
from tradeloop._world import open_world

from ._faults import (
    ActorCrash,
    BrokerOutage,
    DeadClient,
    DuplicateUpdates,
    Fault,
    FeedDisconnect,
    FeedStall,
    JournalWriteFailure,
    PriceShock,
    ReorderUpdates,
    SlowClient,
    StopPartial,
    StrategyCrash,
)
from ._faults import (
    BrokerTimeout as BrokerTimeoutFault,
)
from ._monitor import MonitorClients
from ._switch import CrashSwitch, wrap_tree

__all__ = ["OPERATOR_TOKEN", "ORIGIN", "Simulation", "open_simulation", "simulation_config"]

# Monday 2026-09-21 13:33:20 UTC: inside the regular session, so the market trades.
ORIGIN = 1_790_000_000.0
OPERATOR_TOKEN = "sim-operator-token"
WEBHOOK_SECRET = "sim-webhook-secret"
_READY_TIMEOUT = 30.0  # simulated seconds for the account to become known


def simulation_config(config: Config | None = None, *, seed: int = 0) -> Config:
    """``config`` (the embedded default) made fit for a simulation: inline journal, ports 0."""
    config = config or Config()
    gateway = config.gateway
    return msgspec.structs.replace(
        config,
        runtime=msgspec.structs.replace(config.runtime, seed=seed),
        journal=JournalConfig(io="inline", verify=config.journal.verify, file=config.journal.file),
        gateway=msgspec.structs.replace(
            gateway,
            hub=msgspec.structs.replace(gateway.hub, port=0),
            http=msgspec.structs.replace(gateway.http, port=0),
        ),
    )


class _ResubmittingClient(PaperBrokerClient):
    """A deliberately wrong client: after a timeout it sends the same order again.

    It gives up waiting after ``patience`` (inside the session's own request
    timeout) and resubmits blindly, which is exactly what invariant 1 forbids.
    """

    def __init__(self, venue: PaperVenue, account: str, *, patience: float) -> None:
        super().__init__(venue, account)
        self._patience = patience

    async def submit(self, order: Order) -> OrderUpdate:
        with trio.move_on_after(self._patience):
            return await super().submit(order)
        return await super().submit(order)


class Simulation:
    """A running simulated daemon, its fault levers and what the probe saw."""

    def __init__(
        self,
        seed: int,
        daemon: Daemon,
        spec: SupervisorSpec,
        switch: CrashSwitch,
        journal_faults: JournalFaults,
        monitors: MonitorClients,
        nursery: trio.Nursery,
    ) -> None:
        self._nursery = nursery
        self.seed = seed
        self.daemon = daemon
        self.spec = spec
        self.switch = switch
        self.journal_faults = journal_faults
        self.monitors = monitors
        self.account = daemon.config.accounts[0].name
        self.started = daemon.world.clock.time()
        self.breaker_updates: list[BreakerUpdate] = []
        self.actor_events: list[ActorEvent] = []
        self.rejections: list[RiskRejected] = []
        self.applied: list[Fault] = []
        self.crashes: list[str] = []

    @property
    def tree(self) -> Tree:
        return self.daemon.tree

    @property
    def venue(self) -> PaperVenue:
        return self.daemon.world.venue

    @property
    def market(self) -> SyntheticMarket:
        market = self.daemon.world.market
        assert isinstance(market, SyntheticMarket)  # simulations run the synthetic world
        return market

    def now(self) -> float:
        """Seconds since the simulation started."""
        return self.daemon.world.clock.time() - self.started

    async def apply(self, fault: Fault) -> None:
        """Inject ``fault`` now."""
        self.applied.append(fault)
        venue_faults = self.venue.faults
        match fault:
            case BrokerOutage(duration=duration):
                venue_faults.schedule(Outage(end=duration))
            case BrokerTimeoutFault(count=count, mode=mode, operation=operation):
                venue_faults.schedule(
                    Timeout(next_n=count, mode=mode, operations=frozenset({operation}))
                )
            case DuplicateUpdates(duration=duration):
                venue_faults.schedule(VenueDuplicates(end=duration))
            case ReorderUpdates(duration=duration):
                venue_faults.schedule(VenueReorder(end=duration))
            case StopPartial(count=count, fraction=fraction, symbol=symbol):
                venue_faults.schedule(
                    VenueStopPartial(next_n=count, fraction=fraction, symbol=symbol)
                )
            case FeedDisconnect(duration=duration):
                self.market.disconnect(duration)
            case FeedStall(duration=duration):
                self.market.stall(duration)
            case PriceShock(symbol=symbol, drop=drop, over=over):
                self.market.shock(symbol, drop=drop, over=over)
            case StrategyCrash(strategy=strategy):
                self._crash(f"strategy-{strategy}")
            case ActorCrash(actor=actor):
                self._crash(actor)
            case JournalWriteFailure(count=count):
                self.journal_faults.fail_next_writes(count)
            case SlowClient():
                await self.monitors.open_slow()
            case DeadClient():
                await self.monitors.open_dead()

    async def until_trading(self) -> None:
        """Wait until the portfolio knows the account's money: risk refuses every order before.

        A simulation's clock starts with the tree; an alert told in its first
        moments reaches risk before the account's cash does and is refused.
        """
        portfolio = self.tree.ref("portfolio")
        with trio.move_on_after(_READY_TIMEOUT):
            while True:
                with contextlib.suppress(ActorUnavailable, AskInterrupted, AskTimeout):
                    snapshot = await portfolio.ask(GetPortfolio(), timeout=1.0)
                    assert isinstance(snapshot, PortfolioSnapshot)
                    if snapshot.portfolio.equity > 0:
                        return
                await trio.sleep(0.1)
        raise RuntimeError(f"the account's equity was not known within {_READY_TIMEOUT:g} s")

    async def alert(
        self,
        symbol: str,
        action: SignalAction,
        alert_id: str,
        quantity: Decimal | None = None,
    ) -> None:
        """Tell one TradingView-style alert to the alert strategy, as the webhook does."""
        await self.tree.ref("strategy-tradingview").tell(
            ExternalAlert(
                alert_id=alert_id,
                source="scenario",
                strategy="tradingview",
                symbol=symbol,
                action=action,
                ts=self.daemon.world.clock.time(),
                quantity=quantity,
            )
        )

    def start_alerts(self, every: float = 20.0, *, strategy: str = "tradingview") -> None:
        """Keep orders flowing: a seeded stream of TradingView-style alerts to ``strategy``.

        The bar-driven strategies need their windows filled before they
        trade; alerts make a short simulation exercise the order path at once.
        """
        rng = random.Random(f"{self.seed}/alerts")
        symbols = sorted(self.daemon.world.instruments)
        target = self.tree.ref(f"strategy-{strategy}")

        async def send() -> None:
            number = 0
            while True:
                await trio.sleep(every)
                number += 1
                action = rng.choice((SignalAction.BUY, SignalAction.SELL, SignalAction.CLOSE))
                alert = ExternalAlert(
                    alert_id=f"sim-{number}",
                    source="simulation",
                    strategy=strategy,
                    symbol=rng.choice(symbols),
                    action=action,
                    ts=self.daemon.world.clock.time(),
                )
                with contextlib.suppress(ActorUnavailable):
                    await target.tell(alert)

        self._nursery.start_soon(send)

    def _crash(self, name: str) -> None:
        if self.switch.crash(name):
            self.crashes.append(name)

    async def _record(self, *, task_status: trio.TaskStatus[None]) -> None:
        inbox = self.tree.inbox(
            "sim-probe",
            Subscribe(BreakerUpdate, capacity=100_000),
            Subscribe(ActorEvent, capacity=100_000),
            Subscribe(RiskRejected, capacity=100_000),
            capacity=100_000,
        )
        task_status.started()
        async for message in inbox:
            if isinstance(message, BreakerUpdate):
                self.breaker_updates.append(message)
            elif isinstance(message, ActorEvent):
                self.actor_events.append(message)
            elif isinstance(message, RiskRejected):
                self.rejections.append(message)


def _with_client(spec: SupervisorSpec, config: Config, client: PaperBrokerClient) -> SupervisorSpec:
    """``spec`` with the broker session of ``client``'s account using ``client``."""
    name = session_name(client.account)

    def swap(node: SupervisorSpec | ChildSpec) -> SupervisorSpec | ChildSpec:
        if isinstance(node, SupervisorSpec):
            return dataclasses.replace(node, children=tuple(swap(c) for c in node.children))
        if node.name != name:
            return node
        return dataclasses.replace(
            node, actor=broker_session(client, JournalPort(), config.session)
        )

    swapped = swap(spec)
    assert isinstance(swapped, SupervisorSpec)
    return swapped


class _Quiet(io.StringIO):
    """Swallows log lines (a simulation logs at wall-clock speed otherwise)."""

    def write(self, text: str) -> int:
        return len(text)


@asynccontextmanager
async def open_simulation(
    seed: int = 0,
    *,
    config: Config | None = None,
    data_dir: Path | None = None,
    resubmit_on_timeout: bool = False,
    log_level: str | None = "error",
    origin: float = ORIGIN,
) -> AsyncIterator[Simulation]:
    """Run the daemon for the block (virtual time when the caller runs under MockClock).

    ``origin`` is the epoch time the daemon's clock starts at: a run on a
    ``data_dir`` an earlier run left must start after it, as a restarted
    daemon's clock would.
    """
    if log_level is not None:
        configure_logging(log_level, _Quiet())
    config = simulation_config(config, seed=seed)
    with tempfile.TemporaryDirectory(prefix="tradeloop-sim-") as scratch:
        directory = data_dir if data_dir is not None else Path(scratch)
        clock = Clock(origin=origin)
        tokens = Tokens(operator=OPERATOR_TOKEN, read=None, webhook_secret=WEBHOOK_SECRET)
        journal_faults = JournalFaults()
        switch = CrashSwitch()
        async with open_world(config, directory, clock=clock) as world:
            spec = build_tree(
                config, world, data_dir=directory, tokens=tokens, journal_faults=journal_faults
            )
            if resubmit_on_timeout:
                client = _ResubmittingClient(
                    world.venue,
                    config.accounts[0].name,
                    patience=config.session.request_timeout / 2,
                )
                spec = _with_client(spec, config, client)
            spec = wrap_tree(spec, switch)
            async with (
                open_tree(spec, seed=seed, clock=clock) as tree,
                trio.open_nursery() as nursery,
            ):
                daemon = Daemon(config, directory, world, tree)
                monitors = MonitorClients(tree, nursery, token=OPERATOR_TOKEN)
                sim = Simulation(seed, daemon, spec, switch, journal_faults, monitors, nursery)
                await nursery.start(sim._record)
                try:
                    yield sim
                finally:
                    nursery.cancel_scope.cancel(reason="simulation over")
