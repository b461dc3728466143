"""``tradeloop scenario NAME|all`` and ``tradeloop scenario replay``: run chaos in the terminal.

Virtual time by default (a simulated hour in seconds); ``--real-time`` runs
on the wall clock so ``tradeloop monitor`` can watch it live. A scenario
marked ``real_time`` (it drives real processes, like ``kill_restart``) always
runs on the wall clock: each scenario gets its own ``trio.run`` and clock. Exit status is
1 when any check fails, 2 for a bad name or schedule file.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

import trio
import trio.testing
from rich.console import Console
from rich.table import Table

from . import _chaos as _chaos  # registers the scenarios
from ._faults import load_schedule
from ._harness import open_simulation
from ._report import Report
from ._run import run_schedule
from ._scenario import SCENARIOS, run_scenario

__all__ = ["add_scenario_commands"]


def add_scenario_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``scenario`` (NAME, ``all`` or ``replay``) to the ``tradeloop`` command line."""
    names = ", ".join(sorted(SCENARIOS))
    parser = subparsers.add_parser(
        "scenario",
        help="run a chaos scenario against the whole daemon",
        description=f"Scenarios: {names}. `all` runs every one; `replay` re-runs a fault file.",
    )
    parser.add_argument("name", help="a scenario name, `all`, or `replay`")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real-time", action="store_true", help="run on the wall clock")
    parser.add_argument("--full", action="store_true", help="the long version of each scenario")
    parser.add_argument("--faults", type=Path, help="replay: a fault schedule (JSON)")
    parser.add_argument("--duration", type=float, default=600.0, help="replay: simulated seconds")
    parser.set_defaults(command_fn=_cmd_scenario)


def _cmd_scenario(args: argparse.Namespace) -> int:
    console = Console()
    if args.name == "replay":
        if args.faults is None:
            console.print("scenario replay needs --faults FILE")
            return 2
        try:
            schedule = load_schedule(args.faults)
        except ValueError as exc:
            console.print(f"bad fault schedule: {exc}")
            return 2

        async def replay() -> Report:
            async with open_simulation(args.seed) as sim:
                await sim.monitors.open_recording()
                sim.start_alerts(every=10.0)
                return await run_schedule(sim, schedule, args.duration, name="replay")

        reports = [_run(replay, real_time=args.real_time)]
    else:
        names = sorted(SCENARIOS) if args.name == "all" else [args.name]
        unknown = [n for n in names if n not in SCENARIOS]
        if unknown:
            console.print(f"unknown scenario {unknown[0]!r}; known: {', '.join(sorted(SCENARIOS))}")
            return 2

        reports = [
            _run(
                partial(run_scenario, name, seed=args.seed, fast=not args.full),
                real_time=args.real_time or SCENARIOS[name].real_time,
            )
            for name in names
        ]
    for report in reports:
        console.print(_table(report))
        if not report.ok:
            console.print(report.replay_hint())
    return 0 if all(report.ok for report in reports) else 1


def _run(main: Callable[[], Awaitable[Report]], *, real_time: bool) -> Report:
    if real_time:
        return trio.run(main)
    return trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def _table(report: Report) -> Table:
    status = "[green]ok[/]" if report.ok else "[red]FAILED[/]"
    facts = ", ".join(f"{k} {v}" for k, v in report.facts.items())
    table = Table(
        title=f"{report.name} (seed {report.seed}) {status}",
        caption=f"{facts}; {report.wall_seconds:.1f} s wall",
    )
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    for check in report.checks:
        table.add_row(
            check.name, "[green]pass[/]" if check.passed else "[red]FAIL[/]", check.detail
        )
    return table
