"""All breakers together: latches, reset codes, the strictest state, automatic reset."""

from __future__ import annotations

import random
from decimal import Decimal

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from actors.breakers import Board, BreakerConfig, Breakers, BreakerSnapshot, Change
from actors.messages import (
    Alert,
    AlertSeverity,
    BreakerState,
    BreakerUpdate,
    BrokerRequestFailed,
    SessionCalendar,
    TradingState,
    TradingStateChanged,
)
from runtime import Message

from ._make import portfolio, trade

CALENDAR = SessionCalendar()
T0 = 1_767_261_600.0  # 2026-01-01 05:00 New York: the session closes at 16:00 that day


def _engine(snapshot: BreakerSnapshot | None = None) -> Breakers:
    return Breakers(BreakerConfig(), rng=random.Random(7), calendar=CALENDAR, snapshot=snapshot)


def _of(kind: type[Message], out: list[Message]) -> list[Message]:
    return [m for m in out if isinstance(m, kind)]


def _failure(ts: float) -> BrokerRequestFailed:
    return BrokerRequestFailed(account="paper", operation="submit", error="timeout", ts=ts)


def test_a_trip_publishes_update_alert_with_code_and_the_new_state() -> None:
    engine = _engine()
    out = engine.on_portfolio(portfolio("97000", daily_pnl="-3000", ts=T0))
    update, alert, changed = out
    assert isinstance(update, BreakerUpdate)
    assert update.state is BreakerState.TRIPPED
    assert update.name == "daily_loss"
    assert isinstance(alert, Alert)
    assert alert.severity is AlertSeverity.CRITICAL
    code = engine.board.latches["daily_loss"].reset_code
    assert "reset_code" not in alert.data
    assert alert.data["loss"] == "3000"
    assert alert.data["reset_at"] == str(CALENDAR.session_close(T0))
    assert changed == TradingStateChanged(
        state=TradingState.HALTED, previous=TradingState.ACTIVE, tripped=("daily_loss",), ts=T0
    )
    status = engine.status(T0)
    (view,) = [v for v in status.breakers if v.name == "daily_loss"]
    assert view.reset_code == code
    assert len(code) == 8
    assert int(code, 16) >= 0


def test_a_warning_is_an_alert_of_warning_severity_published_once() -> None:
    engine = _engine()
    out = engine.on_portfolio(portfolio("97600", daily_pnl="-2400", ts=T0))
    (alert,) = _of(Alert, out)
    assert isinstance(alert, Alert)
    assert alert.severity is AlertSeverity.WARNING
    assert _of(TradingStateChanged, out) == []
    assert engine.on_portfolio(portfolio("97500", daily_pnl="-2500", ts=T0 + 1)) == []


def test_a_wrong_code_is_refused_and_the_right_one_resets() -> None:
    engine = _engine()
    engine.on_portfolio(portfolio("89000", peak="100000", ts=T0))
    code = engine.board.latches["drawdown"].reset_code
    result, out = engine.reset("drawdown", "00000000" if code != "00000000" else "1", T0 + 1)
    assert not result.reset
    assert result.reason == "wrong reset code for breaker 'drawdown'"
    assert result.state is TradingState.HALTED
    assert out == []
    result, _ = engine.reset("rapid_drawdown", code, T0 + 1)
    assert result.reason == "breaker 'rapid_drawdown' is not tripped"
    result, out = engine.reset("drawdown", code.upper(), T0 + 2)
    assert result.reset
    assert result.state is TradingState.ACTIVE
    assert [type(m) for m in out] == [BreakerUpdate, Alert, TradingStateChanged]


def test_several_breakers_trip_together_and_relax_step_by_step() -> None:
    engine = _engine()
    for n in range(5):
        engine.on_failure(_failure(T0 + n))  # broker_errors: REDUCING
    assert engine.board.state is TradingState.REDUCING
    engine.on_portfolio(portfolio("90000", peak="100000", ts=T0 + 10))  # drawdown: HALTED
    engine.on_tick(trade("AAPL", "100", T0))
    engine.on_tick(trade("AAPL", "89", T0 + 20))  # price_shock:AAPL: the symbol only
    assert engine.board.tripped == ("broker_errors", "drawdown", "price_shock:AAPL")
    assert engine.status(T0).state is TradingState.HALTED
    codes = {name: latch.reset_code for name, latch in engine.board.latches.items()}

    _, out = engine.reset("drawdown", codes["drawdown"], T0 + 30)
    (changed,) = _of(TradingStateChanged, out)
    assert changed == TradingStateChanged(
        state=TradingState.REDUCING,
        previous=TradingState.HALTED,
        tripped=("broker_errors", "price_shock:AAPL"),
        ts=T0 + 30,
    )
    _, out = engine.reset("price_shock:AAPL", codes["price_shock:AAPL"], T0 + 31)
    assert _of(TradingStateChanged, out) == []  # the symbol's halt never moved the account
    _, out = engine.reset("broker_errors", codes["broker_errors"], T0 + 32)
    (changed,) = _of(TradingStateChanged, out)
    assert isinstance(changed, TradingStateChanged)
    assert changed.state is TradingState.ACTIVE


