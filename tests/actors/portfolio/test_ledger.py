"""Worked examples of the ledger, every figure computed by hand in the comments."""

from __future__ import annotations

from decimal import Decimal as D

import msgspec
import pytest

from actors.messages import Instrument, LedgerSnapshot, Side
from actors.portfolio import Ledger, StrategyFigures
from actors.portfolio.errors import CorruptSnapshot, InvalidFill

from ._fills import AAPL, CLOSE, MES, T0, fill


def _opened(cash: str = "100000") -> Ledger:
    ledger = Ledger("paper")
    assert ledger.open(D(cash), T0)
    return ledger


def _figures(ledger: Ledger) -> tuple[D, D, D, D, D, D]:
    return (
        ledger.cash,
        ledger.positions_value,
        ledger.equity,
        ledger.realized_pnl,
        ledger.unrealized_pnl,
        ledger.commissions,
    )


def _avg(ledger: Ledger, symbol: str, strategy: str = "") -> D:
    view = ledger.position(symbol, T0, strategy)
    assert view is not None
    return view.average_price


def test_stock_adds_reduces_and_a_flip_through_zero() -> None:
    ledger = _opened()
    # buy 100 @ 150, $1: cash 100000 - 15000 - 1; marked at the fill price
    assert ledger.apply_fill(fill("E1", "AAPL", Side.BUY, 100, "150.00", "1.00"), AAPL)
    assert _figures(ledger) == (D("84999.00"), D(15000), D("99999.00"), D(0), D(0), D("1.00"))
    # buy 50 @ 156: cost 22800 for 150, average 152; still marked at 150
    assert ledger.apply_fill(fill("E2", "AAPL", Side.BUY, 50, "156.00", "0.50"), AAPL)
    assert _avg(ledger, "AAPL") == D(152)
    assert _figures(ledger) == (
        D("77198.50"), D(22500), D("99698.50"), D(0), D(-300), D("1.50")
    )  # fmt: skip
    # marked at 160: 150 × 160 = 24000, unrealized 24000 - 22800
    assert ledger.mark("AAPL", D("160.00"))
    assert not ledger.mark("AAPL", D("160.00"))  # no change
    assert ledger.equity == D("101198.50") == ledger.peak_equity
    assert ledger.unrealized_pnl == D(1200)
    # sell 60 @ 158: releases 22800 × 60/150 = 9120, realized 9480 - 9120 = 360
    assert ledger.apply_fill(fill("E3", "AAPL", Side.SELL, 60, "158.00", "0.60"), AAPL)
    assert _avg(ledger, "AAPL") == D(152)  # unchanged on a reduce
    assert _figures(ledger) == (
        D("86677.90"), D(14400), D("101077.90"), D(360), D(720), D("2.10")
    )  # fmt: skip
    assert ledger.drawdown == D("120.60")
    assert ledger.total_pnl == D("1077.90") == D(360) + D(720) - D("2.10")
    # sell 150 @ 155: closes 90 (13950 - 13680 = 270 realized), opens 60 short at 155
    assert ledger.apply_fill(fill("E4", "AAPL", Side.SELL, 150, "155.00", "1.50"), AAPL)
    assert ledger.quantity("AAPL") == D(-60)
    assert _avg(ledger, "AAPL") == D(155)  # reset by the flip
    # cash + 150 × 155 - 1.50; short 60 marked at 160 = -9600, unrealized -9600 + 9300
    assert _figures(ledger) == (
        D("109926.40"), D(-9600), D("100326.40"), D(630), D(-300), D("3.60")
    )  # fmt: skip


def test_future_cash_moves_by_realized_pnl_and_commissions_only() -> None:
    ledger = _opened("50000")
    # buy 2 MES @ 5000 (multiplier 5): cost 50000, worth its P&L (0); cash pays $1.24
    assert ledger.apply_fill(fill("F1", "MES", Side.BUY, 2, "5000.00", "1.24"), MES)
    assert _figures(ledger) == (D("49998.76"), D(0), D("49998.76"), D(0), D(0), D("1.24"))
    # buy 1 @ 5006: cost 75030 for 3, average 75030 / 15 = 5002; at 5000 worth 75000 - 75030
    assert ledger.apply_fill(fill("F2", "MES", Side.BUY, 1, "5006.00", "0.62"), MES)
    assert _avg(ledger, "MES") == D(5002)
    assert _figures(ledger) == (D("49998.14"), D(-30), D("49968.14"), D(0), D(-30), D("1.86"))
    # mark 5010.25: 3 × 5010.25 × 5 = 75153.75, P&L 123.75
    assert ledger.mark("MES", D("5010.25"))
    assert ledger.equity == D("50121.89") == ledger.peak_equity
    # sell 1 @ 5012.50: releases 25010, realized 25062.50 - 25010 = 52.50 into cash
    assert ledger.apply_fill(fill("F3", "MES", Side.SELL, 1, "5012.50", "0.62"), MES)
    assert _figures(ledger) == (
        D("50050.02"), D("82.50"), D("50132.52"), D("52.50"), D("82.50"), D("2.48")
    )  # fmt: skip
    # sell 4 @ 5000: closes 2 (50000 - 50020 = -20), opens 2 short at 5000 (cost -50000)
    assert ledger.apply_fill(fill("F4", "MES", Side.SELL, 4, "5000.00", "2.48"), MES)
    assert ledger.quantity("MES") == D(-2)
    assert _avg(ledger, "MES") == D(5000)
    # short 2 at mark 5010.25: -50102.50 + 50000 = -102.50
    assert _figures(ledger) == (
        D("50027.54"), D("-102.50"), D("49925.04"), D("32.50"), D("-102.50"), D("4.96")
    )  # fmt: skip


