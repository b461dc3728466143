"""Each limit refuses with its name and reason, and passes at its threshold."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
import trio

from actors.messages import TradingState
from actors.risk import (
    Throttle,
    check_buying_power,
    check_gross_exposure,
    check_heat,
    check_max_notional,
    check_paused,
    check_position_cap,
    check_price_band,
    check_trading_state,
)

EQUITY = D(100_000)


def test_position_cap_at_20_percent() -> None:
    assert check_position_cap("AAPL", D(20_000), EQUITY, D("0.2")) is None
    refusal = check_position_cap("AAPL", D("20000.01"), EQUITY, D("0.2"))
    assert refusal is not None
    assert refusal.check == "position_cap"
    assert "AAPL position would be 20000.01, above 20.00% of equity" in refusal.reason


def test_gross_exposure_at_100_percent() -> None:
    assert check_gross_exposure(D(100_000), EQUITY, D(1)) is None
    refusal = check_gross_exposure(D("100000.01"), EQUITY, D(1))
    assert refusal is not None
    assert refusal.check == "gross_exposure"
    assert "above 100.00% of equity 100000" in refusal.reason


def test_heat_at_6_percent() -> None:
    assert check_heat(D(6000), EQUITY, D("0.06")) is None
    refusal = check_heat(D(6001), EQUITY, D("0.06"))
    assert refusal is not None
    assert refusal.check == "heat"
    assert "(6.00% of equity), above 6.00%" in refusal.reason


def test_max_notional_per_order() -> None:
    assert check_max_notional(D(50_000), D(50_000)) is None
    refusal = check_max_notional(D("50000.5"), D(50_000))
    assert refusal is not None
    assert refusal.check == "max_notional"
    assert refusal.reason == "order notional 50000.5 exceeds the limit 50000"


def test_price_band_five_percent_from_the_last_trade() -> None:
    assert check_price_band(D(105), D(100), D("0.05")) is None
    assert check_price_band(D(95), D(100), D("0.05")) is None
    refusal = check_price_band(D("105.01"), D(100), D("0.05"))
    assert refusal is not None
    assert refusal.check == "price_band"
    assert "5.01% from the last trade 100" in refusal.reason
    unknown = check_price_band(D(100), None, D("0.05"))
    assert unknown is not None
    assert unknown.reason.startswith("no last trade")


def test_buying_power() -> None:
    assert check_buying_power(D(1000), D(1000)) is None
    refusal = check_buying_power(D("1000.01"), D(1000))
    assert refusal is not None
    assert refusal.check == "buying_power"
    assert refusal.reason == "order needs 1000.01 of buying power, 1000 available"


def test_paused() -> None:
    assert check_paused("momentum", False) is None
    refusal = check_paused("momentum", True)
    assert refusal is not None
    assert refusal.check == "paused"


@pytest.mark.parametrize(
    ("state", "reduces", "is_exit", "passes"),
    [
        (TradingState.ACTIVE, False, False, True),
        (TradingState.REDUCING, False, False, False),
        (TradingState.REDUCING, True, False, True),
        (TradingState.REDUCING, False, True, True),
        (TradingState.HALTED, True, False, False),
        (TradingState.HALTED, False, False, False),
        (TradingState.HALTED, False, True, True),
    ],
)
def test_trading_state(state: TradingState, reduces: bool, is_exit: bool, passes: bool) -> None:
    refusal = check_trading_state(state, reduces=reduces, is_exit=is_exit)
    assert (refusal is None) is passes
    if refusal is not None:
        assert refusal.check == "trading_state"
        assert str(state) in refusal.reason


async def test_throttle_is_a_sliding_window_in_virtual_time(autojump_clock: object) -> None:
    throttle = Throttle(max_orders=3, period=60.0)
    for _ in range(3):
        assert throttle.check("momentum", trio.current_time()) is None
        throttle.record("momentum", trio.current_time())
        await trio.sleep(10)
    refusal = throttle.check("momentum", trio.current_time())
    assert refusal is not None
    assert refusal.check == "throttle"
    assert "3 orders in the last 60 s (limit 3); next allowed in 30 s" in refusal.reason
    assert throttle.check("other", trio.current_time()) is None  # per strategy
    await trio.sleep(30)  # the first order leaves the window
    assert throttle.check("momentum", trio.current_time()) is None
