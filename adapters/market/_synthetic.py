"""The synthetic market: a seeded, simulated world of prices for every symbol.

Each tick (every ``tick_interval`` seconds of trio time, so real or virtual)
every symbol's fair value takes one geometric-Brownian step under its
current regime, injected shocks are applied on top, and the market quotes
around it on the instrument's tick grid and sometimes trades at the bid or
the ask. Regimes switch with a seeded probability per tick (calm, trending,
volatile: drift and volatility change). Every symbol draws from its own
generator seeded from ``(seed, symbol)``, so the same seed gives the same
ticks, and adding a symbol does not change the others.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any, final

import msgspec
import trio

from actors.messages import Quote, Trade
from runtime import Clock

from ._bars import DEFAULT_TIMEFRAMES, timeframe_seconds
from ._fanout import MarketBase
from ._source import MarketEvent
from ._universe import SymbolProfile, default_universe
from .errors import UnknownSymbol

__all__ = ["Regime", "Shock", "SyntheticConfig", "SyntheticMarket"]


class Regime(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A market mood: annualised ``drift`` and a factor on each symbol's volatility."""

    name: str
    drift: float = 0.0
    vol_scale: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.vol_scale <= 20 or not -10 <= self.drift <= 10:
            raise ValueError(f"regime {self.name!r}: needs 0 <= vol_scale <= 20, |drift| <= 10")


DEFAULT_REGIMES = (
    Regime(name="calm"),
    Regime(name="bull", drift=0.8, vol_scale=1.2),
    Regime(name="bear", drift=-0.8, vol_scale=1.5),
    Regime(name="volatile", vol_scale=3.0),
)


class SyntheticConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How the synthetic market behaves (a config file can carry it as is).

    ``trading_year`` is the number of seconds over which the annualised
    volatilities and drifts apply (252 sessions of 6.5 hours); every symbol
    starts in ``regimes[0]`` and, each tick, moves to another regime with
    ``regime_switch_probability``. ``client_buffer`` is how many batches a
    client may fall behind before it is disconnected.
    """

    tick_interval: float = 1.0
    trade_probability: float = 0.5
    regimes: tuple[Regime, ...] = DEFAULT_REGIMES
    regime_switch_probability: float = 0.002
    trading_year: float = 252 * 6.5 * 3600
    client_buffer: int = 256
    history_bars: int = 500
    bar_timeframes: tuple[str, ...] = DEFAULT_TIMEFRAMES

    def __post_init__(self) -> None:
        if not self.tick_interval > 0:
            raise ValueError("tick_interval must be > 0")
        for name in ("trade_probability", "regime_switch_probability"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1]")
        if not self.regimes:
            raise ValueError("at least one regime is needed")
        if not self.trading_year > 0:
            raise ValueError("trading_year must be > 0")
        for timeframe in self.bar_timeframes:
            timeframe_seconds(timeframe)


class Shock(msgspec.Struct, frozen=True, kw_only=True):
    """A crash injected into one symbol, as a factor on its fair value.

    From ``start`` (epoch seconds) the factor falls linearly from 1 to
    ``1 - drop`` over ``over`` seconds, then climbs back ``recover`` of the
    way over ``recover_over`` seconds, and stays there.
    """

    symbol: str
    start: float
    drop: float
    over: float
    recover: float
    recover_over: float

    @property
    def end(self) -> float:
        return self.start + self.over + self.recover_over

    @property
    def final(self) -> float:
        return 1 - self.drop * (1 - self.recover)

    def factor(self, ts: float) -> float:
        elapsed = ts - self.start
        if elapsed <= 0:
            return 1.0
        if elapsed < self.over:
            return 1 - self.drop * elapsed / self.over
        elapsed -= self.over
        if elapsed < self.recover_over:
            return 1 - self.drop + self.drop * self.recover * elapsed / self.recover_over
        return self.final


@final
class _Walk:
    """One symbol's state: its generator, log fair value, regime and shocks."""

    __slots__ = ("log_price", "profile", "regime", "rng", "shocks", "tick")

    def __init__(self, profile: SymbolProfile, seed: int, regime: Regime) -> None:
        self.profile = profile
        self.rng = random.Random(f"{seed}/{profile.symbol}")
        self.log_price = math.log(profile.price)
        self.regime = regime
        self.shocks: list[Shock] = []
        self.tick = float(profile.instrument.tick_size)