def test_a_reduce_that_does_not_divide_releases_cost_to_the_cent() -> None:
    ledger = _opened("1000")
    ledger.apply_fill(fill("E1", "AAPL", Side.BUY, 1, "10.00"), AAPL)
    ledger.apply_fill(fill("E2", "AAPL", Side.BUY, 2, "11.00"), AAPL)  # cost 32 for 3
    # sell 1 @ 12: releases 32/3 = 10.666… → 10.67, realized 12 - 10.67
    ledger.apply_fill(fill("E3", "AAPL", Side.SELL, 1, "12.00"), AAPL)
    assert ledger.realized_pnl == D("1.33")
    assert _avg(ledger, "AAPL") == D("10.665")  # 21.33 / 2
    # the close releases what is left, 21.33: the round trip realized 36 - 32 exactly
    ledger.apply_fill(fill("E4", "AAPL", Side.SELL, 2, "12.00"), AAPL)
    assert ledger.realized_pnl == D(4)
    assert ledger.cash == D(1004)


def test_each_execution_is_booked_once() -> None:
    ledger = _opened()
    first = fill("E1", "AAPL", Side.BUY, 10, "100.00", "1.00")
    assert ledger.apply_fill(first, AAPL)
    before = ledger.snapshot(T0)
    assert not ledger.apply_fill(first, AAPL)
    assert not ledger.apply_fill(msgspec.structs.replace(first, price=D("99.00")), AAPL)
    assert ledger.snapshot(T0) == before
    assert ledger.has_execution("E1")


def test_execution_memory_is_bounded_and_forgets_the_oldest() -> None:
    ledger = Ledger("paper", execution_memory=2)
    for n in range(3):
        ledger.apply_fill(fill(f"E{n}", "AAPL", Side.BUY, 1, "10.00"), AAPL)
    assert [ledger.has_execution(f"E{n}") for n in range(3)] == [False, True, True]
    assert ledger.snapshot(T0).executions == ("E1", "E2")


def test_strategy_books_add_up_to_the_account() -> None:
    ledger = _opened()
    ledger.apply_fill(fill("E1", "AAPL", Side.BUY, 10, "100.00", "1", strategy="trend"), AAPL)
    ledger.apply_fill(fill("E2", "AAPL", Side.SELL, 4, "110.00", "1", strategy="revert"), AAPL)
    ledger.apply_fill(fill("E3", "AAPL", Side.BUY, 1, "105.00", "1"), AAPL)  # manual
    ledger.mark("AAPL", D(120))
    assert ledger.strategies() == ["trend", "revert", "manual"]
    subs = {p.strategy: p for p in ledger.strategy_positions(T0)}
    assert {s: (p.quantity, p.average_price) for s, p in subs.items()} == {
        "trend": (D(10), D(100)),
        "revert": (D(-4), D(110)),
        "manual": (D(1), D(105)),
    }
    # net: 10 @ 100, sell 4 @ 110 realizes 40, buy 1 @ 105: 7 for 705, at 120 = 840
    net = ledger.position("AAPL", T0)
    assert net is not None
    assert (net.quantity, net.realized_pnl, net.unrealized_pnl) == (D(7), D(40), D(135))
    # the strategies realized nothing, but their unrealized 200 - 40 + 15 is the same 175
    assert [p.unrealized_pnl for p in subs.values()] == [200, -40, 15]
    assert ledger.strategy_figures("trend") == StrategyFigures(
        strategy="trend", realized_pnl=D(0), unrealized_pnl=D(200), commissions=D(1), net_pnl=D(199)
    )


