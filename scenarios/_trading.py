"""The trading scenarios: several strategies in one account, checked through risk and portfolio.

Signals go to risk exactly as a strategy's do (``tree.ref("risk").tell``),
under the names of the configured strategies, so each scenario controls who
trades what and when instead of waiting for bar windows to fill. What is
checked is read back from the real parts: the portfolio's sub-ledgers
(``PortfolioSnapshot.strategy_positions``), the venue's books, and what risk
published (``RiskDecision``, ``RiskRejected``) to a probe.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal

import trio

from actors.messages import (
    GetStrategies,
    OrderStatus,
    OrderUpdate,
    PortfolioSnapshot,
    Rebalance,
    RiskDecision,
    RiskRejected,
    Signal,
    SignalAction,
    StrategiesStatus,
)
from runtime import Message, Subscribe

from ._checks import portfolio
from ._harness import Simulation
from ._report import Report
from ._scenario import scenario

__all__: list[str] = []

ZERO = Decimal(0)


class _Probe:
    """What risk and the broker published while the scenario ran."""

    def __init__(self, sim: Simulation, name: str) -> None:
        self.decisions: list[RiskDecision] = []
        self.rejections: list[RiskRejected] = []
        self.updates: list[OrderUpdate] = []
        self._inbox = sim.tree.inbox(
            name,
            Subscribe(RiskDecision, capacity=10_000),
            Subscribe(RiskRejected, capacity=10_000),
            Subscribe(OrderUpdate, capacity=10_000),
            capacity=10_000,
        )

    async def run(self) -> None:
        async for message in self._inbox:
            match message:
                case RiskDecision():
                    self.decisions.append(message)
                case RiskRejected():
                    self.rejections.append(message)
                case OrderUpdate():
                    self.updates.append(message)


async def _signal(
    sim: Simulation,
    signal_id: str,
    strategy: str,
    symbol: str,
    action: SignalAction,
    quantity: Decimal | None = None,
    *,
    stop_price: Decimal | None = None,
) -> None:
    message: Message = Signal(
        signal_id=signal_id,
        strategy=strategy,
        symbol=symbol,
        action=action,
        ts=sim.daemon.world.clock.time(),
        quantity=quantity,
        stop_price=stop_price,
        reason="scenario",
    )
    await sim.tree.ref("risk").tell(message)


async def _snapshot(sim: Simulation) -> PortfolioSnapshot:
    snapshot = await portfolio(sim)
    assert snapshot is not None, "the portfolio answers when no fault is applied"
    return snapshot


def _sub_ledgers(snapshot: PortfolioSnapshot) -> dict[str, dict[str, Decimal]]:
    """symbol -> strategy -> quantity, non-zero entries only."""
    books: dict[str, dict[str, Decimal]] = {}
    for position in snapshot.strategy_positions:
        if position.quantity:
            books.setdefault(position.symbol, {})[position.strategy] = position.quantity
    return books


def _nets(snapshot: PortfolioSnapshot) -> dict[str, Decimal]:
    return {p.symbol: p.quantity for p in snapshot.positions if p.quantity}


def _sums_match(snapshot: PortfolioSnapshot) -> tuple[bool, str]:
    """Per symbol the strategies' quantities sum to the account's net position."""
    books = _sub_ledgers(snapshot)
    nets = _nets(snapshot)
    sums = {s: sum(q.values(), ZERO) for s, q in books.items()}
    sums = {s: q for s, q in sums.items() if q}
    return sums == nets, f"net {nets}, Σ sub-ledgers {sums}"


def _venue_by_strategy(sim: Simulation) -> dict[tuple[str, str], Decimal]:
    """(strategy, symbol) -> signed filled quantity, from the venue's own order book."""
    held: dict[tuple[str, str], Decimal] = {}
    for record in sim.venue.ledger(sim.account).orders.values():
        order = record.order
        key = (order.strategy, order.symbol)
        held[key] = held.get(key, ZERO) + order.side.sign * record.filled_quantity
    return {k: q for k, q in held.items() if q}


def _lots(notional: Decimal, price: Decimal) -> Decimal:
    return (notional / price).quantize(Decimal(1), rounding=ROUND_DOWN)


def _prices(sim: Simulation, symbols: Iterable[str]) -> dict[str, Decimal]:
    """The market's current fair prices, to size orders by notional."""
    return {s: Decimal(str(round(sim.market.fair_value(s), 2))) for s in symbols}