@final
class SyntheticMarket(MarketBase):
    """The simulated world: run :meth:`serve` in a nursery, read it through clients."""

    def __init__(
        self,
        universe: Sequence[SymbolProfile] | None = None,
        config: SyntheticConfig | None = None,
        *,
        seed: int,
        clock: Clock,
        name: str = "synthetic",
    ) -> None:
        profiles = tuple(default_universe() if universe is None else universe)
        self.config = config = SyntheticConfig() if config is None else config
        super().__init__(
            name,
            [p.symbol for p in profiles],
            clock,
            buffer=config.client_buffer,
            bar_timeframes=config.bar_timeframes,
            history_bars=config.history_bars,
        )
        if len(self.symbols) != len(profiles):
            raise ValueError("the universe names a symbol twice")
        self.profiles = {p.symbol: p for p in profiles}
        self._walks = [_Walk(p, seed, config.regimes[0]) for p in profiles]
        self._by_symbol = {walk.profile.symbol: walk for walk in self._walks}
        self._dt = config.tick_interval / config.trading_year
        self._last_ts = clock.time()
        self.ticks = 0

    # -- inspection and fault injection ----------------------------------------------

    def regime(self, symbol: str) -> Regime:
        return self._walk(symbol).regime

    def fair_value(self, symbol: str) -> float:
        """The price the market quotes around, shocks included."""
        walk = self._walk(symbol)
        return self._fair(walk, self._last_ts)

    def shock(
        self,
        symbol: str,
        drop: float = 0.20,
        over: float = 30.0,
        recover: float = 0.5,
        recover_over: float = 60.0,
    ) -> Shock:
        """Crash ``symbol`` by ``drop`` over ``over`` s from now, then recover part of it."""
        if not 0 < drop < 1 or not 0 <= recover <= 1 or over <= 0 or recover_over <= 0:
            raise ValueError("a shock needs 0 < drop < 1, 0 <= recover <= 1 and positive durations")
        shock = Shock(
            symbol=symbol,
            start=self.clock.time(),
            drop=drop,
            over=over,
            recover=recover,
            recover_over=recover_over,
        )
        self._walk(symbol).shocks.append(shock)
        return shock

    def _walk(self, symbol: str) -> _Walk:
        try:
            return self._by_symbol[symbol]
        except KeyError:
            raise UnknownSymbol(f"market {self.name!r} does not carry {symbol!r}") from None

    # -- running -----------------------------------------------------------------------

    async def serve(self, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        """Tick every ``tick_interval`` seconds until cancelled (the first tick at once)."""
        interval = self.config.tick_interval
        next_at = self.clock.monotonic()
        task_status.started()
        while True:
            self._tick()
            next_at += interval
            await trio.sleep_until(next_at)

    def _tick(self) -> None:
        ts = self._last_ts = self.clock.time()
        batch: list[MarketEvent] = []
        for walk in self._walks:
            self._step(walk, ts, batch)
        self.ticks += 1
        self._emit(batch)

    def _fair(self, walk: _Walk, ts: float) -> float:
        price = math.exp(walk.log_price)
        for shock in walk.shocks:
            price *= shock.factor(ts)
        return price

    def _step(self, walk: _Walk, ts: float, batch: list[MarketEvent]) -> None:
        config = self.config
        rng = walk.rng
        regimes = config.regimes
        if len(regimes) > 1 and rng.random() < config.regime_switch_probability:
            walk.regime = rng.choice([r for r in regimes if r is not walk.regime])
        sigma = walk.profile.volatility * walk.regime.vol_scale
        dt = self._dt
        walk.log_price += (walk.regime.drift - sigma * sigma / 2) * dt + sigma * math.sqrt(
            dt
        ) * rng.gauss(0.0, 1.0)
        for shock in [s for s in walk.shocks if ts >= s.end]:
            walk.log_price += math.log(shock.final)  # the residue of a finished shock stays
            walk.shocks.remove(shock)
        profile = walk.profile
        instrument = profile.instrument
        spread = profile.spread_ticks
        # the bid sits on the fair value's nearest tick (less half of a wider spread), so
        # an unmoved symbol quotes its reference price whatever the float noise
        bid_ticks = max(1, round(self._fair(walk, ts) / walk.tick) - spread // 2)
        tick_size = instrument.tick_size
        bid = bid_ticks * tick_size
        ask = (bid_ticks + spread) * tick_size
        lot = instrument.lot_size
        lots = profile.quote_lots
        symbol = profile.symbol
        batch.append(
            Quote(
                symbol=symbol,
                ts=ts,
                bid=bid,
                ask=ask,
                bid_size=rng.randint(1, 2 * lots) * lot,
                ask_size=rng.randint(1, 2 * lots) * lot,
            )
        )
        if rng.random() < config.trade_probability:
            price = ask if rng.random() < 0.5 else bid
            batch.append(Trade(symbol=symbol, ts=ts, price=price, size=rng.randint(1, lots) * lot))
