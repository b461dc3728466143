"""What every breaker shares: its level (ok, warning, tripped) and the change it reports.

A breaker turns each observation into a reading and hands the reading to a
:class:`Level` with three absolute bounds (trip, warn, clear). Readings are
compared as exact Decimals in the units of the bounds (an amount of money
against ``threshold × base``), never as rounded ratios, so a breaker trips
exactly at its threshold and not a cent below. The level changes only on a
crossing, which is what makes a warning an event and not a per-tick noise.
A trip is latched: nothing the breaker observes undoes it; only
:meth:`Breaker.reset` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from actors.messages import BreakerState, TradingState

__all__ = ["Breaker", "Change", "Level", "breaker_name", "pct"]


def breaker_name(kind: str, symbol: str | None) -> str:
    """``drawdown`` for an account breaker, ``price_shock:AAPL`` for a symbol's."""
    return kind if symbol is None else f"{kind}:{symbol}"


def pct(fraction: Decimal) -> str:
    """A fraction as a percentage with two decimals, for reasons people read."""
    return f"{fraction * 100:.2f}%"


@dataclass(frozen=True, slots=True)
class Change:
    """A breaker moved to ``state``; ``figures`` are its exact readings as strings."""

    kind: str
    state: BreakerState
    trading_state: TradingState
    reason: str
    ts: float
    symbol: str | None = None
    figures: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return breaker_name(self.kind, self.symbol)


class Level:
    """The state of one breaker (or of one symbol of a per-symbol breaker)."""

    __slots__ = ("state",)

    def __init__(self) -> None:
        self.state = BreakerState.OK

    def step(
        self, value: Decimal, trip: Decimal, warn: Decimal, clear: Decimal
    ) -> BreakerState | None:
        """Move on a crossing and return the new state; None when nothing changed."""
        state = self.state
        if state is BreakerState.TRIPPED:
            return None
        if value >= trip:
            self.state = BreakerState.TRIPPED
        elif state is BreakerState.OK and value >= warn:
            self.state = BreakerState.WARNING
        elif state is BreakerState.WARNING and value < clear:
            self.state = BreakerState.OK
        return None if self.state is state else self.state


class Bounds(Protocol):
    """What every breaker's config gives its base: the state it imposes and the warn/clear bands."""

    @property
    def trading_state(self) -> TradingState: ...

    @property
    def warn_at(self) -> Decimal: ...

    @property
    def clear_at(self) -> Decimal: ...


class Breaker:
    """Base of the breakers: config bounds, levels per symbol, latch and reset.

    Subclasses set ``kind`` and call :meth:`_assess` from their ``observe`` (or
    :meth:`_step`, then :meth:`_change` only when the state moved).
    """

    kind = ""

    def __init__(self, config: Bounds, threshold: Decimal | int) -> None:
        self.threshold = Decimal(threshold)
        self.trading_state = config.trading_state
        self.warn_at = config.warn_at
        self.clear_at = config.clear_at
        self._levels: dict[str | None, Level] = {}

    def state(self, symbol: str | None = None) -> BreakerState:
        level = self._levels.get(symbol)
        return BreakerState.OK if level is None else level.state

    def latch(self, symbol: str | None = None) -> None:
        """Mark as tripped without an observation: a trip restored after a restart."""
        self._levels.setdefault(symbol, Level()).state = BreakerState.TRIPPED

    def trip(self, reason: str, ts: float, symbol: str | None = None) -> Change | None:
        """Trip by hand (an operator's ``TripBreaker``); None when already tripped."""
        level = self._levels.setdefault(symbol, Level())
        if level.state is BreakerState.TRIPPED:
            return None
        level.state = BreakerState.TRIPPED
        return Change(
            self.kind,
            BreakerState.TRIPPED,
            self.trading_state,
            reason,
            ts,
            symbol,
            {"manual": "true"},
        )

    def reset(self, symbol: str | None = None) -> None:
        """Re-arm: back to OK, measuring afresh from now (see :meth:`_rebase`)."""
        self._levels.pop(symbol, None)
        self._rebase(symbol)

    def _rebase(self, symbol: str | None) -> None:
        """Forget what led to the trip, so a reset breaker does not trip again at once."""

    def _assess(
        self,
        value: Decimal,
        limit: Decimal,
        *,
        ts: float,
        reason: str,
        figures: Mapping[str, str],
        symbol: str | None = None,
        power: int = 1,
    ) -> Change | None:
        """Step the level with ``value`` against ``limit`` (the threshold, in value's units).

        ``power`` says how value scales with the figure the threshold is set
        on: 2 when value is a variance ratio and the threshold a volatility
        ratio, so the warning is still at 80% of the configured figure.
        """
        new = self._step(value, limit, symbol=symbol, power=power)
        return None if new is None else self._change(new, ts, symbol, reason, figures)

    def _step(
        self, value: Decimal, limit: Decimal, *, symbol: str | None = None, power: int = 1
    ) -> BreakerState | None:
        """:meth:`_assess` without the change: the new state, None when nothing changed.

        For the breakers that judge every tick: they word the change (with
        :meth:`_change`) only when there is one.
        """
        level = self._levels.get(symbol)
        if level is None:
            level = self._levels[symbol] = Level()
        warn = limit * self.warn_at**power
        return level.step(value, limit, warn, limit * self.clear_at**power)

    def _change(
        self,
        state: BreakerState,
        ts: float,
        symbol: str | None,
        reason: str,
        figures: Mapping[str, str],
    ) -> Change:
        return Change(self.kind, state, self.trading_state, reason, ts, symbol, figures)
