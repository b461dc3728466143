"""Scenarios as named, seeded scripts over a simulation, each returning a :class:`Report`.

A scenario is a function ``(sim, report, fast)`` that drives the daemon
(faults, alerts, operator commands) and adds its own checks; the runner opens
the simulation, applies the scenario's fault schedule through
:func:`run_schedule` (which adds the invariant checks) and returns the report.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import trio
import trio.testing

from ._faults import FaultSchedule
from ._harness import Simulation, open_simulation
from ._report import Report
from ._run import run_schedule

__all__ = ["SCENARIOS", "Runner", "Scenario", "run_scenario", "scenario", "scenario_runner"]

Body = Callable[[Simulation, Report, bool], Awaitable[None]]
# A scenario that must stop and start the daemon itself: (seed, fast) -> its report.
Runner = Callable[[int, bool], Awaitable[Report]]


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    body: Body | None  # None when ``runner`` runs the whole scenario
    schedule: FaultSchedule = field(default_factory=FaultSchedule)
    duration: float = 600.0  # simulated seconds before the final checks
    fast_duration: float = 300.0
    runner: Runner | None = None  # replaces the standard run (one simulation, one body)
    # True when the runner waits on other processes: it needs trio's real clock, not a MockClock
    real_time: bool = False


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    name: str,
    summary: str,
    *,
    schedule: FaultSchedule | None = None,
    duration: float = 900.0,
    fast_duration: float = 400.0,
) -> Callable[[Body], Body]:
    def register(body: Body) -> Body:
        SCENARIOS[name] = Scenario(
            name, summary, body, schedule or FaultSchedule(), duration, fast_duration
        )
        return body

    return register


def scenario_runner(
    name: str, summary: str, *, real_time: bool = False
) -> Callable[[Runner], Runner]:
    """Register a scenario that runs its own simulations (and their checks) from start to end.

    ``real_time`` marks a runner that drives real processes: it is always run on the
    wall clock, whatever the caller asked for.
    """

    def register(runner: Runner) -> Runner:
        SCENARIOS[name] = Scenario(name, summary, None, runner=runner, real_time=real_time)
        return runner

    return register


async def run_scenario(
    name: str, *, seed: int = 0, fast: bool = True, schedule: FaultSchedule | None = None
) -> Report:
    """Run scenario ``name`` (``schedule`` replaces its own when given)."""
    spec = SCENARIOS[name]
    if spec.real_time and isinstance(trio.lowlevel.current_clock(), trio.testing.MockClock):
        raise ValueError(f"scenario {name!r} drives real processes: run it on the real clock")
    if spec.runner is not None:
        if schedule is not None:
            raise ValueError(f"scenario {name!r} runs its own simulations: it takes no schedule")
        started = time.perf_counter()
        report = await spec.runner(seed, fast)
        report.wall_seconds = time.perf_counter() - started
        return report
    schedule = schedule if schedule is not None else spec.schedule
    duration = spec.fast_duration if fast else spec.duration
    started = time.perf_counter()
    async with open_simulation(seed) as sim:
        await sim.monitors.open_recording()
        report = Report(name=name, seed=seed, schedule=schedule, duration=duration)
        async with trio.open_nursery() as nursery:
            if spec.body is not None:
                nursery.start_soon(spec.body, sim, report, fast)
            run = await run_schedule(sim, schedule, duration, name=name)
            nursery.cancel_scope.cancel()
        report.checks = run.checks + report.checks
        report.facts = {**run.facts, **report.facts}
    report.wall_seconds = time.perf_counter() - started
    return report
