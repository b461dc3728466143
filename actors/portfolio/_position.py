"""One position at average cost, carried as an exact cost basis.

A position holds its signed quantity and its signed *cost*: the money paid
for the open quantity (Σ quantity × price × multiplier of the adds). The
average price is ``cost / (quantity × multiplier)``, so it is weighted on
adds and reset on a flip through zero. A reduce releases the closed share of
the cost, ``cost × closed / held``; that quotient is the one place where
average-cost accounting must divide, and it is rounded half-even to the cent,
so money stays in cents and a reduce moves the average by less than a cent
over the quantity left (not at all when the share divides evenly). A full
close releases exactly the cost that is left, so over any round trip the
realized P&L is exactly what the trades paid and received:

    realized + (quantity × mark × multiplier − cost) == −Σ Δq × price × multiplier
                                                        + quantity × mark × multiplier

whatever the rounding did. That identity is why the sub-ledgers of the
strategies add up to the account's net figures.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Final, final

from actors.messages import Instrument, InstrumentKind

__all__ = ["Position", "release"]

ZERO: Final = Decimal(0)
_DISPLAY: Final = Context(prec=28, rounding=ROUND_HALF_EVEN)  # averages are for display


def release(cost: Decimal, closed: Decimal, held: Decimal) -> Decimal:
    """``cost × closed / held`` rounded half-even to the cent, computed exactly.

    Decimal's ``divmod`` gives the integral quotient (toward zero) and the
    exact remainder; the remainder decides the rounding.
    """
    numerator = cost * closed * 100
    cents, rest = divmod(numerator, held)
    if rest:
        twice, whole = abs(rest) * 2, abs(held)
        if twice > whole or (twice == whole and cents % 2):
            cents += 1 if (numerator > 0) == (held > 0) else -1
    return cents.scaleb(-2)


@final
class Position:
    """One symbol's position in one book (the account's net, or a strategy's)."""

    __slots__ = ("commissions", "cost", "future", "instrument", "quantity", "realized")

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.future = instrument.kind is InstrumentKind.FUTURE
        self.quantity = ZERO
        self.cost = ZERO
        self.realized = ZERO
        self.commissions = ZERO

    def trade(self, delta: Decimal, price: Decimal) -> Decimal:
        """Change the quantity by ``delta`` (signed) at ``price``; return the realized P&L."""
        multiplier = self.instrument.multiplier
        held = self.quantity
        if not held or (held > 0) == (delta > 0):
            self.quantity = held + delta
            self.cost += delta * price * multiplier
            return ZERO
        if abs(delta) < abs(held):
            released = release(self.cost, -delta, held)
            realized = -delta * price * multiplier - released
            self.cost -= released
            self.quantity = held + delta
        else:  # closes the position, and opens the rest on the other side
            realized = held * price * multiplier - self.cost
            rest = held + delta
            self.quantity = rest
            self.cost = rest * price * multiplier
        self.realized += realized
        return realized

    def unrealized(self, mark: Decimal) -> Decimal:
        return self.quantity * mark * self.instrument.multiplier - self.cost

    def market_value(self, mark: Decimal) -> Decimal:
        """What the position adds to equity: its notional for stocks, its P&L for futures.

        A future's notional never left the cash (only margin would), so the
        position is worth its unrealized P&L; a stock was paid for in full.
        """
        value = self.quantity * mark * self.instrument.multiplier
        return value - self.cost if self.future else value

    def average_price(self) -> Decimal:
        if not self.quantity:
            return ZERO
        return _DISPLAY.divide(self.cost, self.quantity * self.instrument.multiplier)
