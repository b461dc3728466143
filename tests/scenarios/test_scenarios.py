"""Each chaos scenario, fast mode, in virtual time: every check of its report passed."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from scenarios import SCENARIOS, run_scenario


@pytest.mark.parametrize("name", sorted(n for n, s in SCENARIOS.items() if not s.real_time))
def test_scenario_checks_pass(name: str) -> None:
    """Virtual-time scenarios; the real-time ones (real processes) have their own tests."""

    async def main() -> None:
        report = await run_scenario(name, seed=0, fast=True)
        assert report.checks
        assert report.ok, report.summary()

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def test_scenario_command_runs_one_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from scenarios import add_scenario_commands

    parser = argparse.ArgumentParser(prog="tradeloop")
    add_scenario_commands(parser.add_subparsers())
    args = parser.parse_args(["scenario", "ws_connect", "--seed", "2"])
    assert args.command_fn(args) == 0
    assert "hello then snapshot" in capsys.readouterr().out


def test_scenario_command_refuses_an_unknown_name(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from scenarios import add_scenario_commands

    parser = argparse.ArgumentParser(prog="tradeloop")
    add_scenario_commands(parser.add_subparsers())
    args = parser.parse_args(["scenario", "no_such"])
    assert args.command_fn(args) == 2
    assert "unknown scenario 'no_such'" in capsys.readouterr().out


def test_a_real_time_scenario_refuses_a_mock_clock() -> None:
    async def main() -> None:
        with pytest.raises(ValueError, match="drives real processes"):
            await run_scenario("kill_restart", seed=0, fast=True)

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
