"""Pairs trading: two related symbols, the spread between them, and its z-score.

The first symbol ``y`` is regressed on the second ``x`` over the previous
``window`` pairs of closes (bars of the same open time): ``y = a + b x``,
``b`` the hedge ratio. The latest pair's residual in residual standard
deviations is the spread's ``z``. At ``z <= -entry_z`` the spread is cheap:
buy ``quantity`` of ``y`` and sell ``b * quantity`` of ``x`` (the other way
at ``z >= entry_z``). Both legs are closed once ``|z| <= exit_z`` (it
reverted), when ``z`` runs on past ``stop_z`` (stop) or after
``max_holding`` seconds. Only a positive hedge ratio is traded, so the legs
are always on opposite sides.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import ClassVar

from actors.messages import Bar, Side, Signal

from ._base import StrategyBase, StrategyParams
from ._indicators import ols

__all__ = ["PairsParams", "PairsStrategy"]


class PairsParams(StrategyParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    quantity: Decimal = Decimal(10)  # of the first symbol; the second is hedged in ratio
    quantity_step: Decimal = Decimal(1)
    window: int = 20
    entry_z: float = 2.0
    exit_z: float = 0.5
    stop_z: float = 3.5
    max_holding: float = 3600.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.window < 3:
            raise ValueError(f"pairs needs window >= 3, not {self.window}")
        if not 0 <= self.exit_z < self.entry_z < self.stop_z:
            raise ValueError(
                "pairs needs 0 <= exit_z < entry_z < stop_z, not "
                f"{self.exit_z}/{self.entry_z}/{self.stop_z}"
            )
        if self.quantity_step <= 0 or self.max_holding <= 0:
            raise ValueError("pairs needs quantity_step > 0 and max_holding > 0")


class PairsStrategy(StrategyBase):
    kind: ClassVar[str] = "pairs"

    def __init__(
        self, name: str, symbols: Iterable[str], params: PairsParams | None = None
    ) -> None:
        self.params = params or PairsParams()
        super().__init__(name, symbols, self.params)
        if len(self.symbols) != 2 or self.symbols[0] == self.symbols[1]:
            raise ValueError(f"pairs {name!r} needs two distinct symbols, not {self.symbols}")
        self._latest: dict[str, Bar] = {}
        self._pairs: deque[tuple[float, float]] = deque(maxlen=self.params.window)
        self._reading: tuple[float, float] | None = None  # z, hedge ratio

    @property
    def lookback(self) -> int:
        return self.params.window

    def _observe(self, bar: Bar) -> bool:
        y, x = self.symbols
        self._latest[bar.symbol] = bar
        other = self._latest.get(x if bar.symbol == y else y)
        if other is None or other.ts != bar.ts:
            return False
        pair = (float(self._latest[y].close), float(self._latest[x].close))
        fresh = False
        if len(self._pairs) == self.params.window:
            fit = ols([p[0] for p in self._pairs], [p[1] for p in self._pairs])
            if fit is not None and fit[2] > 0.0:
                alpha, beta, spread = fit
                self._reading = ((pair[0] - alpha - beta * pair[1]) / spread, beta)
                fresh = True
        self._pairs.append(pair)
        return fresh

    def _decide(self, bar: Bar, now: float) -> list[Signal]:
        assert self._reading is not None  # _observe said there is a fresh one
        z, beta = self._reading
        y, x = self.symbols
        p = self.params
        held = [self.holding(s) for s in self.symbols]
        where = f"spread z {z:+.2f}, hedge ratio {beta:.4f}"
        if held[0].quantity or held[1].quantity:
            long_spread = held[0].quantity > 0 or held[1].quantity < 0
            opened = min(h.since for h in held if h.since is not None)
            if now - opened >= p.max_holding:
                why = f"held {now - opened:.0f} s, the most allowed: {where}"
            elif (long_spread and z <= -p.stop_z) or (not long_spread and z >= p.stop_z):
                why = f"stopped: {where}"
            elif (long_spread and z >= -p.exit_z) or (not long_spread and z <= p.exit_z):
                why = f"reverted: {where}"
            else:
                return []
            exits = (self._close(s, now, why) for s in self.symbols)
            return [signal for signal in exits if signal is not None]
        if beta <= 0 or -p.entry_z < z < p.entry_z:
            return []
        hedge = (p.quantity * Decimal(beta) / p.quantity_step).quantize(
            Decimal(1), ROUND_HALF_EVEN
        ) * p.quantity_step
        side = Side.BUY if z < 0 else Side.SELL
        if hedge <= 0 or not (
            self._can_open(y, side, now) and self._can_open(x, side.opposite, now)
        ):
            return []
        why = f"spread {'cheap' if z < 0 else 'rich'}: {where}"
        legs = (
            self._open(y, side, now, why, quantity=p.quantity),
            self._open(x, side.opposite, now, why, quantity=hedge),
        )
        return [signal for signal in legs if signal is not None]
