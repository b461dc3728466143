"""Consecutive losing trades: closed trades derived from fills, each counted once."""

from __future__ import annotations

from decimal import Decimal

from actors.breakers import ConsecutiveLossesConfig
from actors.breakers._trades import ConsecutiveLosses
from actors.messages import BreakerState, Side

from ._make import fill

BUY, SELL = Side.BUY, Side.SELL


def _round_trip(breaker: ConsecutiveLosses, n: int, exit_price: str) -> None:
    breaker.observe(fill(f"o{n}", BUY, "10", "100", ts=float(n)))
    breaker.observe(fill(f"c{n}", SELL, "10", exit_price, ts=float(n)))


def test_five_losing_trades_in_a_row_trip_and_four_warn() -> None:
    breaker = ConsecutiveLosses(ConsecutiveLossesConfig())
    for n in range(3):
        _round_trip(breaker, n, "99")
    assert breaker.losers == 3
    assert breaker.state() is BreakerState.OK
    breaker.observe(fill("o3", BUY, "10", "100"))
    _, warning = breaker.observe(fill("c3", SELL, "10", "99.99"))
    assert warning is not None
    assert warning.state is BreakerState.WARNING
    breaker.observe(fill("o4", BUY, "10", "100"))
    _, trip = breaker.observe(fill("c4", SELL, "10", "99.99"))
    assert trip is not None
    assert trip.state is BreakerState.TRIPPED
    assert trip.figures["losers"] == "5"
    assert trip.figures["last_pnl"] == "-0.10"


def test_a_winner_or_a_break_even_trade_ends_the_streak() -> None:
    breaker = ConsecutiveLosses(ConsecutiveLossesConfig())
    for n in range(4):
        _round_trip(breaker, n, "99")
    assert breaker.state() is BreakerState.WARNING
    breaker.observe(fill("o9", BUY, "10", "100"))
    _, cleared = breaker.observe(fill("c9", SELL, "10", "100"))
    assert cleared is not None
    assert cleared.state is BreakerState.OK
    assert breaker.losers == 0


def test_commissions_count_in_a_trade_s_pnl() -> None:
    breaker = ConsecutiveLosses(ConsecutiveLossesConfig())
    breaker.observe(fill("o1", BUY, "10", "100", commission="0.5"))
    breaker.observe(fill("c1", SELL, "10", "100.1", commission="0.51"))
    assert breaker.losers == 1  # 10 x 0.1 = 1.00 gross, 1.01 commissions
    breaker.observe(fill("o2", BUY, "10", "100", commission="0.5"))
    breaker.observe(fill("c2", SELL, "10", "100.1", commission="0.5"))
    assert breaker.losers == 0  # exactly break-even is not a loss


def test_duplicate_fills_are_counted_once() -> None:
    breaker = ConsecutiveLosses(ConsecutiveLossesConfig())
    opening = fill("o1", BUY, "10", "100")
    closing = fill("c1", SELL, "10", "99")
    assert breaker.observe(opening) == (True, None)
    assert breaker.observe(opening) == (False, None)  # a resend: the position stays 10
    breaker.observe(closing)
    assert breaker.observe(closing) == (False, None)
    assert breaker.losers == 1
    assert breaker.trades == {}


def test_partial_exits_close_the_trade_only_at_zero() -> None:
    breaker = ConsecutiveLosses(ConsecutiveLossesConfig())
    breaker.observe(fill("o1", BUY, "10", "100"))
    breaker.observe(fill("x1", SELL, "4", "98"))
    assert breaker.losers == 0  # still open
    breaker.observe(fill("x2", SELL, "6", "101"))  # -8 + 6 = -2: a loser
    assert breaker.losers == 1


def test_a_flip_closes_the_trade_and_opens_the_next_with_the_rest() -> None:
    breaker = ConsecutiveLosses(ConsecutiveLossesConfig())
    breaker.observe(fill("o1", BUY, "10", "100"))
    breaker.observe(fill("f1", SELL, "15", "99", commission="1.5"))  # closes 10, opens -5
    assert breaker.losers == 1
    trade = breaker.trades[("paper", "s1", "AAPL")]
    assert trade.quantity == -5
    assert trade.cash == Decimal("494.5")
    breaker.observe(fill("c2", BUY, "5", "98"))  # short 5 from 99 to 98: +5 - 0.5 commission
    assert breaker.losers == 0


def test_trades_are_kept_apart_per_strategy_and_symbol() -> None:
    breaker = ConsecutiveLosses(ConsecutiveLossesConfig())
    breaker.observe(fill("a1", BUY, "10", "100", strategy="a"))
    breaker.observe(fill("b1", SELL, "10", "100", strategy="b"))  # b opens a short
    assert breaker.losers == 0
    assert len(breaker.trades) == 2
    breaker.observe(fill("a2", SELL, "10", "99", strategy="a"))
    assert breaker.losers == 1
    assert len(breaker.trades) == 1
