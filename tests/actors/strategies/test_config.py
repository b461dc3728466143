"""Strategy instances from config, the strategies supervisor, and the embedded default."""

from __future__ import annotations

import random
import re
from collections import Counter
from decimal import Decimal

import msgspec
import pytest

from actors.messages import Bar, Fill, Quote, TradingStateChanged
from actors.strategies import (
    AlertConfig,
    MomentumConfig,
    PairsConfig,
    StrategyBase,
    StrategyConfig,
    build_strategies,
    default_strategies,
    make_strategy,
)
from runtime import ChildSpec, Policy, decode_config
from runtime import Strategy as Supervision
from runtime.errors import ConfigError

from ._market import fill_for, random_walk


class Doc(msgspec.Struct, forbid_unknown_fields=True):
    strategies: tuple[StrategyConfig, ...] = ()


def test_a_config_file_lists_instances_by_kind() -> None:
    doc = decode_config(
        """
        [[strategies]]
        kind = "momentum"
        name = "fast-momentum"
        symbols = ["SPY"]
        params = { fast = 2, slow = 5, atr_multiple = 1.5, quantity = 10 }

        [[strategies]]
        kind = "pairs"
        name = "pairs"
        symbols = ["SPY", "QQQ"]
        params = { entry_z = 2.5, max_holding = 900.0 }

        [[strategies]]
        kind = "alerts"
        name = "tradingview"
        """,
        Doc,
    )
    momentum, pairs, alerts = (make_strategy(c) for c in doc.strategies)
    assert [type(s).__name__ for s in (momentum, pairs, alerts)] == [
        "MomentumStrategy",
        "PairsStrategy",
        "AlertStrategy",
    ]
    assert momentum.lookback == 15  # slow 5, atr_period 14 (default)
    first, second, _ = doc.strategies
    assert isinstance(first, MomentumConfig)
    assert (first.params.fast, first.params.atr_multiple, first.params.quantity) == (
        2,
        Decimal("1.5"),
        Decimal(10),
    )
    assert isinstance(second, PairsConfig)
    assert (second.params.entry_z, second.params.exit_z, second.params.window) == (2.5, 0.5, 20)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('kind = "momentum"\nname = "m"\nsymbols = ["SPY"]\nparams = { fats = 2 }', "fats"),
        ('kind = "momentum"\nname = "m"\nsymbols = ["SPY"]\nparams = { fast = 9 }', "fast < slow"),
        ('kind = "momentum"\nname = "m"', "needs at least one symbol"),
        ('kind = "pairs"\nname = "p"\nsymbols = ["SPY"]', "two distinct symbols"),
        ('kind = "breakout"\nname = "b"\nsymbols = ["SPY", "SPY"]', "listed twice"),
        ('kind = "grid"\nname = "g"', "grid"),
        ('kind = "alerts"\nname = "has space"', "strategies[0].name"),
        ('kind = "alerts"\nname = "a"\ntimeframe = "1x"', "strategies[0].timeframe"),
    ],
)
def test_a_bad_instance_is_refused_with_the_reason(body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        decode_config(f"[[strategies]]\n{body}\n", Doc)


def test_the_supervisor_has_one_actor_per_instance_and_refuses_twins() -> None:
    spec = build_strategies(default_strategies())
    assert (spec.name, spec.strategy) == ("strategies", Supervision.ONE_FOR_ONE)
    children = [c for c in spec.children if isinstance(c, ChildSpec)]
    assert [c.name for c in children] == [
        "strategy-momentum",
        "strategy-mean-reversion",
        "strategy-breakout",
        "strategy-pairs",
        "strategy-tradingview",
    ]
    momentum, alerts = children[0], children[-1]
    assert [(s.message_type, s.policy) for s in momentum.subscriptions] == [
        (Quote, Policy.CONFLATE),
        (Bar, Policy.BLOCK),
        (Fill, Policy.BLOCK),
        (TradingStateChanged, Policy.CONFLATE),
    ]
    assert [s.message_type for s in alerts.subscriptions] == [Fill, TradingStateChanged]
    twins: list[StrategyConfig] = [
        AlertConfig(name="tv"),
        MomentumConfig(name="tv", symbols=("SPY",)),
    ]
    with pytest.raises(ValueError, match="duplicate child names"):
        build_strategies(twins)


@pytest.mark.parametrize("seed", range(5))
def test_the_default_strategies_trade_within_the_first_hour(seed: int) -> None:
    """A cold start on a random-walk market: each bar-driven default signals within 60 bars.

    SPY and QQQ move together as they do in a real market (a pair trades a positive hedge
    ratio only).
    """
    configs = default_strategies()
    strategies = [make_strategy(c) for c in configs]
    symbols = tuple(sorted({s for c in configs for s in c.symbols}))
    assert symbols == ("AAPL", "MES", "MSFT", "NVDA", "QQQ", "SPY")
    signals: Counter[str] = Counter()
    for b in random_walk(symbols, 60, random.Random(seed), related=("SPY", "QQQ")):
        for strategy in strategies:
            for signal in strategy.on_bar(b):
                signals[strategy.name] += 1
                assert isinstance(strategy, StrategyBase)
                strategy.on_fill(fill_for(strategy, signal, b.close))
    assert set(signals) == {"momentum", "mean-reversion", "breakout", "pairs"}
