"""The one place where the daemon's tree is assembled from its config.

Supervision tree (rest_for_one at the root, so a restarted journal restarts
everything that depends on it)::

    root
    ├── journal            durable event store writer
    ├── portfolio          cash, positions, P&L, equity; rebuilt from the journal
    ├── breakers           circuit breakers; trading state
    ├── risk               pre-trade checks, sizing, allocation, conflicts
    ├── brokers            one_for_one: broker-<account> per configured account
    ├── feeds              one_for_one: feed-<source> per market source
    ├── strategies         one_for_one: strategy-<name> per instance
    └── gateway            hub (WebSocket) and http (webhooks, operator API)

A replay builds the same tree without the gateway (``tokens=None``): nobody
watches it, and the hub's heartbeats and re-sends would only cost time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from actors.breakers import BREAKERS, breakers_actor, breakers_subscriptions
from actors.broker import broker_session, session_name
from actors.feed import feed_child, feed_name
from actors.gateway import Tokens, gateway_supervisor
from actors.messages import (
    Bar,
    Bars,
    GetPortfolio,
    PortfolioSnapshot,
    PositionUpdate,
    RecentBars,
)
from actors.portfolio import PORTFOLIO_SUBSCRIPTIONS, portfolio_actor
from actors.risk import risk_actor, risk_subscriptions
from actors.strategies import build_strategies
from runtime import ChildSpec, Strategy, SupervisorSpec, current_context
from runtime.journal import JournalFaults, journal_actor

from ._config import Config
from ._journaling import (
    JOURNAL,
    JOURNAL_TYPES,
    JournalPort,
    load_breakers,
    load_portfolio_history,
    save_breakers,
    save_portfolio,
)
from ._world import World

__all__ = ["build_tree"]


def build_tree(
    config: Config,
    world: World,
    *,
    data_dir: Path,
    tokens: Tokens | None,
    journal_faults: JournalFaults | None = None,
) -> SupervisorSpec:
    """The root of the daemon's tree; ``tokens=None`` leaves the gateway out (a replay)."""
    supervision = config.supervision
    instruments = world.instruments
    account = config.accounts[0].name
    source = world.market.client("synthetic")
    feed = feed_name(source)

    async def warm_up(symbol: str, timeframe: str, count: int) -> Sequence[Bar]:
        reply: Bars = (
            await current_context()
            .ref(feed)
            .ask(RecentBars(symbol=symbol, timeframe=timeframe, count=count))
        )
        return reply.bars

    async def positions(strategy: str) -> Sequence[PositionUpdate]:
        snapshot: PortfolioSnapshot = await current_context().ref("portfolio").ask(GetPortfolio())
        return [p for p in snapshot.strategy_positions if p.strategy == strategy]

    def supervisor(
        name: str, children: tuple[ChildSpec | SupervisorSpec, ...], intensity: int
    ) -> SupervisorSpec:
        return SupervisorSpec(
            name=name,
            strategy=Strategy.ONE_FOR_ONE,
            intensity=intensity,
            period=supervision.period,
            backoff=supervision.backoff,
            children=children,
        )

    return SupervisorSpec(
        name="root",
        strategy=Strategy.REST_FOR_ONE,
        intensity=supervision.intensity,
        period=supervision.period,
        backoff=supervision.backoff,
        children=(
            ChildSpec(
                name=JOURNAL,
                actor=journal_actor(
                    data_dir / config.journal.file,
                    JOURNAL_TYPES,
                    io=config.journal.io,
                    verify=config.journal.verify,
                    faults=journal_faults,
                    durable=config.journal.durable,
                ),
                mailbox_capacity=4096,
            ),
            ChildSpec(
                name="portfolio",
                actor=portfolio_actor(
                    instruments,
                    load_history=load_portfolio_history,
                    save_snapshot=save_portfolio,
                    publish_interval=config.portfolio.publish_interval,
                ),
                subscriptions=PORTFOLIO_SUBSCRIPTIONS,
            ),
            ChildSpec(
                name=BREAKERS,
                actor=breakers_actor(config.breakers, save=save_breakers, load=load_breakers),
                subscriptions=breakers_subscriptions(),
            ),
            ChildSpec(
                name="risk",
                actor=risk_actor(
                    instruments.values(),
                    config.risk,
                    account=account,
                    broker=session_name(account),
                    breakers=BREAKERS,
                ),
                subscriptions=risk_subscriptions(),
            ),
            supervisor(
                "brokers",
                tuple(
                    ChildSpec(
                        name=session_name(a.name),
                        actor=broker_session(
                            world.venue.client(a.name), JournalPort(), config.session
                        ),
                        mailbox_capacity=4096,
                    )
                    for a in config.accounts
                ),
                supervision.brokers_intensity,
            ),
            supervisor(
                "feeds",
                (feed_child(source, config.market.symbols, stale_after=config.market.stale_after),),
                supervision.intensity,
            ),
            build_strategies(
                config.strategies,
                warm_up=warm_up,
                positions=positions,
                breakers=BREAKERS,
                intensity=supervision.strategies_intensity,
                period=supervision.period,
                backoff=supervision.backoff,
            ),
            *(() if tokens is None else (gateway_supervisor(config.gateway, tokens),)),
        ),
    )
