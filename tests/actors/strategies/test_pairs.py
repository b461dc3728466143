"""Pairs: hedge ratio by rolling OLS, entries at |z| >= 2, exits, stops and the holding limit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actors.messages import Signal, SignalAction
from actors.strategies import PairsParams, PairsStrategy

from ._market import bar, close_ts, fill_for

# y = 2x + e with e orthogonal to x and summing to zero: OLS gives exactly a = 0, b = 2 and a
# residual standard deviation of sqrt(0.028) = 0.1673
WINDOW = [(100, "200.1"), (101, "201.8"), (102, "204.2"), (103, "205.8"), (104, "208.1")]


def _strategy(**params: object) -> PairsStrategy:
    return PairsStrategy("pairs", ["SPY", "QQQ"], PairsParams(window=5, **params))  # type: ignore[arg-type]


def _pair(strategy: PairsStrategy, minute: int, x: int | str, y: str) -> list[Signal]:
    """Both bars of one minute, x first; signals come on the second."""
    assert list(strategy.on_bar(bar("QQQ", minute, str(x)))) == []
    return list(strategy.on_bar(bar("SPY", minute, y)))


def _warm(strategy: PairsStrategy) -> None:
    for minute, (x, y) in enumerate(WINDOW):
        assert _pair(strategy, minute, x, y) == []


def _enter(strategy: PairsStrategy) -> list[Signal]:
    _warm(strategy)
    legs = _pair(strategy, 5, 102, "203.58")  # residual -0.42: z -2.51
    for leg in legs:
        strategy.on_fill(fill_for(strategy, leg, Decimal(100)))
    return legs


def test_a_cheap_spread_buys_y_and_sells_x_in_the_hedge_ratio() -> None:
    legs = _enter(_strategy())
    why = "spread cheap: spread z -2.51, hedge ratio 2.0000"
    ms = round(close_ts(5) * 1000)
    assert legs == [
        Signal(
            signal_id=f"pairs:SPY:buy:{ms}",
            strategy="pairs",
            symbol="SPY",
            action=SignalAction.BUY,
            ts=close_ts(5),
            quantity=Decimal(10),
            reason=why,
        ),
        Signal(
            signal_id=f"pairs:QQQ:sell:{ms}",
            strategy="pairs",
            symbol="QQQ",
            action=SignalAction.SELL,
            ts=close_ts(5),
            quantity=Decimal(20),
            reason=why,
        ),
    ]


def test_a_rich_spread_sells_y_and_buys_x() -> None:
    strategy = _strategy(quantity=Decimal(3))
    _warm(strategy)
    legs = _pair(strategy, 5, 102, "204.42")  # z +2.51
    assert [(s.symbol, s.action, s.quantity) for s in legs] == [
        ("SPY", SignalAction.SELL, Decimal(3)),
        ("QQQ", SignalAction.BUY, Decimal(6)),
    ]


def test_inside_the_band_it_holds() -> None:
    strategy = _strategy()
    _enter(strategy)
    assert (strategy.position("SPY"), strategy.position("QQQ")) == (Decimal(10), Decimal(-20))
    # refit over minutes 1-5: a -8.14, b 2.0785, sd 0.2099
    assert _pair(strategy, 6, 103, "205.6") == []  # z -1.63: still stretched


def test_on_reversion_both_legs_close() -> None:
    strategy = _strategy()
    _enter(strategy)
    exits = _pair(strategy, 6, 103, "205.9")  # z -0.21
    why = "reverted: spread z -0.21, hedge ratio 2.0785"
    assert [(s.symbol, s.action, s.reason) for s in exits] == [
        ("SPY", SignalAction.CLOSE, why),
        ("QQQ", SignalAction.CLOSE, why),
    ]


def test_a_spread_running_on_past_stop_z_closes_both_legs() -> None:
    strategy = _strategy()
    _enter(strategy)
    exits = _pair(strategy, 6, 103, "196")
    assert [s.action for s in exits] == [SignalAction.CLOSE, SignalAction.CLOSE]
    assert exits[0].reason.startswith("stopped: spread z -")


def test_the_position_is_closed_after_the_maximum_holding_time() -> None:
    strategy = _strategy(max_holding=120.0)
    _enter(strategy)
    assert _pair(strategy, 6, 103, "205.6") == []  # held 60 s
    exits = _pair(strategy, 7, 104, "207.6")
    assert [s.symbol for s in exits] == ["SPY", "QQQ"]
    assert exits[0].reason.startswith("held 120 s, the most allowed: ")


def test_no_pair_no_reading_and_no_trade_on_a_negative_hedge_ratio() -> None:
    strategy = _strategy()
    for minute, (x, y) in enumerate(WINDOW):
        assert _pair(strategy, minute, 200 - x, y) == []  # y falls as x rises: b = -2
    assert _pair(strategy, 5, 98, "203.58") == []
    assert list(strategy.on_bar(bar("SPY", 6, "190"))) == []  # no QQQ bar for minute 6


def test_it_needs_two_distinct_symbols() -> None:
    with pytest.raises(ValueError, match="two distinct symbols"):
        PairsStrategy("pairs", ["SPY", "SPY"])
