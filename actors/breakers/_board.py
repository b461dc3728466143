"""The board: which breakers are tripped, why, since when, and the code that resets each.

Trips are latched here, one :class:`Latch` per breaker name (``drawdown``,
``price_shock:AAPL``), each reported and reset on its own. The account's
trading state is the strictest ``trading_state`` among the latches (ACTIVE
when none). A reset needs the code issued at the trip: eight hex digits from
the actor's seeded generator, 2**32 possibilities, compared in constant
time. The board is pure: the actor feeds it changes and publishes what it says.
"""

from __future__ import annotations

import hmac
import random
from collections.abc import Iterable, Mapping

import msgspec

from actors.messages import BreakerState, BreakerView, ResetResult, TradingState

from ._level import Change

__all__ = ["Board", "Latch"]


class Latch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A tripped breaker: stored in snapshots, so it survives restarts."""

    kind: str
    symbol: str | None
    trading_state: TradingState
    reason: str
    tripped_at: float
    reset_code: str
    figures: dict[str, str] = msgspec.field(default_factory=dict)
    reset_at: float | None = None  # when it resets by itself (the session close)

    @property
    def name(self) -> str:
        return self.kind if self.symbol is None else f"{self.kind}:{self.symbol}"

    def view(self) -> BreakerView:
        return BreakerView(
            name=self.name,
            state=BreakerState.TRIPPED,
            trading_state=self.trading_state,
            reason=self.reason,
            tripped_at=self.tripped_at,
            reset_code=self.reset_code,
            symbol=self.symbol,
            figures=self.figures,
        )


class Board:
    def __init__(self, rng: random.Random, latches: Iterable[Latch] = ()) -> None:
        self._rng = rng
        self.latches: dict[str, Latch] = {latch.name: latch for latch in latches}
        self.warnings: dict[str, Change] = {}

    @property
    def state(self) -> TradingState:
        """The strictest state among the tripped breakers."""
        return max(
            (latch.trading_state for latch in self.latches.values()),
            key=lambda state: state.rank,
            default=TradingState.ACTIVE,
        )

    @property
    def tripped(self) -> tuple[str, ...]:
        return tuple(sorted(self.latches))

    def trip(self, change: Change, reset_at: float | None = None) -> Latch:
        """Latch ``change`` (a trip) under a fresh reset code."""
        self.warnings.pop(change.name, None)
        latch = Latch(
            kind=change.kind,
            symbol=change.symbol,
            trading_state=change.trading_state,
            reason=change.reason,
            tripped_at=change.ts,
            reset_code=f"{self._rng.getrandbits(32):08x}",
            figures=dict(change.figures),
            reset_at=reset_at,
        )
        self.latches[latch.name] = latch
        return latch

    def note(self, change: Change) -> None:
        """Record a warning, or its clearing (state OK)."""
        if change.state is BreakerState.WARNING:
            self.warnings[change.name] = change
        else:
            self.warnings.pop(change.name, None)

    def reset(self, name: str, code: str, ts: float) -> tuple[ResetResult, Latch | None]:
        """Reset ``name`` if ``code`` is the one issued at its trip; say why not otherwise."""
        latch = self.latches.get(name)
        if latch is None:
            return self._result(name, False, f"breaker {name!r} is not tripped", ts), None
        if not hmac.compare_digest(code.strip().lower().encode(), latch.reset_code.encode()):
            return self._result(name, False, f"wrong reset code for breaker {name!r}", ts), None
        del self.latches[name]
        return self._result(name, True, f"breaker {name!r} reset", ts), latch

    def due(self, now: float) -> list[Latch]:
        """Unlatch and return the latches whose automatic reset time has come."""
        due = [x for x in self.latches.values() if x.reset_at is not None and x.reset_at <= now]
        for latch in due:
            del self.latches[latch.name]
        return due

    def next_reset_at(self) -> float | None:
        times = [x.reset_at for x in self.latches.values() if x.reset_at is not None]
        return min(times, default=None)

    def views(self, kinds: Mapping[str, TradingState]) -> tuple[BreakerView, ...]:
        """Every account breaker in ``kinds`` (OK ones too) and every symbol not OK."""
        views: dict[str, BreakerView] = {
            kind: BreakerView(name=kind, state=BreakerState.OK, trading_state=state)
            for kind, state in kinds.items()
        }
        for name, change in self.warnings.items():
            views[name] = BreakerView(
                name=name,
                state=BreakerState.WARNING,
                trading_state=change.trading_state,
                reason=change.reason,
                symbol=change.symbol,
                figures=dict(change.figures),
            )
        for name, latch in self.latches.items():
            views[name] = latch.view()
        return tuple(views[name] for name in sorted(views))

    def _result(self, name: str, reset: bool, reason: str, ts: float) -> ResetResult:
        return ResetResult(name=name, reset=reset, reason=reason, state=self.state, ts=ts)
