"""Breakout: the Donchian channel, Turtle style.

Long when a close clears the highest high of the previous ``entry_bars``
bars (short below the lowest low, with ``allow_short``); out when a close
breaks the opposite channel of the previous ``exit_bars`` bars. That exit
level, an exact bar price, is the suggested stop of the entry.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from decimal import Decimal
from typing import ClassVar

from actors.messages import Bar, Side, Signal

from ._base import StrategyBase, StrategyParams

__all__ = ["BreakoutParams", "BreakoutStrategy"]


class BreakoutParams(StrategyParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    entry_bars: int = 10
    exit_bars: int = 5
    allow_short: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.entry_bars < 1 or self.exit_bars < 1:
            raise ValueError(
                f"breakout needs entry_bars and exit_bars >= 1, not "
                f"{self.entry_bars}/{self.exit_bars}"
            )


class BreakoutStrategy(StrategyBase):
    kind: ClassVar[str] = "breakout"

    def __init__(
        self, name: str, symbols: Iterable[str], params: BreakoutParams | None = None
    ) -> None:
        self.params = params or BreakoutParams()
        super().__init__(name, symbols, self.params)
        self._bars: dict[str, deque[Bar]] = {}
        self._channels: dict[str, tuple[Decimal, Decimal, Decimal, Decimal]] = {}

    @property
    def lookback(self) -> int:
        return max(self.params.entry_bars, self.params.exit_bars)

    def _observe(self, bar: Bar) -> bool:
        p = self.params
        bars = self._bars.setdefault(bar.symbol, deque(maxlen=self.lookback))
        fresh = len(bars) == self.lookback
        if fresh:
            entry, exit_ = list(bars)[-p.entry_bars :], list(bars)[-p.exit_bars :]
            self._channels[bar.symbol] = (
                max(b.high for b in entry),
                min(b.low for b in entry),
                max(b.high for b in exit_),
                min(b.low for b in exit_),
            )
        bars.append(bar)
        return fresh

    def _decide(self, bar: Bar, now: float) -> list[Signal]:
        p = self.params
        high, low, exit_high, exit_low = self._channels[bar.symbol]
        position, close = self.position(bar.symbol), bar.close
        signal: Signal | None = None
        if position > 0 and close < exit_low:
            signal = self._close(bar.symbol, now, f"close {close} below {p.exit_bars}-bar low")
        elif position < 0 and close > exit_high:
            signal = self._close(bar.symbol, now, f"close {close} above {p.exit_bars}-bar high")
        elif not position and close > high:
            reason = f"close {close} above {p.entry_bars}-bar high {high}"
            signal = self._open(bar.symbol, Side.BUY, now, reason, stop_price=exit_low)
        elif not position and close < low and p.allow_short:
            reason = f"close {close} below {p.entry_bars}-bar low {low}"
            signal = self._open(bar.symbol, Side.SELL, now, reason, stop_price=exit_high)
        return [] if signal is None else [signal]
