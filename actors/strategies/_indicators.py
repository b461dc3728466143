"""Indicator arithmetic over a window of values.

Each figure is computed from the window's contents alone (no running sums,
no recursive smoothing), so a strategy warmed from its last ``lookback`` bars
holds bit-for-bit the same readings as one that has run since the open.
Floats are fine here: indicators decide, they never price.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from decimal import Decimal

from actors.messages import Bar

__all__ = ["average_true_range", "mean", "ols", "pstdev"]


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def pstdev(values: Sequence[float]) -> float:
    """Population standard deviation (0.0 for a flat window)."""
    centre = mean(values)
    return math.sqrt(math.fsum((v - centre) ** 2 for v in values) / len(values))


def ols(ys: Sequence[float], xs: Sequence[float]) -> tuple[float, float, float] | None:
    """``y = alpha + beta * x`` by least squares: (alpha, beta, residual stdev).

    None when ``x`` does not vary over the window (no ratio can be estimated).
    """
    mx, my = mean(xs), mean(ys)
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    if sxx == 0.0:
        return None
    beta = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    alpha = my - beta * mx
    residuals = [y - alpha - beta * x for x, y in zip(xs, ys, strict=True)]
    return alpha, beta, math.sqrt(math.fsum(r * r for r in residuals) / len(residuals))


def average_true_range(bars: Sequence[Bar]) -> Decimal:
    """Mean true range over ``bars[1:]`` (each bar's range widened to the prior close)."""
    ranges = [
        max(bar.high, prior.close) - min(bar.low, prior.close)
        for prior, bar in itertools.pairwise(bars)
    ]
    return sum(ranges, Decimal(0)) / len(ranges)
