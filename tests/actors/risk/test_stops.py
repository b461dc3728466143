"""Stops: bounded distance, on the tick grid, trailing never loosens, exact ATR."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from actors.messages import Instrument, InstrumentKind
from actors.risk import Atr, bound_distance, place_stop, trail

MES = Instrument(symbol="MES", kind=InstrumentKind.FUTURE, tick_size=D("0.25"), multiplier=D(5))


def test_distance_is_bounded_between_half_and_ten_percent() -> None:
    lo, hi = D("0.005"), D("0.10")
    assert bound_distance(D("0.1"), D(100), lo, hi) == D("0.5")
    assert bound_distance(D(3), D(100), lo, hi) == D(3)
    assert bound_distance(D(25), D(100), lo, hi) == D(10)


def test_stops_sit_on_the_tick_grid_rounded_towards_the_price() -> None:
    assert place_stop(D(5000), long=True, distance=D("37.6"), instrument=MES) == D("4962.50")
    assert place_stop(D(5000), long=False, distance=D("37.6"), instrument=MES) == D("5037.50")


def test_trailing_stop_tightens_with_the_price_only() -> None:
    stop = place_stop(D(5000), long=True, distance=D(50), instrument=MES)
    assert stop == D(4950)
    up = trail(stop, D(5100), long=True, distance=D(50), instrument=MES)
    assert up == D(5050)
    assert trail(up, D(5000), long=True, distance=D(50), instrument=MES) == D(5050)
    short = trail(D(5050), D(4900), long=False, distance=D(50), instrument=MES)
    assert short == D(4950)
    assert trail(short, D(5100), long=False, distance=D(50), instrument=MES) == D(4950)


@given(
    long=st.booleans(),
    moves=st.lists(st.integers(min_value=-400, max_value=400), min_size=1, max_size=60),
    fraction=st.sampled_from([D("0.005"), D("0.02"), D("0.1")]),
)
def test_a_trailing_stop_never_loosens(long: bool, moves: list[int], fraction: D) -> None:
    price = D(5000)
    stop = place_stop(price, long=long, distance=fraction * price, instrument=MES)
    for move in moves:
        price = max(price + D(move) * MES.tick_size, D(100))
        new = trail(stop, price, long=long, distance=fraction * price, instrument=MES)
        assert (new >= stop) if long else (new <= stop)
        assert MES.is_on_tick(new)
        stop = new


def test_atr_is_wilder_smoothed_true_range() -> None:
    atr = Atr(3)
    assert atr.update(D(10), D(8), D(9)) is None
    assert atr.update(D(11), D(9), D(10)) is None
    assert atr.update(D(12), D(9), D(11)) == D(7) / 3  # true ranges 2, 2, 3
    assert atr.update(D(13), D(12), D("12.5")) == (D(7) / 3 * 2 + 2) / 3  # gap: range 2
