"""The account ledger: what one execution does to cash, positions and P&L.

Each position keeps its signed cost (quantity × price × multiplier). A fill
that adds to a position adds its notional to the cost; one that reduces it
removes the closed share of the cost (rounded to the cent: a division may not
terminate, and a 28-digit remainder would be rounded away again when added to
a large cash balance) and books the difference as realized P&L. Stocks pay
their notional in cash; futures move cash only by realized P&L (and
commissions), holding margin instead. With both, these identities
hold exactly, in ``Decimal``:

* stocks: ``cash + Σ cost = initial − commissions + realized``
* futures: ``cash = initial − commissions + realized``
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from actors.messages import Instrument, InstrumentKind, Side

from ._config import CommissionModel
from ._state import AccountState, PositionRecord

__all__ = ["apply_fill", "commission_total", "opening_quantity"]

_CENT = Decimal("0.01")


def commission_total(model: CommissionModel, instrument: Instrument, filled: Decimal) -> Decimal:
    """What an order that has filled ``filled`` units has cost in all, to the cent."""
    if filled == 0:
        return Decimal(0)
    if instrument.kind is InstrumentKind.FUTURE:
        rate, minimum = model.per_contract, model.future_minimum
    else:
        rate, minimum = model.per_share, model.stock_minimum
    return max(rate * filled, minimum).quantize(_CENT, rounding=ROUND_HALF_UP)


def opening_quantity(position: Decimal, side: Side, quantity: Decimal) -> Decimal:
    """The part of an order that opens or adds to a position (the rest closes)."""
    if position * side.sign >= 0:
        return quantity
    return max(Decimal(0), quantity - abs(position))


def apply_fill(
    account: AccountState,
    instrument: Instrument,
    side: Side,
    quantity: Decimal,
    price: Decimal,
    commission: Decimal,
) -> Decimal:
    """Book one execution; return the realized P&L it produced."""
    delta = quantity * side.sign
    position = account.positions.setdefault(instrument.symbol, PositionRecord())
    held, cost = position.quantity, position.cost
    notional = instrument.notional(price, delta)
    realized = Decimal(0)
    if held == 0 or (held > 0) == (delta > 0):
        position.cost = cost + notional
    else:
        closed = min(quantity, abs(held))
        removed = cost
        if closed != abs(held):  # a share of the cost: to the cent, so cash stays exact
            removed = (cost * closed / abs(held)).quantize(_CENT, rounding=ROUND_HALF_EVEN)
        realized = -instrument.notional(price, closed * side.sign) - removed
        opened = quantity - closed
        position.cost = cost - removed + instrument.notional(price, opened * side.sign)
    position.quantity = held + delta
    if position.quantity == 0:
        del account.positions[instrument.symbol]
    if instrument.kind is InstrumentKind.FUTURE:
        account.cash += realized
    else:
        account.cash -= notional
    account.cash -= commission
    account.commissions += commission
    account.realized += realized
    return realized
