"""Breakout: the Donchian channel, entry on the N-bar extreme, exit on the M-bar one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actors.messages import Bar, Signal, SignalAction
from actors.strategies import BreakoutParams, BreakoutStrategy

from ._market import bar, close_ts, fill_for

CHANNEL = [  # (high, low, close); 3-bar channel 11 / 9, 2-bar channel 11 / 9.5 after them
    ("10", "9", "9.5"),
    ("11", "9.5", "10"),
    ("10.5", "9.8", "10.2"),
]


def _bars(rows: list[tuple[str, str, str]], first: int = 0) -> list[Bar]:
    return [bar("NVDA", first + i, c, high=h, low=lo) for i, (h, lo, c) in enumerate(rows)]


def _strategy(**params: object) -> BreakoutStrategy:
    return BreakoutStrategy("brk", ["NVDA"], BreakoutParams(entry_bars=3, exit_bars=2, **params))  # type: ignore[arg-type]


def _feed(
    strategy: BreakoutStrategy, rows: list[tuple[str, str, str]], first: int = 0
) -> list[list[Signal]]:
    return [list(strategy.on_bar(b)) for b in _bars(rows, first)]


def test_a_close_above_the_entry_channel_buys_with_the_exit_channel_low_as_stop() -> None:
    strategy = _strategy()
    emitted = _feed(strategy, [*CHANNEL, ("11", "10.5", "11"), ("11.3", "11", "11.2")])
    assert emitted[:4] == [[], [], [], []]  # bar 3 closes at the channel high: not above it
    # bars 1-3: 3-bar high 11; bars 2-3: 2-bar low 9.8
    assert emitted[4] == [
        Signal(
            signal_id=f"brk:NVDA:buy:{round(close_ts(4) * 1000)}",
            strategy="brk",
            symbol="NVDA",
            action=SignalAction.BUY,
            ts=close_ts(4),
            stop_price=Decimal("9.8"),
            reason="close 11.2 above 3-bar high 11",
        )
    ]


def test_the_long_exits_on_a_close_below_the_exit_channel() -> None:
    strategy = _strategy()
    (entry,) = _feed(strategy, [*CHANNEL, ("11", "10.5", "11"), ("11.3", "11", "11.2")])[4]
    strategy.on_fill(fill_for(strategy, entry, Decimal("11.2")))
    # bar 5 holds above the 2-bar low 10.5; bar 6 closes under the 2-bar low 10.55
    emitted = _feed(strategy, [("11", "10.55", "10.6"), ("10.6", "10.4", "10.5")], first=5)
    assert emitted[0] == []
    (exit_,) = emitted[1]
    assert (exit_.action, exit_.reason) == (SignalAction.CLOSE, "close 10.5 below 2-bar low")


@pytest.mark.parametrize(("allow_short", "expected"), [(False, []), (True, [SignalAction.SELL])])
def test_a_close_below_the_entry_channel_shorts_only_when_allowed(
    allow_short: bool, expected: list[SignalAction]
) -> None:
    strategy = _strategy(allow_short=allow_short)
    emitted = _feed(strategy, [*CHANNEL, ("9.2", "8.7", "8.8")])
    assert [s.action for s in emitted[3]] == expected
    if allow_short:
        assert emitted[3][0].stop_price == Decimal("11")  # the 2-bar high of bars 1-2
        strategy.on_fill(fill_for(strategy, emitted[3][0], Decimal("8.8")))
        # 2-bar high of bars 2-3 is 10.5: a close at 10.6 covers
        (cover,) = _feed(strategy, [("10.7", "10.2", "10.6")], first=4)[0]
        assert (cover.action, cover.reason) == (SignalAction.CLOSE, "close 10.6 above 2-bar high")


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="entry_bars and exit_bars >= 1"):
        BreakoutParams(exit_bars=0)
