"""Mean reversion: fade a close that strays far from its rolling mean.

``z`` is the close's distance from the mean of the previous ``window``
closes, in their standard deviations (the current close is left out of its
own yardstick, so ``z`` is not bounded by the window length). Long when
``z <= -entry_z`` (short at ``z >= entry_z`` with ``allow_short``); the
position is closed once ``|z| <= exit_z`` or the price runs on to the stop
at ``stop_z``, which is also the suggested stop price.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import ClassVar

from actors.messages import Bar, Side, Signal

from ._base import StrategyBase, StrategyParams
from ._indicators import mean, pstdev

__all__ = ["MeanReversionParams", "MeanReversionStrategy"]


class MeanReversionParams(StrategyParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    window: int = 10
    entry_z: float = 2.0
    exit_z: float = 0.5
    stop_z: float = 3.5
    allow_short: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.window < 2:
            raise ValueError(f"mean reversion needs window >= 2, not {self.window}")
        if not 0 <= self.exit_z < self.entry_z < self.stop_z:
            raise ValueError(
                "mean reversion needs 0 <= exit_z < entry_z < stop_z, not "
                f"{self.exit_z}/{self.entry_z}/{self.stop_z}"
            )


class MeanReversionStrategy(StrategyBase):
    kind: ClassVar[str] = "mean_reversion"

    def __init__(
        self, name: str, symbols: Iterable[str], params: MeanReversionParams | None = None
    ) -> None:
        self.params = params or MeanReversionParams()
        super().__init__(name, symbols, self.params)
        self._closes: dict[str, deque[float]] = {}
        self._reading: dict[str, tuple[float, float, float]] = {}  # z, mean, stdev

    @property
    def lookback(self) -> int:
        return self.params.window

    def _observe(self, bar: Bar) -> bool:
        closes = self._closes.setdefault(bar.symbol, deque(maxlen=self.params.window))
        close = float(bar.close)
        fresh = False
        if len(closes) == self.params.window:
            centre, spread = mean(closes), pstdev(closes)
            if spread > 0.0:
                self._reading[bar.symbol] = ((close - centre) / spread, centre, spread)
                fresh = True
        closes.append(close)
        return fresh

    def _decide(self, bar: Bar, now: float) -> list[Signal]:
        p = self.params
        z, centre, spread = self._reading[bar.symbol]
        position = self.position(bar.symbol)
        signal: Signal | None = None
        where = f"z {z:+.2f} against SMA({p.window}) {centre:.4f}"
        if (position > 0 and z >= -p.exit_z) or (position < 0 and z <= p.exit_z):
            signal = self._close(bar.symbol, now, f"reverted: {where}")
        elif (position > 0 and z <= -p.stop_z) or (position < 0 and z >= p.stop_z):
            signal = self._close(bar.symbol, now, f"stopped: {where}")
        elif not position and (z <= -p.entry_z or (z >= p.entry_z and p.allow_short)):
            side = Side.BUY if z < 0 else Side.SELL
            stop = self._price(centre - side.sign * p.stop_z * spread)
            signal = self._open(bar.symbol, side, now, f"stretched: {where}", stop_price=stop)
        return [] if signal is None else [signal]
