"""The invariants of DESIGN.md, checked against a running simulation.

Each check reads the real parts: the venue's own books (submissions, fills,
positions, cash), the journal (asked like any actor asks it), the
portfolio's snapshot, the probe's breaker and supervision events, and what
the monitoring clients received. A check returns a :class:`Check` whose
``detail`` says what was seen, so a failure explains itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import msgspec
import trio

from actors.messages import BreakerState, Fill, GetPortfolio, PortfolioSnapshot, TradingState
from runtime import ActorCrashed, ActorRestarting
from runtime.errors import ActorUnavailable, AskInterrupted, AskTimeout
from runtime.journal import ReadAfter, Records

from ._faults import (
    ActorCrash,
    BrokerOutage,
    BrokerTimeout,
    DuplicateUpdates,
    FeedDisconnect,
    FeedStall,
    JournalWriteFailure,
    ReorderUpdates,
    StopPartial,
    StrategyCrash,
)
from ._monitor import seq_violations
from ._switch import children_after, leaf_names

if TYPE_CHECKING:
    from ._harness import Simulation

__all__ = [
    "Check",
    "final_checks",
    "journal_fills",
    "portfolio",
    "step_checks",
]

_Unreachable = (ActorUnavailable, AskInterrupted, AskTimeout)


class Check(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    passed: bool
    detail: str = ""


async def portfolio(sim: Simulation) -> PortfolioSnapshot | None:
    """The portfolio's snapshot, or None while it cannot answer (restarting)."""
    for _ in range(10):
        try:
            snapshot = await sim.tree.ref("portfolio").ask(GetPortfolio(), timeout=5.0)
        except _Unreachable:
            await trio.sleep(1.0)
            continue
        assert isinstance(snapshot, PortfolioSnapshot)
        return snapshot
    return None


async def journal_fills(sim: Simulation) -> list[Fill] | None:
    """Every fill in the journal, in order; None while the journal cannot answer."""
    for _ in range(10):
        try:
            records = await sim.tree.ref("journal").ask(ReadAfter(types=("fill",)), timeout=10.0)
        except _Unreachable:
            await trio.sleep(1.0)
            continue
        assert isinstance(records, Records)
        return [r.payload for r in records.records if isinstance(r.payload, Fill)]
    return None


def no_double_submission(sim: Simulation) -> Check:
    twice = {cid: n for cid, n in sim.venue.submissions(sim.account).items() if n > 1}
    return Check(
        name="no client order id reaches the venue twice",
        passed=not twice,
        detail=f"submitted more than once: {dict(sorted(twice.items())[:5])}" if twice else "",
    )


async def fills_booked_once(sim: Simulation, *, complete: bool) -> Check:
    """Journaled fills are unique and all real; ``complete``: every venue fill is journaled."""
    name = "every venue fill is booked once"
    journaled = await journal_fills(sim)
    if journaled is None:
        return Check(name=name, passed=False, detail="the journal did not answer")
    ids = [fill.execution_id for fill in journaled]
    venue = {fill.execution_id for fill in sim.venue.ledger(sim.account).fills}
    doubled = sorted({i for i in ids if ids.count(i) > 1})
    unknown = sorted(set(ids) - venue)
    missing = sorted(venue - set(ids)) if complete else []
    problems = [
        f"{label}: {values[:5]}"
        for label, values in (("twice", doubled), ("not at the venue", unknown), ("lost", missing))
        if values
    ]
    return Check(
        name=name,
        passed=not problems,
        detail="; ".join(problems) or f"{len(ids)} fills, {len(venue)} at the venue",
    )


async def equity_exact(sim: Simulation) -> Check:
    name = "cash + position value == equity exactly"
    snapshot = await portfolio(sim)
    if snapshot is None:
        return Check(name=name, passed=False, detail="the portfolio did not answer")
    p = snapshot.portfolio
    value = sum((position.market_value for position in snapshot.positions), Decimal(0))
    ok = p.cash + p.positions_value == p.equity and value == p.positions_value
    return Check(
        name=name,
        passed=ok,
        detail=f"cash {p.cash} + positions {p.positions_value} (Σ {value}) vs equity {p.equity}",
    )