def test_daily_pnl_starts_again_at_the_session_close() -> None:
    ledger = _opened()
    ledger.apply_fill(fill("E1", "AAPL", Side.BUY, 100, "100.00", "1.00"), AAPL)
    ledger.mark("AAPL", D("101.00"), T0 + 60)
    assert ledger.daily_pnl == D(99)  # +100 on the mark, -1 commission
    assert ledger.session_close == CLOSE
    ledger.mark("AAPL", D("102.00"), CLOSE - 1)
    assert ledger.daily_pnl == D(199)
    # the first price at the close rolls the day before it moves equity
    ledger.mark("AAPL", D("103.00"), CLOSE)
    assert ledger.day_start_equity == D("100199.00")
    assert ledger.daily_pnl == D(100)
    assert ledger.total_pnl == D(299)
    assert ledger.session_close == CLOSE + 86400
    assert not ledger.roll(CLOSE + 3600)
    assert ledger.roll(CLOSE + 86400)  # a quiet day still rolls at its close
    assert ledger.daily_pnl == 0


def test_opening_twice_is_ignored() -> None:
    ledger = _opened("1000")
    assert not ledger.open(D("5000"), T0)
    assert (ledger.cash, ledger.total_pnl) == (D(1000), D(0))


def test_snapshot_restores_the_same_books_which_go_on_the_same_way() -> None:
    ledger = _opened()
    ledger.apply_fill(fill("E1", "AAPL", Side.BUY, 3, "10.00", "1", strategy="a"), AAPL)
    ledger.apply_fill(fill("E2", "MES", Side.SELL, 2, "5000.25", "1", strategy="b"), MES)
    ledger.apply_fill(fill("E3", "AAPL", Side.SELL, 1, "11.00", "1"), AAPL)
    ledger.mark("MES", D("4990.00"), CLOSE + 5)
    snapshot = ledger.snapshot(CLOSE + 5)
    wire = msgspec.json.encode(snapshot)
    restored = Ledger.restore(msgspec.json.decode(wire, type=LedgerSnapshot))
    assert restored.snapshot(CLOSE + 5) == snapshot
    assert _figures(restored) == _figures(ledger)
    assert restored.portfolio(1.0) == ledger.portfolio(1.0)
    # and both book what comes next identically, duplicates included
    for book in (ledger, restored):
        assert not book.apply_fill(fill("E2", "MES", Side.SELL, 2, "5000.25", "1"), MES)
        assert book.apply_fill(fill("E4", "MES", Side.BUY, 3, "4980.00", "1"), MES)
    assert restored.snapshot(0.0) == ledger.snapshot(0.0)


def _corrupt(**changes: object) -> LedgerSnapshot:
    ledger = _opened()
    ledger.apply_fill(fill("E1", "AAPL", Side.BUY, 3, "10.00", strategy="a"), AAPL)
    return msgspec.structs.replace(ledger.snapshot(T0), **changes)


def test_a_snapshot_that_does_not_add_up_is_refused() -> None:
    good = _corrupt()
    net, sub = good.positions
    wrong = msgspec.structs.replace(sub, quantity=D(2))
    with pytest.raises(CorruptSnapshot, match="account holds 3 AAPL but its strategies hold 2"):
        Ledger.restore(_corrupt(positions=(net, wrong)))
    with pytest.raises(CorruptSnapshot, match=r"positions\[2\] \(a AAPL\) appears twice"):
        Ledger.restore(_corrupt(positions=(net, sub, sub)))
    with pytest.raises(CorruptSnapshot, match="cash is NaN"):
        Ledger.restore(_corrupt(cash=D("NaN")))
    with pytest.raises(CorruptSnapshot, match="has no instrument"):
        Ledger.restore(_corrupt(instruments=()))
    with pytest.raises(CorruptSnapshot, match="strategies hold 'AAPL' but the account does not"):
        Ledger.restore(_corrupt(positions=(sub,)))


def test_fills_that_cannot_be_booked_are_refused_by_name() -> None:
    ledger = _opened()
    with pytest.raises(InvalidFill, match="'E1' is for account 'other', not 'paper'"):
        ledger.apply_fill(fill("E1", "AAPL", Side.BUY, 1, "1", account="other"), AAPL)
    with pytest.raises(InvalidFill, match="quantity must be positive, not 0"):
        ledger.apply_fill(fill("E1", "AAPL", Side.BUY, 0, "1"), AAPL)
    with pytest.raises(InvalidFill, match="price NaN is not a number"):
        ledger.apply_fill(fill("E1", "AAPL", Side.BUY, 1, "NaN"), AAPL)
    ledger.apply_fill(fill("E1", "AAPL", Side.BUY, 1, "1"), AAPL)
    other = Instrument(symbol="AAPL", multiplier=D(100))
    with pytest.raises(InvalidFill, match="'AAPL' was booked as"):
        ledger.apply_fill(fill("E2", "AAPL", Side.BUY, 1, "1"), other)
    assert not ledger.has_execution("E2")
