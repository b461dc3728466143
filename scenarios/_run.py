"""Run a fault schedule against a simulation, checking the invariants as it goes."""

from __future__ import annotations

import time

import trio

from ._checks import Check, final_checks, step_checks
from ._faults import FaultSchedule
from ._harness import Simulation
from ._report import Report, merge_checks

__all__ = ["run_schedule", "settle"]


async def settle(sim: Simulation, schedule: FaultSchedule, *, quiet: float) -> None:
    """Wait until ``quiet`` seconds have passed since the last fault window closed."""
    until = schedule.quiet_after + quiet
    if sim.now() < until:
        await trio.sleep(until - sim.now())


async def run_schedule(
    sim: Simulation,
    schedule: FaultSchedule,
    duration: float,
    *,
    name: str = "schedule",
    step: float = 30.0,
    quiet: float = 120.0,
) -> Report:
    """Apply ``schedule`` over ``duration`` simulated seconds; check every ``step`` and at the end.

    After the last fault window closes the run waits ``quiet`` seconds (for
    restarts with backoff, order resolution and reconciliation) before the
    final checks, which include that journal, portfolio and venue agree.
    """
    started = time.perf_counter()
    pending = schedule.ordered()
    rounds: list[list[Check]] = []
    next_check = step
    horizon = max([duration, *(fault.at for fault in pending)])  # late faults still apply
    while True:
        due = min(pending[0].at if pending else horizon, next_check, horizon)
        if due > sim.now():
            await trio.sleep(due - sim.now())
        while pending and pending[0].at <= sim.now():
            await sim.apply(pending.pop(0))
        if sim.now() >= next_check:
            rounds.append(await step_checks(sim))
            next_check = sim.now() + step
        if sim.now() >= horizon:
            break
    await settle(sim, schedule, quiet=quiet)
    rounds.append(await final_checks(sim))
    report = Report(name=name, seed=sim.seed, schedule=schedule, duration=duration)
    report.checks = merge_checks(rounds)
    ledger = sim.venue.ledger(sim.account)
    report.facts.update(
        simulated=f"{sim.now():.0f} s",
        faults=str(len(sim.applied)),
        orders=str(len(ledger.orders)),
        fills=str(len(ledger.fills)),
        restarts=str(sum(1 for e in sim.actor_events if type(e).__name__ == "ActorRestarting")),
    )
    report.wall_seconds = time.perf_counter() - started
    return report
