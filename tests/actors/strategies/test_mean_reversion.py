"""Mean reversion: entries at |z| >= entry_z, exits at |z| <= exit_z, stops at stop_z."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actors.messages import Signal, SignalAction
from actors.strategies import MeanReversionParams, MeanReversionStrategy

from ._market import close_ts, fill_for, series

BASE = ["10", "11", "10", "11"]  # mean 10.5, standard deviation 0.5


def _strategy(**params: object) -> MeanReversionStrategy:
    return MeanReversionStrategy("mr", ["AAPL"], MeanReversionParams(window=4, **params))  # type: ignore[arg-type]


def _feed(strategy: MeanReversionStrategy, closes: list[str], first: int = 0) -> list[list[Signal]]:
    return [list(strategy.on_bar(b)) for b in series("AAPL", closes, first)]


def test_a_close_two_deviations_below_the_mean_buys_with_the_stop_at_stop_z() -> None:
    strategy = _strategy()
    emitted = _feed(strategy, [*BASE, "9.5"])  # z = (9.5 - 10.5) / 0.5 = -2.0 exactly
    assert emitted[:4] == [[], [], [], []]
    assert emitted[4] == [
        Signal(
            signal_id=f"mr:AAPL:buy:{round(close_ts(4) * 1000)}",
            strategy="mr",
            symbol="AAPL",
            action=SignalAction.BUY,
            ts=close_ts(4),
            stop_price=Decimal("8.75"),  # 10.5 - 3.5 * 0.5
            reason="stretched: z -2.00 against SMA(4) 10.5000",
        )
    ]


@pytest.mark.parametrize("close", ["9.51", "11.49", "10.5"])
def test_inside_the_entry_band_nothing_happens(close: str) -> None:
    assert _feed(_strategy(), [*BASE, close])[4] == []


def test_shorts_only_when_allowed() -> None:
    assert _feed(_strategy(), [*BASE, "11.6"])[4] == []
    (short,) = _feed(_strategy(allow_short=True), [*BASE, "11.6"])[4]
    assert (short.action, short.stop_price) == (SignalAction.SELL, Decimal("12.25"))


def _long(strategy: MeanReversionStrategy) -> None:
    (entry,) = _feed(strategy, [*BASE, "9.5"])[4]
    strategy.on_fill(fill_for(strategy, entry, Decimal("9.5")))


def test_the_long_is_closed_once_the_price_reverts() -> None:
    strategy = _strategy()
    _long(strategy)
    # window 11,10,11,9.5: mean 10.375, sd 0.6495; 10.0 is z -0.58 (hold), then the window
    # 10,11,9.5,10: mean 10.125, sd 0.5449; 10.0 is z -0.23 (out)
    emitted = _feed(strategy, ["10.0", "10.0"], first=5)
    assert emitted[0] == []
    (exit_,) = emitted[1]
    assert exit_.action is SignalAction.CLOSE
    assert exit_.reason == "reverted: z -0.23 against SMA(4) 10.1250"
    assert _feed(strategy, ["10.0"], first=7) == [[]]  # the exit is in flight: not sent twice


def test_the_long_is_stopped_when_the_price_runs_on_past_stop_z() -> None:
    strategy = _strategy()
    _long(strategy)
    # window 11,10,11,9.5: mean 10.375, sd 0.6495; 8.0 is z -3.66
    (exit_,) = _feed(strategy, ["8.0"], first=5)[0]
    assert exit_.action is SignalAction.CLOSE
    assert exit_.reason == "stopped: z -3.66 against SMA(4) 10.3750"


def test_a_flat_window_gives_no_reading() -> None:
    assert _feed(_strategy(), ["10", "10", "10", "10", "5"])[4] == []


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="0 <= exit_z < entry_z < stop_z"):
        MeanReversionParams(entry_z=2.0, exit_z=2.5)
    with pytest.raises(ValueError, match="window >= 2"):
        MeanReversionParams(window=1)
