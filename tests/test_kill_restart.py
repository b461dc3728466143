"""Crash and restart: ``tradeloop run`` killed with SIGKILL while orders are in flight.

The ``kill_restart`` scenario (scenarios/_kill.py) does the work: real
processes on a real data dir, orders through the operator API, a SIGKILL at a
seeded moment, a restart that reconciles with the paper venue's persisted
state, then journal and venue compared to the cent and no client order id
submitted twice (invariants 1 and 2). Once through ``tradeloop scenario``
(which must pick the real clock for it by itself), once in full mode (three
kills in a row on one data dir).
"""

from __future__ import annotations

import argparse

import pytest

from scenarios import add_scenario_commands, run_scenario


@pytest.mark.parametrize("seed", [1, 2])
def test_scenario_command_kills_once_and_the_restart_agrees_with_the_venue(
    capsys: pytest.CaptureFixture[str], seed: int
) -> None:
    parser = argparse.ArgumentParser(prog="tradeloop")
    add_scenario_commands(parser.add_subparsers())
    args = parser.parse_args(["scenario", "kill_restart", "--seed", str(seed)])
    status = args.command_fn(args)
    out = capsys.readouterr().out
    assert status == 0, out
    assert f"kill_restart (seed {seed}) ok" in out
    assert "FAIL" not in out


async def test_three_kills_in_a_row_leave_journal_and_venue_agreeing() -> None:
    report = await run_scenario("kill_restart", seed=3, fast=False)
    assert report.ok, report.summary()
    assert report.facts["kills"] == "3"
    assert int(report.facts["fills"]) > 0
