"""The risk actor in a tree, in virtual time, with a probe standing in for the broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal as D

import pytest
import trio

from actors.messages import (
    BreakerState,
    BreakerUpdate,
    CancelOrder,
    Fill,
    GetStrategies,
    Instrument,
    Order,
    OrderStatus,
    OrderType,
    OrderUpdate,
    PauseStrategy,
    PortfolioUpdate,
    PositionUpdate,
    Rebalance,
    ResumeStrategy,
    RiskDecision,
    RiskRejected,
    Side,
    Signal,
    SignalAction,
    StrategiesStatus,
    TimeInForce,
    Trade,
    TradingState,
    TradingStateChanged,
)
from actors.risk import RiskConfig, StrategyAllocation, risk_actor, risk_subscriptions
from runtime import ChildSpec, Clock, MailboxReader, Subscribe, SupervisorSpec, Tree, open_tree

INSTRUMENTS = [Instrument(symbol="AAPL"), Instrument(symbol="MSFT")]
STRATEGIES = {
    "momentum": StrategyAllocation(weight=D("0.5"), priority=2, kind="momentum"),
    "meanrev": StrategyAllocation(weight=D("0.3"), priority=1),
}


@asynccontextmanager
async def _risk(**config: object) -> AsyncIterator[tuple[Tree, MailboxReader, MailboxReader]]:
    settings = RiskConfig(strategies=STRATEGIES, rearm_delay=1.0, **config)  # type: ignore[arg-type]
    spec = SupervisorSpec(
        name="root",
        children=(
            ChildSpec(
                name="risk",
                actor=risk_actor(INSTRUMENTS, settings),
                subscriptions=risk_subscriptions(),
            ),
        ),
    )
    async with open_tree(spec, clock=Clock(origin=1_700_000_000.0)) as tree:
        broker = tree.inbox("broker-paper")
        probe = tree.inbox("probe", Subscribe(RiskRejected), Subscribe(RiskDecision))
        await tree.registry.publish(_portfolio())
        await tree.registry.publish(Trade(symbol="AAPL", ts=0.0, price=D(150), size=D(1)))
        await tree.registry.publish(Trade(symbol="MSFT", ts=0.0, price=D(400), size=D(1)))
        yield tree, broker, probe


def _portfolio(equity: int = 100_000) -> PortfolioUpdate:
    z = D(0)
    return PortfolioUpdate(
        equity=D(equity),
        cash=D(equity),
        positions_value=z,
        position_count=0,
        realized_pnl=z,
        unrealized_pnl=z,
        commissions=z,
        daily_pnl=z,
        total_pnl=z,
        peak_equity=D(equity),
        drawdown=z,
        ts=0.0,
    )


def _signal(
    strategy: str,
    action: SignalAction,
    quantity: int | None = None,
    symbol: str = "AAPL",
    signal_id: str | None = None,
    **extra: object,
) -> Signal:
    return Signal(
        signal_id=signal_id or f"{strategy}-{action}-{quantity}-{symbol}",
        strategy=strategy,
        symbol=symbol,
        action=action,
        ts=0.0,
        quantity=None if quantity is None else D(quantity),
        **extra,  # type: ignore[arg-type]
    )


def _update(coid: str, order: Order, status: OrderStatus = OrderStatus.ACCEPTED) -> OrderUpdate:
    return OrderUpdate(
        client_order_id=coid,
        account="paper",
        symbol=order.symbol,
        side=order.side,
        status=status,
        quantity=order.quantity,
        filled_quantity=D(0),
        ts=0.0,
        strategy=order.strategy,
    )


def _position(
    strategy: str, quantity: int, symbol: str = "AAPL", price: int = 150
) -> PositionUpdate:
    return PositionUpdate(
        account="paper",
        symbol=symbol,
        quantity=D(quantity),
        average_price=D(price),
        market_price=D(price),
        market_value=D(price * quantity),
        unrealized_pnl=D(0),
        realized_pnl=D(0),
        ts=0.0,
        strategy=strategy,
    )


async def _filled(tree: Tree, coid: str, order: Order, price: int = 150) -> None:
    """What the broker and portfolio publish when ``order`` fills in full."""
    await tree.registry.publish(_update(coid, order))
    await tree.registry.publish(
        Fill(
            execution_id=f"x-{coid}",
            client_order_id=coid,
            account="paper",
            symbol=order.symbol,
            side=order.side,
            quantity=order.quantity,
            price=D(price),
            commission=D(0),
            ts=0.0,
            strategy=order.strategy,
        )
    )
    await tree.registry.publish(_update(coid, order, OrderStatus.FILLED))


async def test_a_signal_becomes_a_half_kelly_sized_order(autojump_clock: object) -> None:
    async with _risk() as (tree, broker, probe):
        await tree.ref("risk").tell(_signal("momentum", SignalAction.BUY))
        order = await broker.receive()
        # prior W=0.5, R=1.5: Kelly 1/6, half 1/12 of 50,000 capital = 4,166.67 at 150 -> 27
        assert isinstance(order, Order)
        assert (order.client_order_id, order.side, order.quantity) == ("", Side.BUY, D(27))
        assert (order.strategy, order.order_type, order.reduce_only) == (
            "momentum",
            "market",
            False,
        )
        assert order.ts == 1_700_000_000.0
        decision = await probe.receive()
        assert isinstance(decision, RiskDecision)
        assert decision.legs[0].purpose == "entry"
        assert decision.legs[0].quantity == 27


async def test_a_refused_signal_publishes_its_check_and_sends_nothing(
    autojump_clock: object,
) -> None:
    async with _risk() as (tree, broker, probe):
        await tree.ref("risk").tell(_signal("momentum", SignalAction.BUY, 1000))
        rejected = await probe.receive()
        assert isinstance(rejected, RiskRejected)
        assert (rejected.check, rejected.signal_id) == ("max_notional", "momentum-buy-1000-AAPL")
        assert rejected.reason == "order notional 150000 exceeds the limit 50000"
        limit = _signal(
            "momentum", SignalAction.BUY, 10, order_type=OrderType.LIMIT, limit_price=D("160")
        )
        await tree.ref("risk").tell(limit)
        rejected = await probe.receive()
        assert rejected.check == "price_band"
        await trio.sleep(1)
        assert len(broker) == 0


async def test_an_entry_fill_gets_a_resting_stop_that_trails(autojump_clock: object) -> None:
    async with _risk(stop_mode="trailing") as (tree, broker, _):
        await trio.sleep(2)  # past the re-arm grace
        await tree.ref("risk").tell(_signal("momentum", SignalAction.BUY, 20))
        entry = await broker.receive()
        await _filled(tree, "paper-1", entry)
        stop = await broker.receive()
        assert isinstance(stop, Order)
        assert (stop.order_type, stop.side, stop.quantity) == (OrderType.STOP, Side.SELL, D(20))
        assert (stop.stop_price, stop.time_in_force, stop.reduce_only) == (
            D(147),
            TimeInForce.GTC,
            True,
        )
        await tree.registry.publish(_update("paper-2", stop))
        await tree.registry.publish(Trade(symbol="AAPL", ts=1.0, price=D(160), size=D(1)))
        assert await broker.receive() == CancelOrder(client_order_id="paper-2", account="paper")
        moved = await broker.receive()
        assert moved.order_type is OrderType.STOP
        assert moved.stop_price == D("156.80")
        await tree.registry.publish(_update("paper-3", moved))
        await tree.registry.publish(Trade(symbol="AAPL", ts=2.0, price=D(155), size=D(1)))
        await trio.sleep(1)
        assert len(broker) == 0  # a falling price never loosens it


async def test_stops_are_rearmed_after_a_restart_without_duplicates(
    autojump_clock: object,
) -> None:
    async with _risk() as (tree, broker, _):
        # what the portfolio and the broker session report at start: two positions,
        # one of them already protected by a resting stop of the previous incarnation
        await tree.registry.publish(_position("momentum", 20))
        await tree.registry.publish(_position("meanrev", 10, "MSFT", 400))
        resting = Order(
            client_order_id="paper-9",
            account="paper",
            symbol="AAPL",
            side=Side.SELL,
            quantity=D(20),
            strategy="momentum",
        )
        await tree.registry.publish(_update("paper-9", resting))
        assert len(broker) == 0
        stop = await broker.receive()  # after the grace
        assert trio.current_time() >= 1.0
        assert (stop.symbol, stop.strategy, stop.side, stop.quantity) == (
            "MSFT",
            "meanrev",
            Side.SELL,
            D(10),
        )
        assert stop.stop_price == D(392)
        await trio.sleep(5)
        assert len(broker) == 0


async def test_reducing_refuses_entries_but_exits_pass(autojump_clock: object) -> None:
    async with _risk() as (tree, broker, probe):
        await tree.registry.publish(_position("momentum", 20))
        await tree.registry.publish(
            TradingStateChanged(
                state=TradingState.REDUCING,
                previous=TradingState.ACTIVE,
                tripped=("daily_loss",),
                ts=0.0,
            )
        )
        await tree.ref("risk").tell(_signal("momentum", SignalAction.BUY, 5))
        rejected = await probe.receive()
        assert rejected.check == "trading_state"
        assert "only orders that shrink a position" in rejected.reason
        await tree.ref("risk").tell(_signal("momentum", SignalAction.CLOSE))
        exit_order = await broker.receive()
        assert (exit_order.side, exit_order.quantity, exit_order.reduce_only) == (
            Side.SELL,
            D(20),
            True,
        )


async def test_opposing_signals_are_netted_against_the_holder(autojump_clock: object) -> None:
    async with _risk(conflict_policy="netting") as (tree, broker, probe):
        await tree.registry.publish(_position("momentum", 20))
        await tree.ref("risk").tell(_signal("meanrev", SignalAction.SELL, 8))
        close = await broker.receive()
        assert (close.strategy, close.side, close.quantity, close.reduce_only) == (
            "momentum",
            Side.SELL,
            D(8),
            True,
        )
        decision = await probe.receive()
        assert [leg.purpose for leg in decision.legs] == ["conflict_close"]
        assert decision.policy == "netting"


async def test_first_come_refuses_the_other_side(autojump_clock: object) -> None:
    async with _risk(conflict_policy="first_come") as (tree, broker, probe):
        await tree.registry.publish(_position("momentum", 20))
        await tree.ref("risk").tell(_signal("meanrev", SignalAction.SELL, 8))
        rejected = await probe.receive()
        assert rejected.check == "conflict"
        assert "momentum (buy 20)" in rejected.reason
        await trio.sleep(1)
        assert len(broker) == 0


async def test_rebalance_trims_a_strategy_above_its_capital(autojump_clock: object) -> None:
    async with _risk() as (tree, broker, probe):
        status = await tree.ref("risk").ask(GetStrategies())
        assert isinstance(status, StrategiesStatus)
        momentum = next(v for v in status.strategies if v.name == "momentum")
        assert (momentum.kind, momentum.weight, momentum.capital) == ("momentum", "0.5", "50000.0")
        await tree.registry.publish(_position("meanrev", 100))  # 15,000 on 30,000 of capital
        await tree.registry.publish(_position("momentum", 400))  # 60,000 on 50,000
        await tree.ref("risk").tell(Rebalance(mode="weights"))
        trim = await broker.receive()
        # 400 x 50,000 / 60,000 = 333.3 -> 333: sell 67, reduce-only
        assert (trim.strategy, trim.side, trim.quantity, trim.reduce_only) == (
            "momentum",
            Side.SELL,
            D(67),
            True,
        )
        decision = await probe.receive()
        assert isinstance(decision, RiskDecision)
        assert decision.reason == "rebalance by weights: meanrev=0.3000, momentum=0.5000"
        await trio.sleep(1)
        assert len(broker) == 0


async def test_a_paused_strategy_may_only_exit(autojump_clock: object) -> None:
    async with _risk() as (tree, broker, probe):
        await tree.registry.publish(_position("meanrev", 10))
        await tree.ref("risk").tell(PauseStrategy(name="meanrev"))
        await tree.ref("risk").tell(_signal("meanrev", SignalAction.BUY, 5))
        rejected = await probe.receive()
        assert (rejected.check, rejected.strategy) == ("paused", "meanrev")
        status = await tree.ref("risk").ask(GetStrategies())
        assert next(v for v in status.strategies if v.name == "meanrev").paused
        await tree.ref("risk").tell(_signal("meanrev", SignalAction.CLOSE))
        exit_order = await broker.receive()
        assert (exit_order.side, exit_order.quantity, exit_order.reduce_only) == (
            Side.SELL,
            D(10),
            True,
        )
        await tree.ref("risk").tell(ResumeStrategy(name="meanrev"))
        await tree.ref("risk").tell(_signal("meanrev", SignalAction.BUY, 5))
        assert (await broker.receive()).quantity == 5


@pytest.mark.parametrize("bad", ["NaN", "-5", "0", "Infinity"])
async def test_non_finite_or_non_positive_terms_are_refused_not_a_crash(
    autojump_clock: object, bad: str
) -> None:
    """Untrusted prices (a webhook's ``"price": "NaN"``) are refused; risk keeps running."""
    async with _risk() as (tree, broker, probe):
        limit = _signal(
            "momentum", SignalAction.BUY, 10, order_type=OrderType.LIMIT, limit_price=D(bad)
        )
        await tree.ref("risk").tell(limit)
        with trio.fail_after(5):
            rejected = await probe.receive()
        assert isinstance(rejected, RiskRejected)
        assert rejected.check == "invalid"
        await tree.ref("risk").tell(_signal("momentum", SignalAction.BUY, 10, signal_id="good"))
        with trio.fail_after(5):
            order = await broker.receive()
        assert isinstance(order, Order)
        (risk,) = [a for a in tree.actors() if a.name == "risk"]
        assert risk.restarts == 0


def _shock(state: BreakerState) -> BreakerUpdate:
    return BreakerUpdate(
        name="price_shock:AAPL",
        state=state,
        trading_state=TradingState.ACTIVE,
        reason="AAPL fell 12% in 300s",
        ts=0.0,
        symbol="AAPL",
    )


async def test_a_per_symbol_trip_halts_entries_in_that_symbol_only(autojump_clock: object) -> None:
    async with _risk() as (tree, broker, probe):
        risk = tree.ref("risk")
        await tree.registry.publish(_shock(BreakerState.TRIPPED))
        await risk.tell(_signal("momentum", SignalAction.BUY, 10))
        with trio.fail_after(5):
            rejected = await probe.receive()
        assert isinstance(rejected, RiskRejected)
        assert rejected.check == "trading_state"
        assert rejected.reason == "new entries in AAPL are halted by price_shock:AAPL"
        await risk.tell(_signal("momentum", SignalAction.BUY, 10, symbol="MSFT"))
        with trio.fail_after(5):
            order = await broker.receive()
        assert (order.symbol, order.side) == ("MSFT", Side.BUY)
        await tree.registry.publish(_shock(BreakerState.OK))  # reset with its code
        await risk.tell(_signal("momentum", SignalAction.BUY, 10, signal_id="after-reset"))
        with trio.fail_after(5):
            order = await broker.receive()
        assert (order.symbol, order.side) == ("AAPL", Side.BUY)


async def test_a_repeated_signal_id_is_refused_never_a_second_order(autojump_clock: object) -> None:
    async with _risk() as (tree, broker, probe):
        signal = _signal("momentum", SignalAction.BUY, 10, signal_id="tv:alert-7")
        await tree.ref("risk").tell(signal)
        await tree.ref("risk").tell(signal)  # a retry that got past the webhook's window
        with trio.fail_after(5):
            order = await broker.receive()
            rejected = await probe.receive()
            while not isinstance(rejected, RiskRejected):
                rejected = await probe.receive()
        assert (order.symbol, order.quantity) == ("AAPL", 10)
        assert rejected.check == "duplicate"
        await trio.sleep(1)
        assert len(broker) == 0
