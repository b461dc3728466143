"""Position sizing: how many whole lots a signal is worth.

Two methods, both exact in ``Decimal`` and both rounding *down* to whole lots
(never more risk than asked for):

* **Kelly**: the fraction ``f = W - (1 - W) / R`` of the strategy's capital,
  from its win rate ``W`` and payoff ratio ``R`` (average win over average
  loss), scaled (half-Kelly by default), zero on a negative edge, and capped
  at a fraction of equity per position.
* **Fixed fractional**: risk a fixed fraction of the capital between entry
  and stop, so that being stopped out loses exactly that fraction.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from actors.messages import Instrument

__all__ = ["edge", "fixed_fractional_size", "kelly_fraction", "kelly_size", "position_size"]

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)


def kelly_fraction(win_rate: Decimal, payoff_ratio: Decimal) -> Decimal:
    """``W - (1 - W) / R`` clamped to [0, 1]: zero when the edge is negative."""
    if payoff_ratio <= 0:
        return ZERO
    fraction = win_rate - (ONE - win_rate) / payoff_ratio
    return min(max(fraction, ZERO), ONE)


def edge(pnls: Iterable[Decimal]) -> tuple[Decimal, Decimal]:
    """Win rate and payoff ratio of closed trades (P&L each; zero counts as a loss).

    Without a loss the payoff ratio is ``Infinity`` (Kelly is then ``W``);
    without a win it is zero (Kelly is then zero).
    """
    wins = [p for p in pnls if p > 0]
    losses = [-p for p in pnls if p <= 0]
    total = len(wins) + len(losses)
    if total == 0:
        return ZERO, ZERO
    win_rate = Decimal(len(wins)) / total
    if not wins:
        return win_rate, ZERO
    average_win = sum(wins, ZERO) / len(wins)
    average_loss = sum(losses, ZERO) / len(losses) if losses else ZERO
    if average_loss == 0:
        return win_rate, Decimal("Infinity")
    return win_rate, average_win / average_loss


def position_size(
    fraction: Decimal, capital: Decimal, price: Decimal, instrument: Instrument
) -> Decimal:
    """Whole lots worth ``fraction`` of ``capital`` at ``price`` (multiplier included)."""
    if fraction <= 0 or capital <= 0 or price <= 0:
        return ZERO
    return instrument.round_quantity(fraction * capital / (price * instrument.multiplier))


def kelly_size(
    *,
    win_rate: Decimal,
    payoff_ratio: Decimal,
    multiplier: Decimal,
    capital: Decimal,
    equity: Decimal,
    cap: Decimal,
    price: Decimal,
    instrument: Instrument,
) -> Decimal:
    """Lots for ``multiplier`` × Kelly of ``capital``, at most ``cap`` × ``equity``."""
    fraction = kelly_fraction(win_rate, payoff_ratio) * multiplier
    notional = min(fraction * capital, cap * equity)
    return position_size(ONE, notional, price, instrument)


def fixed_fractional_size(
    *,
    risk_fraction: Decimal,
    capital: Decimal,
    entry: Decimal,
    stop: Decimal,
    equity: Decimal,
    cap: Decimal,
    instrument: Instrument,
) -> Decimal:
    """Lots whose loss from ``entry`` to ``stop`` is ``risk_fraction`` × ``capital``.

    Still capped at ``cap`` × ``equity`` of notional: a very tight stop must
    not turn into a huge position.
    """
    per_unit = abs(entry - stop) * instrument.multiplier
    if per_unit == 0 or capital <= 0 or entry <= 0:
        return ZERO
    units = min(risk_fraction * capital / per_unit, cap * equity / (entry * instrument.multiplier))
    return instrument.round_quantity(units)
