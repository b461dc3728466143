"""Daily loss, drawdown and rapid drawdown: exact thresholds, one warning, latched trips."""

from __future__ import annotations

from decimal import Decimal

from actors.breakers import DailyLossConfig, DrawdownConfig, RapidDrawdownConfig
from actors.breakers._account import DailyLoss, Drawdown, RapidDrawdown
from actors.messages import BreakerState, SessionCalendar, TradingState

from ._make import portfolio


def _daily() -> DailyLoss:
    return DailyLoss(DailyLossConfig(), SessionCalendar())


def test_daily_loss_trips_at_exactly_three_percent_of_start_of_day_equity() -> None:
    below = _daily()
    assert below.observe(portfolio("97000.01", daily_pnl="-2999.99")) is not None  # a warning
    assert below.observe(portfolio("97000.01", daily_pnl="-2999.99")) is None
    assert below.state() is BreakerState.WARNING
    at = _daily()
    change = at.observe(portfolio("97000", daily_pnl="-3000"))
    assert change is not None
    assert change.state is BreakerState.TRIPPED
    assert change.trading_state is TradingState.HALTED
    assert change.figures["loss"] == "3000"
    assert change.figures["start_equity"] == "100000"
    assert Decimal(change.figures["fraction"]) == Decimal("0.03")
    assert change.reason == "daily loss 3.00% of start-of-day equity (limit 3.00%)"


def test_daily_loss_warns_once_at_eighty_percent_and_clears_below_seventy() -> None:
    breaker = _daily()
    assert breaker.observe(portfolio("97600.01", daily_pnl="-2399.99")) is None
    warning = breaker.observe(portfolio("97600", daily_pnl="-2400"))  # 80% of 3000
    assert warning is not None
    assert warning.state is BreakerState.WARNING
    for pnl in ("-2500", "-2400", "-2100", "-2600"):  # hovering: no repeated warning
        assert breaker.observe(portfolio(str(100000 + int(pnl)), daily_pnl=pnl)) is None
    cleared = breaker.observe(portfolio("97900.01", daily_pnl="-2099.99"))  # below 70%
    assert cleared is not None
    assert cleared.state is BreakerState.OK


def test_a_trip_is_latched_until_reset_and_then_measures_from_the_reset() -> None:
    breaker = _daily()
    tripped = breaker.observe(portfolio("96000", daily_pnl="-4000", ts=10.0))
    assert tripped is not None
    assert tripped.state is BreakerState.TRIPPED
    assert breaker.observe(portfolio("100000", daily_pnl="0", ts=11.0)) is None
    assert breaker.observe(portfolio("90000", daily_pnl="-10000", ts=12.0)) is None
    assert breaker.state() is BreakerState.TRIPPED
    breaker.reset()
    # re-armed from 90000: another 3% of that (2700) is allowed in this session
    assert breaker.observe(portfolio("87300.01", daily_pnl="-12699.99", ts=13.0)) is not None
    again = breaker.observe(portfolio("87300", daily_pnl="-12700", ts=14.0))
    assert again is not None
    assert again.state is BreakerState.TRIPPED
    assert again.figures["start_equity"] == "90000"


def test_the_next_session_measures_from_its_own_start_of_day_equity() -> None:
    calendar = SessionCalendar()
    breaker = DailyLoss(DailyLossConfig(), calendar)
    breaker.observe(portfolio("96000", daily_pnl="-4000", ts=1_000.0))
    breaker.reset()
    next_session = calendar.session_close(1_000.0) + 1.0
    change = breaker.observe(portfolio("95000", daily_pnl="-1000", ts=next_session))
    assert change is None  # 1000 of 96000 is 1.04%: measured from the portfolio's start again
    assert breaker.rebased is None


def test_drawdown_trips_at_exactly_ten_percent_from_the_peak() -> None:
    breaker = Drawdown(DrawdownConfig())
    assert breaker.observe(portfolio("90000.01", peak="100000")) is not None  # warning
    assert breaker.state() is BreakerState.WARNING
    change = breaker.observe(portfolio("90000", peak="100000"))
    assert change is not None
    assert change.state is BreakerState.TRIPPED
    assert change.figures["drawdown"] == "10000"
    assert change.figures["peak"] == "100000"


def test_a_reset_drawdown_measures_from_the_equity_at_the_reset() -> None:
    breaker = Drawdown(DrawdownConfig())
    breaker.observe(portfolio("85000", peak="100000"))
    breaker.reset()
    assert breaker.observe(portfolio("85000", peak="100000")) is None
    change = breaker.observe(portfolio("76500", peak="100000"))  # 10% of 85000
    assert change is not None
    assert change.state is BreakerState.TRIPPED
    assert change.figures["peak"] == "85000"


def test_rapid_drawdown_counts_only_the_high_within_the_window() -> None:
    breaker = RapidDrawdown(RapidDrawdownConfig())
    assert breaker.observe(portfolio("100000", ts=0.0)) is None
    assert breaker.observe(portfolio("96000", ts=1800.0)) is not None  # 4%: a warning
    # at 3601 s the 100000 left the window; 95000 is 1.04% below the 96000 high
    assert breaker.observe(portfolio("95000", ts=3601.0)) is not None  # cleared
    assert breaker.state() is BreakerState.OK


def test_rapid_drawdown_trips_at_exactly_five_percent_within_the_hour() -> None:
    below = RapidDrawdown(RapidDrawdownConfig())
    below.observe(portfolio("100000", ts=0.0))
    change = below.observe(portfolio("95000.01", ts=3600.0))
    assert change is not None
    assert change.state is BreakerState.WARNING
    at = RapidDrawdown(RapidDrawdownConfig())
    at.observe(portfolio("100000", ts=0.0))
    change = at.observe(portfolio("95000", ts=3600.0))
    assert change is not None
    assert change.state is BreakerState.TRIPPED
    assert change.figures["high"] == "100000"
    assert change.reason == "equity fell 5.00% within 60 minutes (limit 5.00%)"