@scenario(
    "multi_strategy_trades",
    "four strategies trade into one account; their sub-ledgers sum to the account's positions",
    fast_duration=150.0,
    duration=300.0,
)
async def multi_strategy_trades(sim: Simulation, report: Report, fast: bool) -> None:
    await trio.sleep(5)
    plan = (
        ("momentum", "AAPL", SignalAction.BUY, Decimal(20)),
        ("mean-reversion", "AAPL", SignalAction.BUY, Decimal(10)),
        ("breakout", "MSFT", SignalAction.BUY, Decimal(15)),
        ("pairs", "MSFT", SignalAction.BUY, Decimal(5)),
        ("pairs", "AAPL", SignalAction.BUY, Decimal(7)),
    )
    for number, (strategy, symbol, action, quantity) in enumerate(plan):
        await _signal(sim, f"mst-{number}", strategy, symbol, action, quantity)
    await trio.sleep(15)
    snapshot = await _snapshot(sim)
    books = _sub_ledgers(snapshot)
    traded = {s for (s, _), q in _venue_by_strategy(sim).items() if q}
    report.check(
        "at least two strategies have fills at the venue",
        len(traded) >= 2,
        ", ".join(sorted(traded)),
    )
    ok, detail = _sums_match(snapshot)
    report.check("per symbol the sub-ledgers sum to the account's net", ok, detail)
    mine = {(strategy, s): q for s, by in books.items() for strategy, q in by.items()}
    report.check(
        "each sub-ledger equals that strategy's fills at the venue",
        mine == _venue_by_strategy(sim) and len(mine) == len(plan),
        f"sub-ledgers {mine}",
    )
    await _signal(sim, "mst-close", "momentum", "AAPL", SignalAction.CLOSE)
    await trio.sleep(15)
    after = await _snapshot(sim)
    closed = _sub_ledgers(after).get("AAPL", {})
    report.check(
        "closing one strategy leaves the others' positions in the symbol",
        "momentum" not in closed
        and closed.get("mean-reversion") == books["AAPL"].get("mean-reversion")
        and closed.get("pairs") == books["AAPL"].get("pairs"),
        f"AAPL before {books.get('AAPL')}, after {closed}",
    )
    ok, detail = _sums_match(after)
    report.check("the sub-ledgers still sum to the net after the close", ok, detail)


@scenario(
    "portfolio_heat",
    "entries beyond the position cap, the heat and the gross exposure are refused by risk",
    fast_duration=150.0,
    duration=300.0,
)
async def portfolio_heat(sim: Simulation, report: Report, fast: bool) -> None:
    probe = _Probe(sim, "heat-probe")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(probe.run)
        await trio.sleep(5)
        prices = _prices(sim, ("AAPL", "MSFT", "NVDA", "SPY", "QQQ"))
        # 30% of equity in one name: over the 20% position cap.
        await _signal(
            sim,
            "heat-cap",
            "momentum",
            "AAPL",
            SignalAction.BUY,
            _lots(Decimal(30000), prices["AAPL"]),
        )
        # Three longs of ~$18,000 with stops 9.5% away: ~$5,100 of heat; a fourth would pass 6%.
        wide = ("AAPL", "MSFT", "NVDA", "SPY")
        for number, symbol in enumerate(wide):
            price = prices[symbol]
            stop = (price * Decimal("0.905")).quantize(Decimal("0.01"))
            await _signal(
                sim,
                f"heat-{number}",
                "breakout",
                symbol,
                SignalAction.BUY,
                _lots(Decimal(18000), price),
                stop_price=stop,
            )
            await trio.sleep(5)
        await trio.sleep(10)
        cash = (await _snapshot(sim)).portfolio.cash
        nursery.cancel_scope.cancel()
    by_id = {r.signal_id: r for r in probe.rejections}
    cap = by_id.get("heat-cap")
    report.check(
        "an entry over the position cap was refused by position_cap",
        cap is not None and cap.check == "position_cap",
        cap.reason if cap else "not refused",
    )
    heat = by_id.get("heat-3")
    report.check(
        "the entry that would pass 6% heat was refused by heat",
        heat is not None and heat.check == "heat",
        heat.reason if heat else "not refused",
    )
    filled = {s for (_, s) in _venue_by_strategy(sim)}
    report.check(
        "the entries within the limits were filled",
        filled == set(wide[:3]),
        f"held {sorted(filled)}",
    )
    report.check(
        "the refused entry was affordable: cash left covered it",
        cash > Decimal(18000),
        f"cash {cash}",
    )
    venue_rejects = [u for u in probe.updates if u.status is OrderStatus.REJECTED]
    report.check(
        "nothing was refused for buying power, by risk or the venue",
        not venue_rejects and not [r for r in probe.rejections if r.check == "buying_power"],
        f"venue rejections {[u.reason for u in venue_rejects]}, "
        f"risk refusals {[(r.signal_id, r.check) for r in probe.rejections]}",
    )


