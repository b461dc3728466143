"""The alert-driven strategy: an outside alert becomes a signal, field for field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actors.messages import (
    ExternalAlert,
    Fill,
    OrderType,
    Side,
    Signal,
    SignalAction,
    TradingState,
)
from actors.strategies import AlertStrategy

from ._market import bar


def _alert(action: SignalAction, *, quantity: str | None = None, **fields: object) -> ExternalAlert:
    base: dict[str, object] = {
        "alert_id": "tv-42",
        "source": "tradingview",
        "strategy": "tradingview",
        "symbol": "NVDA",
        "action": action,
        "ts": 1_700_000_000.5,
        "quantity": None if quantity is None else Decimal(quantity),
    }
    return ExternalAlert(**(base | fields))  # type: ignore[arg-type]


def _long(strategy: AlertStrategy, quantity: int) -> None:
    strategy.on_fill(
        Fill(
            execution_id="x1",
            client_order_id="o1",
            account="paper",
            symbol="NVDA",
            side=Side.BUY,
            quantity=Decimal(quantity),
            price=Decimal(480),
            commission=Decimal(0),
            ts=1.0,
            strategy="tradingview",
        )
    )


def test_an_alert_becomes_the_same_signal_with_an_id_from_the_alert_id() -> None:
    strategy = AlertStrategy("tradingview")
    alert = _alert(
        SignalAction.BUY,
        quantity="3",
        order_type=OrderType.STOP_LIMIT,
        limit_price=Decimal("481.5"),
        stop_price=Decimal("481"),
    )
    assert list(strategy.on_alert(alert)) == [
        Signal(
            signal_id="tradingview:tv-42",
            strategy="tradingview",
            symbol="NVDA",
            action=SignalAction.BUY,
            ts=1_700_000_000.5,
            quantity=Decimal(3),
            order_type=OrderType.STOP_LIMIT,
            limit_price=Decimal("481.5"),
            stop_price=Decimal("481"),
            reason="tradingview alert tv-42",
        )
    ]
    assert strategy.on_alert(alert) == strategy.on_alert(alert)  # a repeat: the same id


def test_alerts_for_another_strategy_or_an_unlisted_symbol_are_ignored() -> None:
    assert list(AlertStrategy("tradingview").on_alert(_alert(SignalAction.BUY, strategy="x"))) == []
    listed = AlertStrategy("tradingview", ["SPY"])
    assert list(listed.on_alert(_alert(SignalAction.BUY))) == []
    assert len(listed.on_alert(_alert(SignalAction.BUY, symbol="SPY"))) == 1


def test_bars_do_not_move_it() -> None:
    strategy = AlertStrategy("tradingview")
    assert not strategy.uses_market_data
    assert list(strategy.on_bar(bar("NVDA", 0, "480"))) == []


@pytest.mark.parametrize(
    ("action", "quantity", "passes"),
    [
        (SignalAction.BUY, None, False),  # adds risk
        (SignalAction.SELL, "10", False),  # more than the long: it would go short
        (SignalAction.SELL, "4", True),  # shrinks the long
        (SignalAction.SELL, None, True),  # risk sizes it against the long
        (SignalAction.CLOSE, None, True),
        (SignalAction.FLATTEN, None, True),
    ],
)
def test_when_halted_only_alerts_that_shrink_its_position_pass(
    action: SignalAction, quantity: str | None, passes: bool
) -> None:
    strategy = AlertStrategy("tradingview")
    _long(strategy, 5)
    strategy.on_trading_state(TradingState.HALTED)
    assert len(strategy.on_alert(_alert(action, quantity=quantity))) == (1 if passes else 0)
