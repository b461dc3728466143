"""Rebalancing: new weights (configured or by performance) and the orders to reach them.

Reductions are exits and always pass; increases are entries and go through
the same limits as any other entry.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Final

from actors.messages import RiskLeg, Side

from ._allocation import performance_weights, rebalance_orders
from ._limits import Refusal
from ._pretrade import check_entry

if TYPE_CHECKING:
    from ._desk import RiskDesk

__all__ = ["rebalance"]

ZERO: Final = Decimal(0)


async def rebalance(desk: RiskDesk, mode: str) -> None:
    signal_id = desk.next_id("rebalance")
    equity = desk.book.equity
    if mode not in ("weights", "performance"):
        await desk.reject(signal_id, "", "", Refusal("rebalance", f"unknown mode {mode!r}"))
        return
    if equity is None or equity <= 0:
        await desk.reject(signal_id, "", "", Refusal("rebalance", "no equity known yet"))
        return
    names = set(desk.config.strategies) | {s for (s, _), q in desk.book.positions.items() if q}
    old = {name: desk.weight(name) for name in names}
    if mode == "weights":
        new = {name: desk.config.allocation(name).weight for name in names}
    else:
        returns = {
            name: sum(desk.book.trades(name), ZERO) / (old[name] * equity)
            for name in names
            if old[name] > 0
        }
        new = performance_weights(old, returns)
    prices = {s: p for s in desk.instruments if (p := desk.book.price(s)) is not None}
    orders = rebalance_orders(
        positions={k: q for k, q in desk.book.positions.items() if q},
        old_weights=old,
        new_weights=new,
        equity=equity,
        prices=prices,
        instruments=desk.instruments,
    )
    desk.weights.update(new)
    legs: list[RiskLeg] = []
    for order in orders:
        instrument = desk.instruments[order.symbol]
        if not order.reduce_only:
            price = prices[order.symbol]
            refusal = check_entry(
                desk,
                order.strategy,
                order.symbol,
                order.side,
                order.quantity,
                instrument,
                entry_price=price,
                stop_level=desk.stops.plan(order.symbol, price, long=order.side is Side.BUY),
                reduced=ZERO,
                limit_price=None,
                net=desk.book.net.get(order.symbol, ZERO),
            )
            if refusal is not None:
                await desk.reject(signal_id, order.strategy, order.symbol, refusal)
                continue
        kind = "exit" if order.reduce_only else "entry"
        if await desk.send(order.strategy, order.symbol, order.side, order.quantity, kind=kind):
            legs.append(
                RiskLeg(
                    strategy=order.strategy,
                    side=order.side,
                    quantity=order.quantity,
                    purpose="rebalance",
                    reduce_only=order.reduce_only,
                )
            )
    weights = ", ".join(f"{n}={w:.4f}" for n, w in sorted(new.items()))
    await desk.decide(signal_id, "", "", legs, f"rebalance by {mode}: {weights}")
