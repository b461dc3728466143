"""All breakers together: observations in, the messages to publish out.

:class:`Breakers` routes each input to the breakers that read it, latches
trips on the :class:`Board`, and turns every change into what the actor
publishes: a ``BreakerUpdate`` for each warning, trip, clearing and reset;
an ``Alert`` (warning severity at 80%, critical on a trip with the reset
code and figures in its data, info on a reset); and ``TradingStateChanged``
whenever the strictest state moves. It is synchronous and pure, so every
rule is tested without an actor; the actor only carries messages.
"""

from __future__ import annotations

import random

import msgspec

from actors.messages import (
    Alert,
    AlertSeverity,
    BreakerState,
    BreakerStatus,
    BreakerUpdate,
    BrokerRequestFailed,
    Fill,
    PortfolioUpdate,
    Quote,
    ResetResult,
    SessionCalendar,
    Trade,
    TradingState,
    TradingStateChanged,
)
from runtime import Message

from ._account import DailyLoss, Drawdown, RapidDrawdown
from ._board import Board, Latch
from ._config import BreakerConfig
from ._level import Breaker, Change
from ._market import PriceShock, Volatility
from ._operations import BrokerErrors, Manual
from ._snapshot import BreakerSnapshot
from ._trades import ConsecutiveLosses, OpenTrade

__all__ = ["Breakers"]

SYMBOL_KINDS = frozenset({PriceShock.kind, Volatility.kind})


