"""The strategy actor in a real tree: bars in, signals to risk, crashes kept to themselves.

A probe inbox named ``risk`` stands in for the risk actor; :class:`Feed` is the feed's
recent-bars query the lead wires to ``warm_up``: it answers from the bars published so far.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import msgspec
import pytest
import trio
import trio.testing

from actors.messages import (
    Bar,
    BreakerStatus,
    ExternalAlert,
    Fill,
    GetBreakers,
    PositionUpdate,
    Side,
    Signal,
    SignalAction,
    TradingState,
    TradingStateChanged,
)
from actors.strategies import (
    AlertConfig,
    MomentumConfig,
    MomentumParams,
    MomentumStrategy,
    build_strategies,
    strategy_actor,
    strategy_actor_name,
    strategy_subscriptions,
)
from runtime import (
    ActorContext,
    ChildSpec,
    MailboxReader,
    Request,
    SupervisorSpec,
    TaskStatus,
    Tree,
    open_tree,
)
from runtime.errors import ActorUnavailable

from ._market import START, bar

PARAMS = MomentumParams(fast=2, slow=3, atr_period=3)
FLAT = ["10", "10", "10", "10"]  # then 11 crosses up, 11 holds, 9 crosses down


class Feed:
    """Publishes bars into the tree and answers recent-bars queries from what it published."""

    def __init__(self) -> None:
        self.bars: list[Bar] = []
        self.asked: list[tuple[str, str, int]] = []

    async def publish(self, tree: Tree, *bars: Bar) -> None:
        for b in bars:
            self.bars.append(b)
            await tree.registry.publish(b)

    async def recent(self, symbol: str, timeframe: str, count: int) -> Sequence[Bar]:
        self.asked.append((symbol, timeframe, count))
        await trio.lowlevel.checkpoint()
        return [b for b in self.bars if b.symbol == symbol and b.timeframe == timeframe][-count:]


def _root(strategies: SupervisorSpec, *before: ChildSpec) -> SupervisorSpec:
    return SupervisorSpec(name="root", children=(*before, strategies))


async def _signals(risk: MailboxReader) -> list[Signal]:
    """Everything told to risk once the tree has settled."""
    await trio.testing.wait_all_tasks_blocked()
    out = []
    while True:
        try:
            out.append(risk.receive_nowait())
        except trio.WouldBlock:
            return out


def _summary(signals: list[Signal]) -> list[tuple[str, str, SignalAction]]:
    return [(s.strategy, s.symbol, s.action) for s in signals]


def _fill(side: Side, quantity: int, strategy: str = "momentum") -> Fill:
    return Fill(
        execution_id=f"x-{side}-{quantity}",
        client_order_id="o-1",
        account="paper",
        symbol="SPY",
        side=side,
        quantity=Decimal(quantity),
        price=Decimal(10),
        commission=Decimal(0),
        ts=START,
        strategy=strategy,
    )


def _spy(closes: list[str], first: int = 0, timeframe: str = "1m") -> list[Bar]:
    bars = [bar("SPY", first + i, c) for i, c in enumerate(closes)]
    return [msgspec.structs.replace(b, timeframe=timeframe) for b in bars]


async def test_bars_in_signals_out_to_risk(autojump_clock: trio.testing.MockClock) -> None:
    feed = Feed()
    config = MomentumConfig(name="momentum", symbols=("SPY",), params=PARAMS)
    async with open_tree(_root(build_strategies([config], warm_up=feed.recent))) as tree:
        risk = tree.inbox("risk")
        await feed.publish(tree, *_spy(FLAT))
        await feed.publish(tree, *_spy(["11"], first=4, timeframe="5m"))  # not its timeframe
        assert await _signals(risk) == []
        await feed.publish(tree, *_spy(["11"], first=4))
        (signal,) = await _signals(risk)
        assert (signal.signal_id, signal.stop_price) == (
            f"momentum:SPY:buy:{round((START + 300) * 1000)}",
            Decimal("10.33"),
        )
        assert feed.asked == [("SPY", "1m", 100)]


class Fragile(MomentumStrategy):
    """Momentum with a bug: a bar of zero volume makes it raise (warm-up is unaffected)."""

    def on_bar(self, bar: Bar) -> Sequence[Signal]:
        if bar.volume == 0:
            raise RuntimeError("strategy bug")
        return super().on_bar(bar)


def _child(strategy: MomentumStrategy, feed: Feed) -> ChildSpec:
    return ChildSpec(
        name=strategy_actor_name(strategy.name),
        actor=strategy_actor(
            lambda: type(strategy)(strategy.name, strategy.symbols, PARAMS), warm_up=feed.recent
        ),
        subscriptions=strategy_subscriptions(strategy),
    )


async def test_a_crashing_strategy_restarts_alone_and_rewarmed(
    autojump_clock: trio.testing.MockClock,
) -> None:
    feed = Feed()
    steady, fragile = (
        MomentumStrategy("steady", ["SPY"], PARAMS),
        Fragile("fragile", ["AAPL"], PARAMS),
    )
    strategies = SupervisorSpec(
        name="strategies", children=(_child(steady, feed), _child(fragile, feed))
    )
    async with open_tree(_root(strategies)) as tree:
        risk = tree.inbox("risk")
        for minute, close in enumerate(FLAT):
            await feed.publish(tree, bar("SPY", minute, close), bar("AAPL", minute, close))
        await feed.publish(tree, bar("SPY", 4, "10"), bar("AAPL", 4, "10", volume=0))
        await trio.testing.wait_all_tasks_blocked()
        entries = {
            name: tree.registry.entry(strategy_actor_name(name)) for name in ("steady", "fragile")
        }
        assert {name: (e.incarnation, e.restarts) for name, e in entries.items()} == {
            "steady": (1, 0),
            "fragile": (2, 1),
        }
        assert "strategy bug" in entries["fragile"].last_error
        assert [a[0] for a in feed.asked].count("AAPL") == 2  # warmed again on restart
        # the first bar after the restart crosses: only a warmed strategy can see it
        await feed.publish(tree, bar("SPY", 5, "11"), bar("AAPL", 5, "11"))
        assert sorted(_summary(await _signals(risk))) == [
            ("fragile", "AAPL", SignalAction.BUY),
            ("steady", "SPY", SignalAction.BUY),
        ]
        assert entries["steady"].incarnation == 1


async def test_alerts_told_to_the_alert_strategy_reach_risk(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_tree(_root(build_strategies([AlertConfig(name="tradingview")]))) as tree:
        risk = tree.inbox("risk")
        await tree.ref(strategy_actor_name("tradingview")).tell(
            ExternalAlert(
                alert_id="tv-1",
                source="tradingview",
                strategy="tradingview",
                symbol="MES",
                action=SignalAction.SELL,
                ts=START,
                quantity=Decimal(2),
            )
        )
        (signal,) = await _signals(risk)
        assert (signal.signal_id, signal.symbol, signal.action, signal.quantity) == (
            "tradingview:tv-1",
            "MES",
            SignalAction.SELL,
            Decimal(2),
        )


def _state(state: TradingState, previous: TradingState) -> TradingStateChanged:
    return TradingStateChanged(state=state, previous=previous, tripped=("drawdown",), ts=START)


async def test_halted_it_keeps_its_indicators_and_sends_only_exits(
    autojump_clock: trio.testing.MockClock,
) -> None:
    feed = Feed()
    config = MomentumConfig(name="momentum", symbols=("SPY",), params=PARAMS)
    async with open_tree(_root(build_strategies([config], warm_up=feed.recent))) as tree:
        risk = tree.inbox("risk")
        await tree.registry.publish(_state(TradingState.HALTED, TradingState.ACTIVE))
        await feed.publish(tree, *_spy([*FLAT, "11"]))
        assert await _signals(risk) == []  # the cross up is an entry: held back
        await tree.registry.publish(_fill(Side.BUY, 5))
        await tree.registry.publish(_fill(Side.BUY, 5, strategy="someone-else"))
        await feed.publish(tree, *_spy(["11", "9"], first=5))
        assert _summary(await _signals(risk)) == [("momentum", "SPY", SignalAction.CLOSE)]
        await tree.registry.publish(_fill(Side.SELL, 5))
        await tree.registry.publish(_state(TradingState.ACTIVE, TradingState.HALTED))
        await feed.publish(tree, *_spy(["9", "12"], first=7))
        assert _summary(await _signals(risk)) == [("momentum", "SPY", SignalAction.BUY)]


async def _breakers(ctx: ActorContext, task_status: TaskStatus) -> None:
    """The breakers as a strategy sees them at start: asked once, trading is HALTED."""
    task_status.started()
    async for request in ctx.mailbox:
        assert isinstance(request, Request)
        assert isinstance(request.message, GetBreakers)
        request.reply(BreakerStatus(state=TradingState.HALTED, breakers=(), ts=START))


async def test_a_restart_takes_back_the_trading_state_and_its_positions(
    autojump_clock: trio.testing.MockClock,
) -> None:
    feed = Feed()

    async def positions(strategy: str) -> Sequence[PositionUpdate]:
        await trio.lowlevel.checkpoint()
        return [
            PositionUpdate(
                account="paper",
                symbol="SPY",
                quantity=Decimal(5),
                average_price=Decimal(10),
                market_price=Decimal(10),
                market_value=Decimal(50),
                unrealized_pnl=Decimal(0),
                realized_pnl=Decimal(0),
                ts=START,
                strategy=strategy,
            )
        ]

    shorts = MomentumParams(fast=2, slow=3, atr_period=3, allow_short=True)
    config = MomentumConfig(name="momentum", symbols=("SPY",), params=shorts)
    strategies = build_strategies(
        [config], warm_up=feed.recent, positions=positions, breakers="breakers"
    )
    async with open_tree(_root(strategies, ChildSpec(name="breakers", actor=_breakers))) as tree:
        risk = tree.inbox("risk")
        await feed.publish(tree, *_spy([*FLAT, "11", "11", "9"]))
        # long from before the restart: the cross down closes it; the short it would open
        # as well is an entry, held back because trading was already halted at start
        assert _summary(await _signals(risk)) == [("momentum", "SPY", SignalAction.CLOSE)]


async def test_without_a_warm_up_source_answering_it_starts_cold(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def unavailable(symbol: str, timeframe: str, count: int) -> Sequence[Bar]:
        await trio.lowlevel.checkpoint()
        raise ActorUnavailable("feed-synthetic", "it is restarting")

    config = MomentumConfig(name="momentum", symbols=("SPY",), params=PARAMS)
    async with open_tree(_root(build_strategies([config], warm_up=unavailable))) as tree:
        risk = tree.inbox("risk")
        for b in _spy([*FLAT, "11"]):
            await tree.registry.publish(b)
        assert _summary(await _signals(risk)) == [("momentum", "SPY", SignalAction.BUY)]
        assert tree.registry.entry("strategy-momentum").incarnation == 1


def test_a_bad_timeframe_fails_when_the_tree_is_built() -> None:
    with pytest.raises(ValueError, match="timeframe '1x' is not a count and a unit"):
        strategy_actor(lambda: MomentumStrategy("m", ["SPY"]), timeframe="1x")
