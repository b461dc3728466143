"""The chaos scenarios: faults the daemon must ride out, each with its own checks.

Every scenario also gets the invariant checks of :func:`run_schedule`.
Alerts (TradingView-style, seeded) keep orders flowing from the first minute.
"""

from __future__ import annotations

from decimal import Decimal

import trio

from actors.messages import (
    BreakerState,
    BreakerStatus,
    GetBreakers,
    ResetBreaker,
    ResetResult,
    Side,
    SignalAction,
    TradingState,
    TripBreaker,
)
from runtime import ActorRestarting

from ._checks import portfolio
from ._faults import (
    BrokerOutage,
    BrokerTimeout,
    DeadClient,
    FaultSchedule,
    PriceShock,
    SlowClient,
    StopPartial,
)
from ._harness import Simulation
from ._report import Report
from ._scenario import scenario

__all__: list[str] = []


@scenario(
    "flash_crash",
    "SPY drops 20%: the shock breaker trips, positions are kept, entries refused, exits pass",
    schedule=FaultSchedule(faults=(PriceShock(at=150.0, symbol="SPY", drop=0.2, over=30.0),)),
)
async def flash_crash(sim: Simulation, report: Report, fast: bool) -> None:
    """Short SPY and long QQQ into the crash, so every check has a position to judge.

    The short's protective stop rests above the price, so the crash does not
    take it; had it been taken, its fills are counted. What is checked is
    that nothing but orders resting before the crash moved a position: the
    breaker halts, it never liquidates.
    """
    started = trio.current_time()
    await sim.until_trading()
    await trio.sleep(5)  # and risk has seen the feed's first quotes (a price band needs one)
    await sim.alert("SPY", SignalAction.SELL, "fc-short")
    await sim.alert("QQQ", SignalAction.BUY, "fc-bystander")
    await trio.sleep_until(started + 140)
    held = await _positions(sim)
    report.check(
        "positions were open before the crash",
        held.get("SPY", Decimal(0)) < 0 < held.get("QQQ", Decimal(0)),
        f"{held}; risk refused {[(r.symbol, r.check, r.reason) for r in sim.rejections]}",
    )
    ledger = sim.venue.ledger(sim.account)
    resting = set(ledger.orders)
    fills_before = len(ledger.fills)
    await trio.sleep(60)  # the crash runs its course
    trips = [u for u in sim.breaker_updates if u.state is BreakerState.TRIPPED]
    report.check(
        "a breaker tripped on the crash",
        any(u.name == "price_shock:SPY" for u in trips),
        ", ".join(f"{u.name} ({u.trading_state})" for u in trips) or "none",
    )
    moved = ledger.fills[fills_before:]
    expected = dict(held)
    for fill in moved:
        change = fill.side.sign * fill.quantity
        expected[fill.symbol] = expected.get(fill.symbol, Decimal(0)) + change
    kept = await _positions(sim)
    sent = [ledger.orders[cid].order for cid in ledger.orders if cid not in resting]
    report.check(
        "positions were kept through the trip (moved only by orders resting before it)",
        kept == {s: q for s, q in expected.items() if q} and not sent,
        f"before {held}, after {kept}; {len(moved)} fills of resting orders, "
        f"orders sent meanwhile {[(o.symbol, o.side.value, o.quantity) for o in sent]}",
    )
    orders_before = set(ledger.orders)
    await sim.alert("SPY", SignalAction.SELL, "fc-after-entry")
    await sim.alert("SPY", SignalAction.CLOSE, "fc-exit")
    await trio.sleep(30)
    new = [ledger.orders[cid].order for cid in ledger.orders if cid not in orders_before]
    exits = [o for o in new if o.symbol == "SPY" and o.reduce_only and o.side is Side.BUY]
    report.check(
        "after the trip the SPY entry was refused and its exit reached the venue",
        all(o.reduce_only for o in new) and bool(exits),
        f"{[(o.symbol, o.side.value, o.quantity, o.reduce_only) for o in new]}",
    )
    final = await _positions(sim)
    report.check("the exit closed the short", "SPY" not in final, f"{final}")


async def _positions(sim: Simulation) -> dict[str, Decimal]:
    snapshot = await portfolio(sim)
    if snapshot is None:
        return {}
    return {p.symbol: p.quantity for p in snapshot.positions if p.quantity}


@scenario(
    "api_outage",
    "the venue refuses connections for 3 minutes; the session backs off, reconciles, resumes",
    schedule=FaultSchedule(faults=(BrokerOutage(at=60.0, duration=180.0),)),
)
async def api_outage(sim: Simulation, report: Report, fast: bool) -> None:
    sim.start_alerts(every=15.0)
    await trio.sleep(250)
    delays = [
        e.delay
        for e in sim.actor_events
        if isinstance(e, ActorRestarting) and e.actor == "broker-paper"
    ]
    report.check(
        "the session restarted with growing backoff",
        len(delays) >= 2 and delays[-1] > delays[0],
        f"{len(delays)} restarts, delays {[round(d, 1) for d in delays[:8]]}",
    )
    fills_before = len(sim.venue.ledger(sim.account).fills)
    await trio.sleep(100)
    fills_after = len(sim.venue.ledger(sim.account).fills)
    report.check(
        "trading resumed after the outage",
        fills_after > fills_before,
        f"fills {fills_before} -> {fills_after}",
    )