def breakers_blocked_risk(sim: Simulation) -> Check:
    """No entry order created after a trip (in its scope) until its reset."""
    updates = sim.breaker_updates
    orders = sim.venue.ledger(sim.account).orders.values()
    leaks: list[str] = []
    trips = 0
    for index, trip in enumerate(updates):
        # A per-symbol breaker (price_shock:SPY) halts entries in its symbol while the
        # account stays ACTIVE; an account-wide one shows in its trading_state.
        if trip.state is not BreakerState.TRIPPED or (
            trip.symbol is None and trip.trading_state is TradingState.ACTIVE
        ):
            continue
        trips += 1
        reset = next(
            (
                u.ts
                for u in updates[index + 1 :]
                if u.name == trip.name and u.state is not BreakerState.TRIPPED
            ),
            None,
        )
        for record in orders:
            order = record.order
            if (
                not order.reduce_only
                and order.ts > trip.ts
                and (reset is None or order.ts < reset)
                and trip.symbol in (None, order.symbol)
            ):
                leaks.append(
                    f"{order.client_order_id} {order.side} {order.symbol} after {trip.name}"
                )
    return Check(
        name="tripped breakers blocked new risk",
        passed=not leaks,
        detail="; ".join(leaks[:5]) or f"{trips} trips",
    )


def allowed_restarts(sim: Simulation) -> set[str]:
    """The actors the applied faults may restart: the failing subtree and what depends on it."""
    names = leaf_names(sim.spec)
    allowed: set[str] = set()

    def failing(name: str) -> None:
        allowed.add(name)
        allowed.update(children_after(sim.spec, name))

    for fault in sim.applied:
        match fault:
            case (
                BrokerOutage()
                | BrokerTimeout()
                | DuplicateUpdates()
                | ReorderUpdates()
                | StopPartial()
            ):
                allowed.update(n for n in names if n.startswith("broker-"))
            case FeedDisconnect() | FeedStall():
                allowed.update(n for n in names if n.startswith("feed-"))
            case StrategyCrash(strategy=strategy):
                failing(f"strategy-{strategy}")
            case ActorCrash(actor=actor):
                failing(actor)
            case JournalWriteFailure():
                failing("journal")
                allowed.update(n for n in names if n.startswith("broker-"))
    return allowed


def restarts_contained(sim: Simulation) -> Check:
    allowed = allowed_restarts(sim)
    hit = sorted(
        {
            event.actor
            for event in sim.actor_events
            if isinstance(event, ActorCrashed | ActorRestarting) and event.actor not in allowed
        }
    )
    crashed = sorted({e.actor for e in sim.actor_events if isinstance(e, ActorCrashed)})
    return Check(
        name="no actor outside a failing subtree restarted",
        passed=not hit,
        detail=f"unexpected: {hit}" if hit else f"crashed: {crashed}",
    )


def monitors_in_order(sim: Simulation) -> Check:
    problems = [p for r in sim.monitors.recordings for p in seq_violations(r)]
    frames = sum(len(r.frames) for r in sim.monitors.recordings)
    return Check(
        name="monitoring events in seq order or announced by state_recovery",
        passed=not problems,
        detail="; ".join(problems[:3]) or f"{frames} frames to {len(sim.monitors.recordings)}",
    )


async def step_checks(sim: Simulation) -> list[Check]:
    return [
        no_double_submission(sim),
        await fills_booked_once(sim, complete=False),
        await equity_exact(sim),
        breakers_blocked_risk(sim),
        restarts_contained(sim),
        monitors_in_order(sim),
    ]


async def books_agree(sim: Simulation, *, attempts: int = 30) -> Check:
    """Portfolio, journal and venue agree (retried: fills may be in flight on the stream)."""
    detail = ""
    for _ in range(attempts):
        snapshot = await portfolio(sim)
        journaled = await journal_fills(sim)
        ledger = sim.venue.ledger(sim.account)
        if snapshot is None or journaled is None:
            detail = "portfolio or journal did not answer"
        else:
            mine = {p.symbol: p.quantity for p in snapshot.positions if p.quantity}
            venue = {s: p.quantity for s, p in ledger.positions.items() if p.quantity}
            j_ids = {f.execution_id for f in journaled}
            v_ids = {f.execution_id for f in ledger.fills}
            cash = snapshot.portfolio.cash
            if mine == venue and cash == ledger.cash and j_ids == v_ids:
                return Check(
                    name="journal, portfolio and venue agree once faults stop",
                    passed=True,
                    detail=f"{len(venue)} positions, cash {cash}, {len(v_ids)} fills",
                )
            detail = (
                f"positions {mine} vs venue {venue}; cash {cash} vs {ledger.cash}; "
                f"fills journal-only {sorted(j_ids - v_ids)[:3]} "
                f"venue-only {sorted(v_ids - j_ids)[:3]}"
            )
        await trio.sleep(1.0)
    return Check(
        name="journal, portfolio and venue agree once faults stop", passed=False, detail=detail
    )


async def final_checks(sim: Simulation) -> list[Check]:
    checks = [
        no_double_submission(sim),
        await books_agree(sim),
        await fills_booked_once(sim, complete=True),
        await equity_exact(sim),
        breakers_blocked_risk(sim),
        restarts_contained(sim),
        monitors_in_order(sim),
    ]
    return checks
