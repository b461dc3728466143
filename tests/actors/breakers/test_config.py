"""The breakers' config: defaults from the issue, every figure settable, typos refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actors.breakers import BreakerConfig
from actors.messages import TradingState
from runtime import decode_config
from runtime.errors import ConfigError


def test_the_defaults_are_the_issue_s_figures() -> None:
    config = decode_config("", BreakerConfig)
    assert config.daily_loss.threshold == Decimal("0.03")
    assert config.daily_loss.reset_at_session_close
    assert config.drawdown.threshold == Decimal("0.10")
    assert config.consecutive_losses.threshold == 5
    assert (config.rapid_drawdown.threshold, config.rapid_drawdown.window) == (
        Decimal("0.05"),
        3600.0,
    )
    assert (config.price_shock.threshold, config.price_shock.window) == (Decimal("0.10"), 300.0)
    assert config.price_shock.crash_threshold == Decimal("0.20")
    assert config.price_shock.trading_state is TradingState.ACTIVE
    assert config.daily_loss.warn_at == Decimal("0.8")


def test_a_file_sets_figures_exactly() -> None:
    text = '[drawdown]\nthreshold = 0.125\ntrading_state = "reducing"\n[manual]\nenabled = false\n'
    config = decode_config(text, BreakerConfig)
    assert config.drawdown.threshold == Decimal("0.125")
    assert config.drawdown.trading_state is TradingState.REDUCING
    assert not config.manual.enabled


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[drawdown]\nthreshhold = 0.1\n", "drawdown.threshhold: unknown key"),
        ("[daily_loss]\nthreshold = -0.01\n", "threshold must be > 0"),
        ("[price_shock]\ncrash_threshold = 0.05\n", "crash_threshold must be >= threshold"),
        ('[broker_errors]\ntrading_state = "panic"\n', "broker_errors.trading_state"),
        ("[rapid_drawdown]\nwarn_at = 0.5\nclear_at = 0.6\n", "clear_at <= warn_at"),
    ],
)
def test_bad_settings_are_refused_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        decode_config(text, BreakerConfig)