@scenario(
    "network_timeout",
    "submissions time out after the venue accepted them; resolved by query, never resubmitted",
    schedule=FaultSchedule(faults=(BrokerTimeout(at=30.0, count=3, mode="lost_ack"),)),
)
async def network_timeout(sim: Simulation, report: Report, fast: bool) -> None:
    sim.start_alerts(every=10.0)
    await trio.sleep(200)
    injected = sim.venue.faults.injected["timeout:lost_ack"]
    report.check("three acknowledgements were lost", injected == 3, f"{injected} lost")
    queried = sim.venue.ledger(sim.account).submissions
    report.check(
        "every timed-out order was resolved (none left unknown at the venue)",
        all(n == 1 for n in queried.values()),
        f"{len(queried)} orders submitted once each",
    )


@scenario(
    "partial_execution",
    "orders fill in part and the venue stops; the rest is tracked and accounting stays exact",
    schedule=FaultSchedule(faults=(StopPartial(at=20.0, count=3, fraction=Decimal("0.5")),)),
)
async def partial_execution(sim: Simulation, report: Report, fast: bool) -> None:
    sim.start_alerts(every=10.0)
    await trio.sleep(200)
    partial = [
        r
        for r in sim.venue.ledger(sim.account).orders.values()
        if 0 < r.filled_quantity < r.order.quantity
    ]
    report.check(
        "orders stopped part way",
        sim.venue.faults.injected["stop_partial"] > 0,
        f"{sim.venue.faults.injected['stop_partial']} stopped, {len(partial)} still partial",
    )


@scenario(
    "multi_strategy_start",
    "five strategies start from $100,000 and trade concurrently",
    duration=3 * 3600.0,
    fast_duration=2 * 3600.0,
)
async def multi_strategy_start(sim: Simulation, report: Report, fast: bool) -> None:
    await trio.sleep(10)
    started = sorted(
        a.name for a in sim.tree.actors() if a.name.startswith("strategy-") and a.incarnation
    )
    report.check("five strategies started", len(started) == 5, ", ".join(started))
    first = await portfolio(sim)
    report.check(
        "the account starts at $100,000",
        first is not None and first.portfolio.equity == Decimal(100000),
        str(first.portfolio.equity if first else None),
    )
    await trio.sleep((2 * 3600.0 if fast else 3 * 3600.0) - 60)
    traded = {r.order.strategy for r in sim.venue.ledger(sim.account).orders.values()}
    report.check("strategies traded concurrently", len(traded) >= 3, ", ".join(sorted(traded)))


@scenario(
    "breaker_mass_trigger",
    "four breakers trip at once; each is reported and reset on its own with its code",
)
async def breaker_mass_trigger(sim: Simulation, report: Report, fast: bool) -> None:
    names = ("manual", "drawdown", "daily_loss", "price_shock:SPY")
    breakers = sim.tree.ref("breakers")
    await trio.sleep(30)
    for name in names:
        await breakers.ask(TripBreaker(name=name, reason="scenario: mass trigger"))
    await trio.sleep(1)
    reported = {u.name for u in sim.breaker_updates if u.state is BreakerState.TRIPPED}
    report.check("each trip was reported", set(names) <= reported, f"reported {sorted(reported)}")
    status = await breakers.ask(GetBreakers())
    assert isinstance(status, BreakerStatus)
    codes = {b.name: b.reset_code for b in status.breakers if b.state is BreakerState.TRIPPED}
    report.check("the account is halted", status.state is TradingState.HALTED, str(status.state))
    wrong = await breakers.ask(ResetBreaker(name="manual", code="wrong-code"))
    assert isinstance(wrong, ResetResult)
    report.check("a wrong code is refused", not wrong.reset, wrong.reason)
    results: list[str] = []
    for name in names:
        result = await breakers.ask(ResetBreaker(name=name, code=codes.get(name) or ""))
        assert isinstance(result, ResetResult)
        results.append(f"{name}:{'reset' if result.reset else result.reason}")
    final = await breakers.ask(GetBreakers())
    assert isinstance(final, BreakerStatus)
    report.check(
        "each reset on its own with its code",
        all(r.endswith(":reset") for r in results),
        "; ".join(results),
    )
    report.check("trading is active again", final.state is TradingState.ACTIVE, str(final.state))


@scenario(
    "ws_connect",
    "a monitoring client gets hello then a snapshot of the whole daemon",
    fast_duration=60.0,
    duration=120.0,
)
async def ws_connect(sim: Simulation, report: Report, fast: bool) -> None:
    recording = await sim.monitors.open_recording("ws-connect")
    await trio.sleep(5)
    kinds = [f["type"] for f in recording.frames[:2]]
    report.check("hello then snapshot", kinds == ["hello", "snapshot"], str(kinds))
    data = recording.frames[1]["data"] if len(recording.frames) > 1 else {}
    wanted = {"portfolio", "positions", "orders", "breakers", "strategies", "actors"}
    report.check(
        "the snapshot holds portfolio, positions, orders, breakers, strategies, actors",
        wanted <= set(data) and data.get("portfolio") is not None and bool(data.get("actors")),
        ", ".join(sorted(data)),
    )


@scenario(
    "ws_client_disconnect",
    "dead and slow clients are dropped; trading and other clients are unaffected",
    schedule=FaultSchedule(faults=(SlowClient(at=20.0), DeadClient(at=25.0), SlowClient(at=30.0))),
)
async def ws_client_disconnect(sim: Simulation, report: Report, fast: bool) -> None:
    sim.start_alerts(every=10.0)
    await trio.sleep(250)
    fills = len(sim.venue.ledger(sim.account).fills)
    report.check("trading went on", fills > 0, f"{fills} fills")
    hub = sim.tree.actors()
    restarted = [a.name for a in hub if a.name in ("hub", "http") and a.restarts]
    report.check("the hub never restarted", not restarted, str(restarted))
    events = sum(len(r.frames) for r in sim.monitors.recordings)
    report.check("the watching client kept receiving", events > 100, f"{events} frames")
