"""The account's breakers, read from the portfolio's figures: daily loss and drawdowns.

Each compares an amount of money lost with ``threshold × base`` (start-of-day
equity, the peak, the window's high), so the comparison is exact.

A reset re-arms a breaker from the equity at the reset: an operator who
resets the drawdown breaker accepts the loss so far, and the breaker then
measures a new drawdown from there instead of tripping again on the next
update. The daily loss re-armed that way lasts until the session ends;
the next session measures from the portfolio's start-of-day equity again.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from decimal import Decimal

from actors.messages import PortfolioUpdate, SessionCalendar

from ._config import DailyLossConfig, DrawdownConfig, RapidDrawdownConfig
from ._level import Breaker, Change, pct

__all__ = ["DailyLoss", "Drawdown", "RapidDrawdown"]


class DailyLoss(Breaker):
    """Loss since the session began, against start-of-day equity (equity − daily P&L)."""

    kind = "daily_loss"

    def __init__(self, config: DailyLossConfig, calendar: SessionCalendar) -> None:
        super().__init__(config, config.threshold)
        self._calendar = calendar
        self._last: PortfolioUpdate | None = None
        self.rebased: tuple[dt.date, Decimal] | None = None  # (session, equity at the reset)

    def observe(self, update: PortfolioUpdate) -> Change | None:
        self._last = update
        base = update.equity - update.daily_pnl
        if self.rebased is not None:
            session, equity = self.rebased
            if self._calendar.session_date(update.ts) == session:
                base = equity
            else:
                self.rebased = None
        if base <= 0:
            return None
        loss = base - update.equity
        new = self._step(loss, self.threshold * base)
        if new is None:
            return None
        return self._change(
            new,
            update.ts,
            None,
            f"daily loss {pct(loss / base)} of start-of-day equity (limit {pct(self.threshold)})",
            {
                "loss": str(loss),
                "start_equity": str(base),
                "equity": str(update.equity),
                "fraction": str(loss / base),
                "threshold": str(self.threshold),
            },
        )

    def _rebase(self, symbol: str | None) -> None:
        last = self._last
        if last is not None:
            self.rebased = (self._calendar.session_date(last.ts), last.equity)


class Drawdown(Breaker):
    """Fall of equity from its peak (the portfolio's, or the equity at the last reset)."""

    kind = "drawdown"

    def __init__(self, config: DrawdownConfig) -> None:
        super().__init__(config, config.threshold)
        self._equity: Decimal | None = None
        self.rebased_peak: Decimal | None = None

    def observe(self, update: PortfolioUpdate) -> Change | None:
        self._equity = equity = update.equity
        if self.rebased_peak is None:
            peak = max(update.peak_equity, equity)
        else:
            peak = self.rebased_peak = max(self.rebased_peak, equity)
        if peak <= 0:
            return None
        fall = peak - equity
        new = self._step(fall, self.threshold * peak)
        if new is None:
            return None
        return self._change(
            new,
            update.ts,
            None,
            f"drawdown {pct(fall / peak)} from the peak (limit {pct(self.threshold)})",
            {
                "drawdown": str(fall),
                "peak": str(peak),
                "equity": str(equity),
                "fraction": str(fall / peak),
                "threshold": str(self.threshold),
            },
        )

    def _rebase(self, symbol: str | None) -> None:
        if self._equity is not None:
            self.rebased_peak = self._equity


class RapidDrawdown(Breaker):
    """Fall of equity from its highest value within the last ``window`` seconds."""

    kind = "rapid_drawdown"

    def __init__(self, config: RapidDrawdownConfig) -> None:
        super().__init__(config, config.threshold)
        self.window = config.window
        self._highs: deque[tuple[float, Decimal]] = deque()  # falling equity, oldest first

    def observe(self, update: PortfolioUpdate) -> Change | None:
        ts, equity = update.ts, update.equity
        highs = self._highs
        while highs and highs[-1][1] <= equity:
            highs.pop()
        highs.append((ts, equity))
        while highs[0][0] < ts - self.window:
            highs.popleft()
        since, high = highs[0]
        if high <= 0:
            return None
        fall = high - equity
        new = self._step(fall, self.threshold * high)
        if new is None:
            return None
        return self._change(
            new,
            ts,
            None,
            f"equity fell {pct(fall / high)} within {self.window / 60:g} minutes "
            f"(limit {pct(self.threshold)})",
            {
                "fall": str(fall),
                "high": str(high),
                "high_at": str(since),
                "equity": str(equity),
                "fraction": str(fall / high),
                "threshold": str(self.threshold),
                "window": str(self.window),
            },
        )

    def _rebase(self, symbol: str | None) -> None:
        if self._highs:
            self._highs = deque([self._highs[-1]])
