"""Capital allocation: each strategy's share, and the orders a rebalance needs.

A strategy's capital is ``weight × equity``. A rebalance picks new weights,
either the configured ones (``weights``) or the current ones grown by each
strategy's recent return (``performance``: capital that earned gets more),
and then brings every strategy's exposure to its new allocation: positions
are scaled by ``new weight / old weight`` and never left above the
strategy's new capital (no leverage inside a strategy). Targets are rounded
towards zero to whole lots, so a rebalance never adds risk by rounding.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import msgspec

from actors.messages import Instrument, Side

__all__ = ["RebalanceOrder", "performance_weights", "rebalance_orders"]

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)


class RebalanceOrder(msgspec.Struct, frozen=True, kw_only=True):
    strategy: str
    symbol: str
    side: Side
    quantity: Decimal
    reduce_only: bool


def performance_weights(
    weights: Mapping[str, Decimal], returns: Mapping[str, Decimal]
) -> dict[str, Decimal]:
    """Weights grown by ``1 + return`` (floored at zero), keeping their total.

    A strategy without a recent return keeps its growth factor at one; when
    every factor is zero the weights are left as they are.
    """
    total = sum(weights.values(), ZERO)
    grown = {name: w * max(ONE + returns.get(name, ZERO), ZERO) for name, w in weights.items()}
    grown_total = sum(grown.values(), ZERO)
    if grown_total == 0:
        return dict(weights)
    return {name: total * g / grown_total for name, g in grown.items()}


def rebalance_orders(
    *,
    positions: Mapping[tuple[str, str], Decimal],
    old_weights: Mapping[str, Decimal],
    new_weights: Mapping[str, Decimal],
    equity: Decimal,
    prices: Mapping[str, Decimal],
    instruments: Mapping[str, Instrument],
) -> list[RebalanceOrder]:
    """The orders that take each (strategy, symbol) position to its new allocation.

    Positions of a symbol without a price or instrument are left alone.
    """
    exposure: dict[str, Decimal] = {}
    for (strategy, symbol), quantity in positions.items():
        if symbol in prices and symbol in instruments:
            notional = abs(instruments[symbol].notional(prices[symbol], quantity))
            exposure[strategy] = exposure.get(strategy, ZERO) + notional
    orders: list[RebalanceOrder] = []
    for (strategy, symbol), quantity in sorted(positions.items()):
        gross = exposure.get(strategy, ZERO)
        if quantity == 0 or gross == 0:
            continue
        old = old_weights.get(strategy, ZERO)
        new = new_weights.get(strategy, old)
        scale = new / old if old > 0 else ZERO
        scale = min(scale, new * equity / gross)
        instrument = instruments[symbol]
        target = instrument.round_quantity(abs(quantity) * scale)
        delta = target - abs(quantity)
        if delta == 0:
            continue
        long = quantity > 0
        grows = delta > 0
        side = Side.BUY if long == grows else Side.SELL
        orders.append(
            RebalanceOrder(
                strategy=strategy,
                symbol=symbol,
                side=side,
                quantity=abs(delta),
                reduce_only=not grows,
            )
        )
    return orders
