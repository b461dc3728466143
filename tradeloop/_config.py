"""The daemon's configuration: one TOML file decoded into these Structs.

Every section and every key has a default, so ``tradeloop run`` with no file
runs the embedded default (paper broker with $100,000, the synthetic market,
five strategies, hub and HTTP on their default ports); unknown keys are
errors (``forbid_unknown_fields``) so that a typo never silently falls back
to a default. Each part's own settings Struct is used as is, so the key
paths in an error message are the ones in the file.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from actors.breakers import BreakerConfig
from actors.broker import SessionConfig
from actors.gateway import GatewayConfig
from actors.risk import RiskConfig
from actors.strategies import StrategyConfig, default_strategies
from adapters.market import SyntheticConfig
from adapters.paper import PaperConfig
from runtime import Backoff

__all__ = [
    "AccountConfig",
    "Config",
    "JournalConfig",
    "MarketConfig",
    "PortfolioConfig",
    "RuntimeConfig",
    "SupervisionConfig",
]

Positive = Annotated[float, msgspec.Meta(gt=0)]


class _Section(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class RuntimeConfig(_Section, frozen=True):
    seed: int = 0
    data_dir: str = "var"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Wall-clock seconds the whole tree gets to stop after SIGINT/SIGTERM.
    shutdown_grace: Positive = 10.0


class SupervisionConfig(_Section, frozen=True):
    """Restart policy of the daemon's supervisors (intensity per period, backoff)."""

    intensity: Annotated[int, msgspec.Meta(ge=0)] = 5
    period: Positive = 30.0
    backoff: Backoff = Backoff()
    # A strategy that crashes in a loop must not take the others down with it.
    strategies_intensity: Annotated[int, msgspec.Meta(ge=0)] = 20
    # Sessions ride out outages with backoff (transient failures are not
    # counted); this bounds only real faults.
    brokers_intensity: Annotated[int, msgspec.Meta(ge=0)] = 10


class JournalConfig(_Section, frozen=True):
    """``thread`` keeps SQLite off the trio thread (live); ``inline`` suits virtual time.

    The paper venue writes its state file the same way.

    ``durable: false`` skips the flush to disk at each commit: only for a
    journal that is thrown away (a replay's); a live daemon keeps it on.
    """

    io: Literal["thread", "inline"] = "thread"
    verify: Literal["full", "tail"] = "full"
    file: str = "journal.sqlite"
    durable: bool = True


class MarketConfig(_Section, frozen=True):
    synthetic: SyntheticConfig = msgspec.field(default_factory=SyntheticConfig)
    symbols: tuple[str, ...] = ("AAPL", "MSFT", "NVDA", "SPY", "QQQ", "MES")
    stale_after: Positive = 5.0


class AccountConfig(_Section, frozen=True):
    """One broker account; ``cash`` opens a new paper account."""

    name: str = "paper"
    broker: Literal["paper"] = "paper"
    cash: Decimal = Decimal("100000")

    def __post_init__(self) -> None:
        if self.cash <= 0:
            raise ValueError(f"cash must be positive, not {self.cash}")


class PortfolioConfig(_Section, frozen=True):
    publish_interval: Positive = 1.0


class Config(_Section, frozen=True):
    runtime: RuntimeConfig = RuntimeConfig()
    supervision: SupervisionConfig = SupervisionConfig()
    journal: JournalConfig = JournalConfig()
    market: MarketConfig = MarketConfig()
    paper: PaperConfig = msgspec.field(default_factory=PaperConfig)
    accounts: tuple[AccountConfig, ...] = (AccountConfig(),)
    session: SessionConfig = msgspec.field(default_factory=SessionConfig)
    portfolio: PortfolioConfig = PortfolioConfig()
    risk: RiskConfig = msgspec.field(default_factory=RiskConfig)
    breakers: BreakerConfig = msgspec.field(default_factory=BreakerConfig)
    strategies: tuple[StrategyConfig, ...] = msgspec.field(default_factory=default_strategies)
    gateway: GatewayConfig = msgspec.field(default_factory=GatewayConfig)

    def __post_init__(self) -> None:
        names = [account.name for account in self.accounts]
        if not names:
            raise ValueError("accounts: at least one account is needed")
        if len(set(names)) != len(names):
            raise ValueError(f"accounts: duplicate account names {sorted(names)}")
        strategies = [strategy.name for strategy in self.strategies]
        if len(set(strategies)) != len(strategies):
            raise ValueError(f"strategies: duplicate strategy names {sorted(strategies)}")
