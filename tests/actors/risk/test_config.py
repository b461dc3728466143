"""RiskConfig from TOML: exact figures, typos and impossible values refused by name."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from actors.risk import RiskConfig
from runtime import decode_config
from runtime.errors import ConfigError

GOOD = """
sizing = "fixed_fractional"
risk_per_trade = 0.01
conflict_policy = "priority"

[strategies.momentum]
weight = 0.4
priority = 2
symbols = ["AAPL", "MSFT"]
"""


def test_a_config_decodes_with_exact_figures() -> None:
    config = decode_config(GOOD, RiskConfig)
    assert config.risk_per_trade == D("0.01")
    assert config.strategies["momentum"].weight == D("0.4")
    assert config.allocation("momentum").priority == 2
    assert config.allocation("other").weight == D("0.2")  # the default weight
    assert config.max_heat == D("0.06")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_heet = 0.05", "max_heet: unknown key"),
        ("[strategies.a]\nweight = 0.4\nprio = 1", "strategies[...].prio: unknown key"),
        ('conflict_policy = "random"', "conflict_policy"),
        ("max_heat = 1.5", "risk.max_heat must be in (0, 1]"),
        ("min_stop_distance = 0.2", "must not exceed risk.max_stop_distance"),
        ("[strategies.a]\nweight = 0.7\n[strategies.b]\nweight = 0.4", "must not sum above 1"),
    ],
)
def test_bad_configs_are_refused_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        decode_config(text, RiskConfig, source="risk.toml")
    assert message in str(caught.value)
