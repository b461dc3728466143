"""Protective stops: how far, where on the tick grid, and how they trail.

A stop's distance comes from a fixed percentage or a multiple of the ATR and
is always bounded (0.5 % to 10 % of the price by default): a stop too tight is
noise, one too wide is no protection. A trailing stop follows the price in
the position's favour and never moves back: :func:`trail` only ever tightens.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, final

from actors.messages import Instrument

__all__ = ["Atr", "bound_distance", "place_stop", "trail"]

ZERO: Final = Decimal(0)


def bound_distance(
    distance: Decimal, price: Decimal, min_fraction: Decimal, max_fraction: Decimal
) -> Decimal:
    """``distance`` clamped to [``min_fraction`` × price, ``max_fraction`` × price]."""
    return min(max(distance, min_fraction * price), max_fraction * price)


def place_stop(price: Decimal, *, long: bool, distance: Decimal, instrument: Instrument) -> Decimal:
    """The stop ``distance`` away from ``price`` on the losing side, on the tick grid.

    It is rounded towards the price (a long's stop up, a short's down), so
    rounding never widens the risk beyond the bounded distance.
    """
    if long:
        return instrument.round_price(price - distance, direction="up")
    return instrument.round_price(price + distance, direction="down")


def trail(
    current: Decimal, price: Decimal, *, long: bool, distance: Decimal, instrument: Instrument
) -> Decimal:
    """The trailing stop after ``price``: tighter when the price moved in favour, else the same."""
    candidate = place_stop(price, long=long, distance=distance, instrument=instrument)
    return max(current, candidate) if long else min(current, candidate)


@final
class Atr:
    """Average true range over ``period`` bars, Wilder's smoothing, in exact Decimal.

    The first value is the plain average of the first ``period`` true ranges;
    after that ``atr = (atr × (n - 1) + tr) / n``.
    """

    __slots__ = ("_close", "_seed", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = period
        self.value: Decimal | None = None
        self._close: Decimal | None = None
        self._seed: list[Decimal] = []

    def update(self, high: Decimal, low: Decimal, close: Decimal) -> Decimal | None:
        previous = self._close
        true_range = high - low
        if previous is not None:
            true_range = max(true_range, abs(high - previous), abs(low - previous))
        self._close = close
        if self.value is None:
            self._seed.append(true_range)
            if len(self._seed) == self.period:
                self.value = sum(self._seed, ZERO) / self.period
                self._seed.clear()
        else:
            self.value = (self.value * (self.period - 1) + true_range) / self.period
        return self.value
