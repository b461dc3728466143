"""Momentum: a fast simple moving average of closes crossing a slow one.

Long when the fast average crosses above the slow one; on the cross back
below, the long is closed and, with ``allow_short``, a short is opened (and
closed again on the next cross up). The suggested stop is ``atr_multiple``
average true ranges from the close, so risk can size the position.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from decimal import Decimal
from typing import ClassVar

from actors.messages import Bar, Side, Signal

from ._base import StrategyBase, StrategyParams
from ._indicators import average_true_range, mean

__all__ = ["MomentumParams", "MomentumStrategy"]


class MomentumParams(StrategyParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    fast: int = 3
    slow: int = 8
    allow_short: bool = False
    atr_period: int = 14
    atr_multiple: Decimal = Decimal(2)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 1 <= self.fast < self.slow:
            raise ValueError(f"momentum needs 1 <= fast < slow, not {self.fast}/{self.slow}")
        if self.atr_period < 1 or self.atr_multiple <= 0:
            raise ValueError("momentum needs atr_period >= 1 and atr_multiple > 0")


class MomentumStrategy(StrategyBase):
    kind: ClassVar[str] = "momentum"

    def __init__(
        self, name: str, symbols: Iterable[str], params: MomentumParams | None = None
    ) -> None:
        self.params = params or MomentumParams()
        super().__init__(name, symbols, self.params)
        self._closes: dict[str, deque[float]] = {}
        self._bars: dict[str, deque[Bar]] = {}

    @property
    def lookback(self) -> int:
        return max(self.params.slow, self.params.atr_period) + 1

    def _observe(self, bar: Bar) -> bool:
        p = self.params
        closes = self._closes.setdefault(bar.symbol, deque(maxlen=p.slow + 1))
        closes.append(float(bar.close))
        self._bars.setdefault(bar.symbol, deque(maxlen=p.atr_period + 1)).append(bar)
        return len(closes) == p.slow + 1

    def _decide(self, bar: Bar, now: float) -> list[Signal]:
        p = self.params
        closes = list(self._closes[bar.symbol])
        fast, slow = mean(closes[-p.fast :]), mean(closes[-p.slow :])
        was_fast, was_slow = mean(closes[-p.fast - 1 : -1]), mean(closes[:-1])
        if was_fast <= was_slow and fast > slow:
            side = Side.BUY
        elif was_fast >= was_slow and fast < slow:
            side = Side.SELL
        else:
            return []
        how = "above" if side is Side.BUY else "below"
        reason = f"SMA({p.fast}) {fast:.4f} crossed {how} SMA({p.slow}) {slow:.4f}"
        out: list[Signal] = []
        if self.position(bar.symbol) * side.sign < 0:
            exit_ = self._close(bar.symbol, now, reason)
            if exit_ is not None:
                out.append(exit_)
        if side is Side.BUY or p.allow_short:
            entry = self._open(bar.symbol, side, now, reason, stop_price=self._stop(bar, side))
            if entry is not None:
                out.append(entry)
        return out

    def _stop(self, bar: Bar, side: Side) -> Decimal:
        # at least slow + 1 >= 3 bars have been seen, so the ATR window has two or more
        distance = self.params.atr_multiple * average_true_range(list(self._bars[bar.symbol]))
        return self._price(bar.close - side.sign * distance)