class Breakers:
    def __init__(
        self,
        config: BreakerConfig,
        *,
        rng: random.Random,
        calendar: SessionCalendar | None = None,
        snapshot: BreakerSnapshot | None = None,
    ) -> None:
        calendar = SessionCalendar() if calendar is None else calendar
        self.config = config
        self.calendar = calendar
        self.daily = DailyLoss(config.daily_loss, calendar)
        self.drawdown = Drawdown(config.drawdown)
        self.rapid = RapidDrawdown(config.rapid_drawdown)
        self.losses = ConsecutiveLosses(config.consecutive_losses)
        self.shock = PriceShock(config.price_shock)
        self.volatility = Volatility(config.volatility)
        self.errors = BrokerErrors(config.broker_errors)
        self.manual = Manual(config.manual)
        enabled = {
            self.daily: config.daily_loss.enabled,
            self.drawdown: config.drawdown.enabled,
            self.rapid: config.rapid_drawdown.enabled,
            self.losses: config.consecutive_losses.enabled,
            self.shock: config.price_shock.enabled,
            self.volatility: config.volatility.enabled,
            self.errors: config.broker_errors.enabled,
            self.manual: config.manual.enabled,
        }
        self.breakers: dict[str, Breaker] = {b.kind: b for b, on in enabled.items() if on}
        self._auto_reset = {
            kind
            for kind, cfg in msgspec.structs.asdict(config).items()
            if cfg.reset_at_session_close
        }
        self.board = Board(rng)
        self.dirty = False  # something a snapshot keeps has changed since the last one
        if snapshot is not None:
            self.board = Board(rng, snapshot.latches)
            self._restore(snapshot)

    # -- inputs -------------------------------------------------------------------

    def on_portfolio(self, update: PortfolioUpdate) -> list[Message]:
        out: list[Message] = []
        for breaker in (self.daily, self.drawdown, self.rapid):
            if breaker.kind in self.breakers:
                out += self._apply(breaker.observe(update))
        if self.errors.kind in self.breakers:
            out += self._apply(self.errors.expire(update.ts))
        return out

    def on_tick(self, tick: Trade | Quote) -> list[Message]:
        out: list[Message] = []
        for breaker in (self.shock, self.volatility):
            if breaker.kind in self.breakers:
                out += self._apply(breaker.observe(tick))
        return out

    def on_fill(self, fill: Fill) -> list[Message]:
        if self.losses.kind not in self.breakers:
            return []
        new, change = self.losses.observe(fill)
        self.dirty |= new
        return self._apply(change)

    def on_failure(self, failure: BrokerRequestFailed) -> list[Message]:
        if self.errors.kind not in self.breakers:
            return []
        return self._apply(self.errors.observe(failure))

    def trip(self, name: str, reason: str, ts: float) -> tuple[str, list[Message]]:
        """An operator's trip of ``name``; (what happened, in words; messages)."""
        kind, _, symbol = name.partition(":")
        breaker = self.breakers.get(kind)
        if breaker is None:
            known = ", ".join(sorted(self.breakers))
            return f"no enabled breaker {kind!r} (enabled: {known})", []
        if (kind in SYMBOL_KINDS) != bool(symbol):
            form = f"{kind}:SYMBOL" if kind in SYMBOL_KINDS else kind
            return f"breaker {kind!r} is tripped as {form!r}", []
        change = breaker.trip(reason or "tripped by an operator", ts, symbol or None)
        if change is None:
            return f"breaker {name!r} was already tripped", []
        return f"breaker {name!r} tripped", self._apply(change)

    def reset(self, name: str, code: str, ts: float) -> tuple[ResetResult, list[Message]]:
        previous = self.board.state
        result, latch = self.board.reset(name, code, ts)
        if latch is None:
            return result, []
        return result, self._unlatched(latch, "by an operator", ts) + self._state_change(
            previous, ts
        )

    def due(self, now: float) -> list[Message]:
        """Reset the breakers whose automatic reset (the session close) has come."""
        previous = self.board.state
        out: list[Message] = []
        for latch in sorted(self.board.due(now), key=lambda x: x.name):
            out += self._unlatched(latch, "at the session close", now)
        return out + self._state_change(previous, now)

    def next_reset_at(self) -> float | None:
        return self.board.next_reset_at()

    # -- outputs ------------------------------------------------------------------

    def status(self, ts: float) -> BreakerStatus:
        kinds = {k: b.trading_state for k, b in self.breakers.items() if k not in SYMBOL_KINDS}
        return BreakerStatus(state=self.board.state, breakers=self.board.views(kinds), ts=ts)

    def announce(self, ts: float) -> list[Message]:
        """The state as it stands (after a restart): one update per latch, then the state."""
        out: list[Message] = [self._update_for_latch(latch) for latch in self._sorted_latches()]
        state = self.board.state
        out.append(
            TradingStateChanged(state=state, previous=state, tripped=self.board.tripped, ts=ts)
        )
        return out

    def snapshot(self, ts: float) -> BreakerSnapshot:
        self.dirty = False
        rebased = self.daily.rebased
        return BreakerSnapshot(
            ts=ts,
            latches=tuple(self._sorted_latches()),
            losers=self.losses.losers,
            open_trades=tuple(
                OpenTrade(
                    account=t.account,
                    strategy=t.strategy,
                    symbol=t.symbol,
                    quantity=t.quantity,
                    cash=t.cash,
                )
                for t in self.losses.trades.values()
            ),
            executions=tuple(self.losses.seen),
            drawdown_peak=self.drawdown.rebased_peak,
            daily_session=None if rebased is None else rebased[0],
            daily_equity=None if rebased is None else rebased[1],
        )

    # -- internals ----------------------------------------------------------------

    def _restore(self, snapshot: BreakerSnapshot) -> None:
        for latch in snapshot.latches:
            breaker = self.breakers.get(latch.kind)
            if breaker is not None:
                breaker.latch(latch.symbol)
        self.losses.restore(snapshot.losers, list(snapshot.open_trades), list(snapshot.executions))
        self.drawdown.rebased_peak = snapshot.drawdown_peak
        if snapshot.daily_session is not None and snapshot.daily_equity is not None:
            self.daily.rebased = (snapshot.daily_session, snapshot.daily_equity)

    def _sorted_latches(self) -> list[Latch]:
        return [self.board.latches[name] for name in sorted(self.board.latches)]

    def _apply(self, change: Change | None) -> list[Message]:
        if change is None:
            return []
        if change.state is not BreakerState.TRIPPED:
            self.board.note(change)
            update = self._update(change, change.state)
            if change.state is BreakerState.OK:
                return [update]
            alert = self._alert(
                AlertSeverity.WARNING,
                f"breaker {change.name} warning: {change.reason}",
                change,
                {"state": "warning"},
            )
            return [update, alert]
        previous = self.board.state
        reset_at = None
        if change.kind in self._auto_reset:
            reset_at = self.calendar.session_close(change.ts)
        latch = self.board.trip(change, reset_at)
        self.dirty = True
        scope = f"new entries in {change.symbol} halted; " if change.symbol else ""
        message = (
            f"breaker {change.name} tripped: {change.reason}; {scope}"
            f"trading {latch.trading_state.value}"
        )
        # The reset code is not in the alert: alerts reach every reader of the hub;
        # operators read it from GetBreakers (operator API).
        data = {"state": "tripped"}
        if reset_at is not None:
            data["reset_at"] = str(reset_at)
        out: list[Message] = [
            self._update(change, BreakerState.TRIPPED),
            self._alert(AlertSeverity.CRITICAL, message, change, data),
        ]
        return out + self._state_change(previous, change.ts)

    def _unlatched(self, latch: Latch, how: str, ts: float) -> list[Message]:
        breaker = self.breakers.get(latch.kind)
        if breaker is not None:
            breaker.reset(latch.symbol)
        self.dirty = True
        reason = f"reset {how}"
        update = BreakerUpdate(
            name=latch.name,
            state=BreakerState.OK,
            trading_state=latch.trading_state,
            reason=reason,
            ts=ts,
            symbol=latch.symbol,
        )
        data = {"breaker": latch.name, "state": "ok"}
        if latch.symbol is not None:
            data["symbol"] = latch.symbol
        alert = Alert(
            severity=AlertSeverity.INFO,
            category="breaker",
            message=f"breaker {latch.name} {reason}",
            ts=ts,
            data=data,
        )
        return [update, alert]

    def _state_change(self, previous: TradingState, ts: float) -> list[Message]:
        state = self.board.state
        if state is previous:
            return []
        return [
            TradingStateChanged(state=state, previous=previous, tripped=self.board.tripped, ts=ts)
        ]

    @staticmethod
    def _update(change: Change, state: BreakerState) -> BreakerUpdate:
        return BreakerUpdate(
            name=change.name,
            state=state,
            trading_state=change.trading_state,
            reason=change.reason,
            ts=change.ts,
            symbol=change.symbol,
            figures=dict(change.figures),
        )

    @staticmethod
    def _update_for_latch(latch: Latch) -> BreakerUpdate:
        return BreakerUpdate(
            name=latch.name,
            state=BreakerState.TRIPPED,
            trading_state=latch.trading_state,
            reason=latch.reason,
            ts=latch.tripped_at,
            symbol=latch.symbol,
            figures=latch.figures,
        )

    @staticmethod
    def _alert(
        severity: AlertSeverity, message: str, change: Change, extra: dict[str, str]
    ) -> Alert:
        data = {"breaker": change.name, **change.figures, **extra}
        if change.symbol is not None:
            data["symbol"] = change.symbol
        return Alert(
            severity=severity, category="breaker", message=message, ts=change.ts, data=data
        )
