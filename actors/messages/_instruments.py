"""Instruments: what one unit of a symbol is worth and how it may be traded.

Every price must be a multiple of ``tick_size`` and every quantity a multiple
of ``lot_size``; ``multiplier`` turns a price move into money (1 for stocks,
50 for ES, 5 for MES, 1000 for CL). Notional = price * quantity * multiplier.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

import msgspec

from ._enums import InstrumentKind

__all__ = ["Instrument"]


class Instrument(msgspec.Struct, frozen=True, kw_only=True):
    symbol: str
    kind: InstrumentKind = InstrumentKind.STOCK
    tick_size: Decimal = Decimal("0.01")
    lot_size: Decimal = Decimal("1")
    multiplier: Decimal = Decimal("1")
    currency: str = "USD"

    def notional(self, price: Decimal, quantity: Decimal) -> Decimal:
        """Signed money value of ``quantity`` units at ``price``."""
        return price * quantity * self.multiplier

    def round_price(self, price: Decimal, *, direction: str = "nearest") -> Decimal:
        """Round ``price`` onto the tick grid (``nearest``, ``down`` or ``up``)."""
        rounding = {"nearest": ROUND_HALF_EVEN, "down": ROUND_FLOOR, "up": ROUND_CEILING}[direction]
        ticks = (price / self.tick_size).to_integral_value(rounding=rounding)
        return ticks * self.tick_size

    def round_quantity(self, quantity: Decimal) -> Decimal:
        """Round an unsigned quantity down to whole lots (never up: never more risk)."""
        lots = (quantity / self.lot_size).to_integral_value(rounding=ROUND_DOWN)
        return lots * self.lot_size

    def is_on_tick(self, price: Decimal) -> bool:
        return price % self.tick_size == 0

    def is_whole_lots(self, quantity: Decimal) -> bool:
        return quantity % self.lot_size == 0
