"""Momentum: the moving-average cross, its exits and shorts, and no double entries."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from actors.messages import Signal, SignalAction
from actors.strategies import MomentumParams, MomentumStrategy

from ._market import bar, close_ts, fill_for, series

FLAT_THEN_UP = ["10", "10", "10", "10", "11"]  # fast SMA(2) crosses above slow SMA(3) at bar 4


def _strategy(**params: object) -> MomentumStrategy:
    defaults: dict[str, object] = {"fast": 2, "slow": 3, "atr_period": 3}
    return MomentumStrategy("mom", ["SPY"], MomentumParams(**(defaults | params)))  # type: ignore[arg-type]


def _feed(strategy: MomentumStrategy, closes: list[str], first: int = 0) -> list[list[Signal]]:
    return [list(strategy.on_bar(b)) for b in series("SPY", closes, first)]


def test_an_up_cross_buys_once_with_an_atr_stop() -> None:
    strategy = _strategy()
    emitted = _feed(strategy, [*FLAT_THEN_UP, "11"])
    assert emitted[:4] == [[], [], [], []]
    # closes 10,10,10,11: true ranges 0,0,1 -> ATR 1/3; stop 11 - 2 * 1/3 on the cent grid
    assert emitted[4] == [
        Signal(
            signal_id=f"mom:SPY:buy:{round(close_ts(4) * 1000)}",
            strategy="mom",
            symbol="SPY",
            action=SignalAction.BUY,
            ts=close_ts(4),
            stop_price=Decimal("10.33"),
            reason="SMA(2) 10.5000 crossed above SMA(3) 10.3333",
        )
    ]
    assert emitted[5] == []  # 11 again: no new cross


def test_a_down_cross_closes_the_long_and_does_not_short_by_default() -> None:
    strategy = _strategy()
    (entry,) = _feed(strategy, FLAT_THEN_UP)[4]
    strategy.on_fill(fill_for(strategy, entry, Decimal(11)))
    assert strategy.position("SPY") == 5
    emitted = _feed(strategy, ["11", "9"], first=5)
    assert emitted[0] == []
    (exit_,) = emitted[1]
    assert (exit_.action, exit_.ts, exit_.quantity) == (SignalAction.CLOSE, close_ts(6), None)
    assert exit_.reason == "SMA(2) 10.0000 crossed below SMA(3) 10.3333"


def test_with_shorts_a_down_cross_sells_and_the_next_up_cross_covers_and_buys() -> None:
    strategy = _strategy(allow_short=True)
    _feed(strategy, FLAT_THEN_UP)  # the buy is never filled: the strategy stays flat
    emitted = _feed(strategy, ["11", "9"], first=5)
    (short,) = emitted[1]
    # closes 10,11,11,9: true ranges 1,0,2 -> ATR 1; stop 9 + 2
    assert (short.action, short.stop_price) == (SignalAction.SELL, Decimal("11.00"))
    strategy.on_fill(fill_for(strategy, short, Decimal(9)))
    assert strategy.position("SPY") == -5
    emitted = _feed(strategy, ["9", "12"], first=7)
    assert emitted[0] == []
    assert [s.action for s in emitted[1]] == [SignalAction.CLOSE, SignalAction.BUY]


def test_a_second_up_cross_is_no_second_entry_while_long() -> None:
    # after the cross at bar 4, close 9 makes fast == slow (no cross down) and 14 crosses up again
    strategy = _strategy()
    (entry,) = _feed(strategy, FLAT_THEN_UP)[4]
    strategy.on_fill(fill_for(strategy, entry, Decimal(11)))
    assert _feed(strategy, ["9", "14"], first=5) == [[], []]


def test_an_unfilled_entry_is_not_sent_again_until_resend_after() -> None:
    waiting = _strategy()
    _feed(waiting, FLAT_THEN_UP)
    assert _feed(waiting, ["9", "14"], first=5) == [[], []]  # in flight for 120 s < 300 s

    retrying = _strategy(resend_after=60.0)
    (first,) = _feed(retrying, FLAT_THEN_UP)[4]
    second = _feed(retrying, ["9", "14"], first=5)[1]
    assert [(s.action, s.ts) for s in second] == [(SignalAction.BUY, close_ts(6))]
    assert second[0].signal_id != first.signal_id


def test_it_waits_for_slow_plus_one_bars_and_ignores_others_and_repeats() -> None:
    strategy = _strategy()
    assert strategy.lookback == 4
    assert list(strategy.on_bar(bar("QQQ", 0, "10"))) == []
    emitted = _feed(strategy, FLAT_THEN_UP[:4])
    emitted.append(list(strategy.on_bar(bar("SPY", 3, "11"))))  # a repeat of bar 3: ignored
    emitted += _feed(strategy, ["11"], first=4)
    assert [len(e) for e in emitted] == [0, 0, 0, 0, 0, 1]


def test_fills_of_other_strategies_leave_its_position_alone() -> None:
    strategy = _strategy()
    (entry,) = _feed(strategy, FLAT_THEN_UP)[4]
    other = fill_for(strategy, entry, Decimal(11))
    strategy.on_fill(msgspec.structs.replace(other, strategy="someone-else"))
    assert strategy.position("SPY") == 0
    strategy.on_fill(other)
    strategy.on_fill(fill_for(strategy, entry, Decimal(11)))  # a second buy of 5: adds
    assert strategy.holding("SPY").quantity == 10
    assert strategy.holding("SPY").since == close_ts(4)