@scenario(
    "rebalance",
    "capital moves from a losing strategy to the others; their positions follow",
    fast_duration=200.0,
    duration=400.0,
)
async def rebalance(sim: Simulation, report: Report, fast: bool) -> None:
    probe = _Probe(sim, "rebalance-probe")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(probe.run)
        await trio.sleep(5)
        prices = _prices(sim, ("AAPL", "MSFT", "NVDA"))
        # Both strategies hold MSFT; breakout also holds NVDA, which then falls through its stop.
        await _signal(
            sim, "rb-0", "momentum", "MSFT", SignalAction.BUY, _lots(Decimal(10000), prices["MSFT"])
        )
        await _signal(
            sim, "rb-1", "breakout", "MSFT", SignalAction.BUY, _lots(Decimal(10000), prices["MSFT"])
        )
        await _signal(
            sim, "rb-2", "breakout", "NVDA", SignalAction.BUY, _lots(Decimal(15000), prices["NVDA"])
        )
        await trio.sleep(10)
        sim.market.shock("NVDA", drop=0.04, over=10.0, recover=0.0)
        await trio.sleep(40)
        before = _sub_ledgers(await _snapshot(sim))
        decided = len(probe.decisions)
        await sim.tree.ref("risk").tell(Rebalance(mode="performance"))
        await trio.sleep(15)
        after = _sub_ledgers(await _snapshot(sim))
        status = await sim.tree.ref("risk").ask(GetStrategies())
        nursery.cancel_scope.cancel()
    assert isinstance(status, StrategiesStatus)
    weights = {v.name: Decimal(v.weight) for v in status.strategies}
    report.check(
        "the losing strategy's stop closed its NVDA position",
        "NVDA" not in before,
        f"positions before the rebalance {before}",
    )
    report.check(
        "capital moved from the loser to the winner",
        weights.get("breakout", ZERO) < Decimal("0.2") < weights.get("momentum", ZERO),
        ", ".join(f"{n}={w:.4f}" for n, w in sorted(weights.items())),
    )
    legs = [leg for d in probe.decisions[decided:] for leg in d.legs if leg.purpose == "rebalance"]
    report.check(
        "risk published a rebalance decision with orders",
        bool(legs),
        ", ".join(f"{leg.strategy} {leg.side} {leg.quantity}" for leg in legs),
    )
    was = before.get("MSFT", {})
    now = after.get("MSFT", {})
    report.check(
        "the loser's exposure shrank and the winner's did not",
        now.get("breakout", ZERO) < was.get("breakout", ZERO)
        and now.get("momentum", ZERO) >= was.get("momentum", ZERO),
        f"MSFT before {was}, after {now}",
    )


@scenario(
    "conflicting_signals",
    "two strategies flip-flop on AAPL; netting keeps the account on one side at every step",
    fast_duration=150.0,
    duration=300.0,
)
async def conflicting_signals(sim: Simulation, report: Report, fast: bool) -> None:
    probe = _Probe(sim, "conflict-probe")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(probe.run)
        await trio.sleep(5)
        steps = (
            ("momentum", SignalAction.BUY, Decimal(30)),
            ("breakout", SignalAction.SELL, Decimal(10)),
            ("breakout", SignalAction.SELL, Decimal(50)),
            ("momentum", SignalAction.BUY, Decimal(10)),
            ("momentum", SignalAction.BUY, Decimal(40)),
        )
        mixed: list[str] = []
        seen: list[dict[str, Decimal]] = []
        sums_ok = True
        for number, (strategy, action, quantity) in enumerate(steps):
            await _signal(sim, f"cs-{number}", strategy, "AAPL", action, quantity)
            await trio.sleep(10)
            snapshot = await _snapshot(sim)
            held = _sub_ledgers(snapshot).get("AAPL", {})
            seen.append(held)
            if any(q > 0 for q in held.values()) and any(q < 0 for q in held.values()):
                mixed.append(f"step {number}: {held}")
            sums_ok = sums_ok and _sums_match(snapshot)[0]
        nursery.cancel_scope.cancel()
    report.check(
        "never long through one strategy and short through another",
        not mixed,
        "; ".join(mixed) or " -> ".join(str(h) for h in seen),
    )
    report.check("the sub-ledgers summed to the net at every step", sums_ok)
    expected = [
        {"momentum": Decimal(30)},
        {"momentum": Decimal(20)},
        {"breakout": Decimal(-30)},
        {"breakout": Decimal(-20)},
        {"momentum": Decimal(20)},
    ]
    report.check(
        "netting: opposing signals first closed the other side, then opened the rest",
        seen == expected,
        " -> ".join(str(h) for h in seen),
    )
    closes = [leg for d in probe.decisions for leg in d.legs if leg.purpose == "conflict_close"]
    report.check(
        "risk published the conflict closes it sent",
        len(closes) == 4 and all(leg.reduce_only for leg in closes),
        ", ".join(f"{leg.strategy} {leg.side} {leg.quantity}" for leg in closes),
    )
