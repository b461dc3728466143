"""Allocation: performance weights and the orders a rebalance issues."""

from __future__ import annotations

from decimal import Decimal as D

from actors.messages import Instrument, Side
from actors.risk import RebalanceOrder, performance_weights, rebalance_orders

INSTRUMENTS = {"AAPL": Instrument(symbol="AAPL"), "MSFT": Instrument(symbol="MSFT")}
PRICES = {"AAPL": D(100), "MSFT": D(200)}


def test_performance_weights_grow_with_return_and_keep_the_total() -> None:
    new = performance_weights({"a": D("0.5"), "b": D("0.3")}, {"a": D("0.2"), "b": D("-0.1")})
    assert new == {"a": D("0.8") * D("0.6") / D("0.87"), "b": D("0.8") * D("0.27") / D("0.87")}
    assert sum(new.values()) == D("0.8")
    assert performance_weights({"a": D("0.5")}, {"a": D(-2)}) == {"a": D("0.5")}


def test_rebalance_scales_positions_to_the_new_weights() -> None:
    orders = rebalance_orders(
        positions={("a", "AAPL"): D(100), ("b", "MSFT"): D(-50), ("c", "AAPL"): D(100)},
        old_weights={"a": D("0.5"), "b": D("0.3"), "c": D("0.05")},
        new_weights={"a": D("0.25"), "b": D("0.6"), "c": D("0.05")},
        equity=D(100_000),
        prices=PRICES,
        instruments=INSTRUMENTS,
    )
    assert orders == [
        # a halves: sell 50 of its 100 (a reduction: reduce-only)
        RebalanceOrder(
            strategy="a", symbol="AAPL", side=Side.SELL, quantity=D(50), reduce_only=True
        ),
        # b doubles its short: sell 50 more
        RebalanceOrder(
            strategy="b", symbol="MSFT", side=Side.SELL, quantity=D(50), reduce_only=False
        ),
        # c keeps its weight but holds 10,000 on 5,000 of capital: trimmed to its capital
        RebalanceOrder(
            strategy="c", symbol="AAPL", side=Side.SELL, quantity=D(50), reduce_only=True
        ),
    ]


def test_rebalance_without_change_issues_nothing() -> None:
    orders = rebalance_orders(
        positions={("a", "AAPL"): D(100)},
        old_weights={"a": D("0.5")},
        new_weights={"a": D("0.5")},
        equity=D(100_000),
        prices=PRICES,
        instruments=INSTRUMENTS,
    )
    assert orders == []