def test_the_daily_loss_resets_itself_at_the_session_close() -> None:
    engine = _engine()
    engine.on_portfolio(portfolio("96000", daily_pnl="-4000", ts=T0))
    close = CALENDAR.session_close(T0)
    assert engine.next_reset_at() == close
    assert engine.due(close - 0.001) == []
    out = engine.due(close)
    update = out[0]
    assert isinstance(update, BreakerUpdate)
    assert update.state is BreakerState.OK
    assert update.reason == "reset at the session close"
    assert out[-1] == TradingStateChanged(
        state=TradingState.ACTIVE, previous=TradingState.HALTED, tripped=(), ts=close
    )
    assert engine.next_reset_at() is None


def test_an_operator_trips_and_a_trip_is_refused_for_unknown_names() -> None:
    engine = _engine()
    said, _out = engine.trip("manual", "maintenance", T0)
    assert said == "breaker 'manual' tripped"
    assert engine.board.state is TradingState.HALTED
    assert engine.board.latches["manual"].reason == "maintenance"
    assert engine.trip("manual", "again", T0)[0] == "breaker 'manual' was already tripped"
    assert engine.trip("nope", "x", T0)[1] == []
    assert (
        engine.trip("price_shock", "x", T0)[0]
        == "breaker 'price_shock' is tripped as 'price_shock:SYMBOL'"
    )
    said, _ = engine.trip("price_shock:MSFT", "news pending", T0)
    assert engine.board.latches["price_shock:MSFT"].symbol == "MSFT"


def test_broker_errors_trip_at_the_count_within_the_window_only() -> None:
    engine = _engine()
    for n in range(4):
        engine.on_failure(_failure(T0 + 10.0 * n))  # 4 within 60 s: a warning
    assert engine.board.warnings["broker_errors"].figures["failures"] == "4"
    assert engine.on_failure(_failure(T0 + 60.0)) == []  # the first left the window: still 4
    out = engine.on_failure(_failure(T0 + 60.5))
    assert engine.board.latches["broker_errors"].figures["failures"] == "5"
    assert _of(TradingStateChanged, out) != []


def test_a_snapshot_round_trips_through_msgspec_and_keeps_the_latch() -> None:
    engine = _engine()
    engine.on_portfolio(portfolio("85000", peak="100000", ts=T0))
    code = engine.board.latches["drawdown"].reset_code
    engine.reset("drawdown", code, T0 + 1)
    engine.trip("manual", "ops", T0 + 2)
    data = msgspec.json.encode(engine.snapshot(T0 + 3))
    restored = _engine(msgspec.json.decode(data, type=BreakerSnapshot))
    assert restored.board.tripped == ("manual",)
    assert restored.drawdown.rebased_peak == Decimal("85000")
    assert restored.on_portfolio(portfolio("85000", peak="100000", ts=T0 + 4)) == []
    (changed,) = _of(TradingStateChanged, restored.announce(T0 + 5))
    assert isinstance(changed, TradingStateChanged)
    assert changed.state is TradingState.HALTED


@given(
    st.lists(
        st.tuples(
            st.booleans(),
            st.sampled_from(["a", "b", "c", "d"]),
            st.sampled_from(list(TradingState)),
        ),
        max_size=40,
    )
)
def test_the_state_is_always_the_strictest_tripped_breaker(
    steps: list[tuple[bool, str, TradingState]],
) -> None:
    board = Board(random.Random(0))
    model: dict[str, TradingState] = {}
    for trip, name, state in steps:
        if trip:
            if name not in board.latches:
                board.trip(Change(name, BreakerState.TRIPPED, state, "why", 0.0))
                model[name] = state
        elif name in board.latches:
            result, _ = board.reset(name, board.latches[name].reset_code, 0.0)
            assert result.reset
            del model[name]
        expected = max(model.values(), key=lambda s: s.rank, default=TradingState.ACTIVE)
        assert board.state is expected
        assert board.tripped == tuple(sorted(model))
