"""Backtest figures from an equity curve and closed trades.

Pure functions over numbers the replay sampled from the portfolio, kept
apart so that every figure has one definition: return and drawdown are
fractions, the Sharpe ratio is annualised from the sampling interval over a
trading year (no risk-free rate), the win rate counts closing fills whose
realized P&L was positive.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from decimal import Decimal

import msgspec

__all__ = ["Stats", "max_drawdown", "sharpe_ratio", "summarize"]


class Stats(msgspec.Struct, frozen=True, kw_only=True):
    """One strategy's (or the account's) results over a replay."""

    pnl: Decimal
    total_return: float
    max_drawdown: float
    win_rate: float | None  # None: nothing was closed
    trades: int
    closed: int
    sharpe: float | None  # None: too few samples or a flat curve


def max_drawdown(equity: Sequence[Decimal]) -> float:
    """The largest fall from a running peak, as a fraction of that peak (0 for none)."""
    peak: Decimal | None = None
    worst = 0.0
    for value in equity:
        if peak is None or value > peak:
            peak = value
        if peak > 0:
            worst = max(worst, float((peak - value) / peak))
    return worst


def sharpe_ratio(equity: Sequence[Decimal], periods_per_year: float) -> float | None:
    """Mean over standard deviation of period returns, times sqrt(periods per year)."""
    returns = [
        float(after / before - 1) for before, after in itertools.pairwise(equity) if before > 0
    ]
    if len(returns) < 2:
        return None
    spread = statistics.stdev(returns)
    if spread == 0:
        return None
    return statistics.fmean(returns) / spread * math.sqrt(periods_per_year)


def summarize(
    capital: Decimal,
    pnl: Sequence[Decimal],
    closed: Sequence[Decimal],
    trades: int,
    periods_per_year: float,
) -> Stats:
    """Figures for a P&L curve sampled at a fixed interval, on ``capital``."""
    equity = [capital + value for value in pnl] or [capital]
    final = pnl[-1] if pnl else Decimal(0)
    return Stats(
        pnl=final,
        total_return=float(final / capital) if capital else 0.0,
        max_drawdown=max_drawdown(equity),
        win_rate=sum(1 for value in closed if value > 0) / len(closed) if closed else None,
        trades=trades,
        closed=len(closed),
        sharpe=sharpe_ratio(equity, periods_per_year),
    )
