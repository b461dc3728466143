"""Warm-up: a strategy rebuilt from its last ``lookback`` bars and its positions acts as
if it had never stopped.

Property: run one instance through a whole random series, every signal filled at once at
the bar's close; at a random minute start a second instance warmed from only the bars the
first had seen (the last ``lookback`` per symbol) and the positions the portfolio would
report, then feed both the rest. From that minute on they emit the same signals.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actors.messages import Bar, Signal
from actors.strategies import (
    BreakoutParams,
    BreakoutStrategy,
    MeanReversionParams,
    MeanReversionStrategy,
    MomentumParams,
    MomentumStrategy,
    PairsParams,
    PairsStrategy,
    StrategyBase,
)

from ._market import bar, fill_for, position_update

FACTORIES: dict[str, Callable[[], StrategyBase]] = {
    "momentum": lambda: MomentumStrategy(
        "m", ["SPY", "QQQ"], MomentumParams(fast=2, slow=4, atr_period=5, allow_short=True)
    ),
    "mean_reversion": lambda: MeanReversionStrategy(
        "r", ["SPY", "QQQ"], MeanReversionParams(window=5, entry_z=1.5, allow_short=True)
    ),
    "breakout": lambda: BreakoutStrategy(
        "b", ["SPY", "QQQ"], BreakoutParams(entry_bars=4, exit_bars=2, allow_short=True)
    ),
    "pairs": lambda: PairsStrategy(
        "p", ["SPY", "QQQ"], PairsParams(window=6, entry_z=1.5, max_holding=300.0)
    ),
}

steps = st.lists(st.integers(min_value=-40, max_value=40), min_size=12, max_size=60)


def _market(spy: list[int], qqq: list[int], wicks: list[int]) -> list[list[Bar]]:
    """Bars by minute: SPY and QQQ random walks in cents, with wicks around the close."""
    minutes = min(len(spy), len(qqq))
    prices = {"SPY": 10_000, "QQQ": 8_000}
    out: list[list[Bar]] = []
    for minute in range(minutes):
        row = []
        for symbol, move in (("SPY", spy[minute]), ("QQQ", qqq[minute] + spy[minute] // 2)):
            prices[symbol] += move
            close = Decimal(prices[symbol]) / 100
            wick = Decimal(wicks[minute % len(wicks)]) / 100
            row.append(
                bar(symbol, minute, str(close), high=str(close + wick), low=str(close - wick))
            )
        out.append(row)
    return out


def _run(strategy: StrategyBase, minutes: list[list[Bar]]) -> list[list[Signal]]:
    """Feed bars, filling every signal in full at the bar's close; signals per minute."""
    emitted = []
    for row in minutes:
        signals = []
        for b in row:
            for signal in strategy.on_bar(b):
                signals.append(signal)
                strategy.on_fill(fill_for(strategy, signal, b.close))
        emitted.append(signals)
    return emitted


@pytest.mark.parametrize("kind", sorted(FACTORIES))
@given(
    spy=steps,
    qqq=steps,
    wicks=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=8),
    split=st.floats(min_value=0.0, max_value=1.0),
)
def test_a_rewarmed_strategy_emits_what_an_uninterrupted_one_emits(
    kind: str, spy: list[int], qqq: list[int], wicks: list[int], split: float
) -> None:
    minutes = _market(spy, qqq, wicks)
    at = round(split * len(minutes))
    steady = FACTORIES[kind]()
    _run(steady, minutes[:at])
    restarted = FACTORIES[kind]()
    seen = [b for row in minutes[:at] for b in row]
    restarted.warm_up(
        b
        for symbol in restarted.symbols
        for b in [b for b in seen if b.symbol == symbol][-restarted.lookback :]
    )
    restarted.restore(position_update(steady, symbol) for symbol in steady.symbols)
    assert _run(restarted, minutes[at:]) == _run(steady, minutes[at:])


def test_the_property_is_not_vacuous() -> None:
    """The series the property draws do make every kind trade (checked on one of them)."""
    minutes = _market(
        [35, -30, 25, -40, 38, -12, 40, 33, -39, -40, 20, 31, -2, 15] * 3, [3] * 42, [5, 12]
    )
    for kind, factory in FACTORIES.items():
        assert any(_run(factory(), minutes)), kind
