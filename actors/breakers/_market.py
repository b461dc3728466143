"""The per-symbol breakers, read from trades and quotes: price shock and volatility spike.

They trip per symbol: the trip halts new entries in that symbol only (the
update carries ``symbol``), and adds the configured account state on top
(``active`` by default, so the rest of the account trades on). Prices are
kept per symbol with their timestamps on the runtime clock; a price older
than the last one seen for its symbol (a quote behind a trade) counts as
seen at the last timestamp, so the windows only move forward.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from decimal import Decimal
from typing import Final

from actors.messages import BreakerState, Quote, Trade

from ._config import PriceShockConfig, VolatilityConfig
from ._level import Breaker, Change, pct

__all__ = ["PriceShock", "Volatility", "price_of"]

_MARGIN: Final = 1e-9
"""How far (relative) a float reading must be from a bound to be judged on (see Volatility)."""


def price_of(tick: Trade | Quote) -> Decimal | None:
    """The trade's price or the quote's mid; None for a one-sided or empty quote."""
    if isinstance(tick, Trade):
        return tick.price if tick.price > 0 else None
    if tick.bid <= 0 or tick.ask <= 0 or tick.ask < tick.bid:
        return None
    return tick.mid


class _Window:
    """One symbol's prices within a window, with its running high and low."""

    __slots__ = ("highs", "last", "last_ts", "lows")

    def __init__(self) -> None:
        self.highs: deque[tuple[float, Decimal]] = deque()  # falling prices, oldest first
        self.lows: deque[tuple[float, Decimal]] = deque()  # rising prices, oldest first
        self.last: Decimal | None = None
        self.last_ts = float("-inf")

    def add(self, ts: float, price: Decimal, window: float) -> float:
        ts = max(ts, self.last_ts)
        highs, lows = self.highs, self.lows
        while highs and highs[-1][1] <= price:
            highs.pop()
        highs.append((ts, price))
        while lows and lows[-1][1] >= price:
            lows.pop()
        lows.append((ts, price))
        while highs[0][0] < ts - window:
            highs.popleft()
        while lows[0][0] < ts - window:
            lows.popleft()
        self.last, self.last_ts = price, ts
        return ts


class PriceShock(Breaker):
    """``threshold`` move within ``window`` seconds halts the symbol; a crash trips at once.

    The move is measured both ways against the window's high and low, as a
    fraction of that reference price. The crash (``crash_threshold``) is
    measured against the previous price however old, so a gap across a
    feed outage trips even though the window holds a single price.
    """

    kind = "price_shock"

    def __init__(self, config: PriceShockConfig) -> None:
        super().__init__(config, config.threshold)
        self.window = config.window
        self.crash = config.crash_threshold
        self._prices: dict[str, _Window] = {}

    def observe(self, tick: Trade | Quote) -> Change | None:
        price = price_of(tick)
        if price is None:
            return None
        prices = self._prices.get(tick.symbol)
        if prices is None:
            prices = self._prices[tick.symbol] = _Window()
        previous = prices.last
        ts = prices.add(tick.ts, price, self.window)
        high, low = prices.highs[0][1], prices.lows[0][1]
        # the larger move relative to its reference, compared by cross-multiplying
        if (high - price) * low >= (price - low) * high:
            move, ref = high - price, high
        else:
            move, ref = price - low, low
        if previous is not None and abs(price - previous) * ref > move * previous:
            gap, gap_ref = abs(price - previous), previous
            if gap >= self.crash * gap_ref:
                move, ref = gap, gap_ref
        new = self._step(move, self.threshold * ref, symbol=tick.symbol)
        if new is None:
            return None
        crash = move >= self.crash * ref
        word = "crashed" if price < ref else "jumped"
        where = "at once" if crash else f"within {self.window / 60:g} minutes"
        limit = self.crash if crash else self.threshold
        return self._change(
            new,
            ts,
            tick.symbol,
            f"{tick.symbol} {word} {pct(move / ref)} {where} (limit {pct(limit)})",
            {
                "move": str(move),
                "reference": str(ref),
                "price": str(price),
                "fraction": str(move / ref),
                "threshold": str(limit),
                "window": str(self.window),
                "crash": "true" if crash else "false",
            },
        )

    def _rebase(self, symbol: str | None) -> None:
        if symbol is not None:
            self._prices.pop(symbol, None)


class _Returns:
    """One symbol's price sampled every ``interval`` seconds and its squared returns.

    Each return is squared once, when it is sampled, not at every judgement
    of the windows it stays in (a few hundred of them with the defaults), and
    kept as a float too for :meth:`Volatility._judge`'s first look.
    """

    __slots__ = ("bucket", "close", "previous", "roughs", "squares", "times")

    def __init__(self) -> None:
        self.bucket: int | None = None
        self.close = Decimal(0)  # the last price of the current bucket
        self.previous: Decimal | None = None  # the close of the bucket before
        self.times: deque[float] = deque()  # sample times, rising
        self.squares: deque[Decimal] = deque()  # the squared return sampled at each
        self.roughs: deque[float] = deque()  # the same squares, as floats


class Volatility(Breaker):
    """Realized volatility of the last ``window`` against the baseline before it.

    Realized variance is the mean of squared returns (no mean subtracted:
    over minutes the drift is noise). The breaker compares variances, exact
    in Decimal, against the squared ratio threshold; the ratio in the
    figures is their square root. It judges once per sample, not per tick.

    Summing a few hundred Decimals at every sample is most of a replay's
    breaker work, and almost always the ratio is nowhere near a bound, so
    the judgement first looks at the ratio in floats: correctly rounded
    sums (``math.fsum``) of correctly rounded squares put it within about
    1e-15 of the exact ratio, and the Decimal one (28 digits, rounded at
    each step of its sums) is within about 1e-24 of that. When the float
    ratio is more than :data:`_MARGIN` away from every bound, the exact one
    is on the same side of each, so the level steps as it would on the
    exact value; the Decimal sums are then worked out only for the figures
    of a change. Near a bound the judgement is made on the exact value.
    """

    kind = "volatility"

    def __init__(self, config: VolatilityConfig) -> None:
        super().__init__(config, config.threshold)
        self.config = config
        self._series: dict[str, _Returns] = {}
        self._limit = limit = self.threshold * self.threshold
        self._bounds = tuple(
            float(bound) for bound in (limit, limit * self.warn_at**2, limit * self.clear_at**2)
        )

    def observe(self, tick: Trade | Quote) -> Change | None:
        price = price_of(tick)
        if price is None:
            return None
        cfg = self.config
        series = self._series.get(tick.symbol)
        if series is None:
            series = self._series[tick.symbol] = _Returns()
        bucket = int(tick.ts // cfg.interval)
        if series.bucket is None or bucket <= series.bucket:
            if series.bucket is None:
                series.bucket = bucket
            series.close = price
            return None
        # a bucket closed: its return is its close against the close before it
        sample_ts = (series.bucket + 1) * cfg.interval
        closed, previous = series.close, series.previous
        series.bucket, series.previous, series.close = bucket, closed, price
        if previous is None:
            return None
        r = closed / previous - 1
        square = r * r
        times, squares, roughs = series.times, series.squares, series.roughs
        times.append(sample_ts)
        squares.append(square)
        roughs.append(float(square))
        while times[0] <= sample_ts - cfg.baseline_window - cfg.window:
            times.popleft()
            squares.popleft()
            roughs.popleft()
        return self._judge(tick.symbol, sample_ts, series)

    def _judge(self, symbol: str, now: float, series: _Returns) -> Change | None:
        cfg = self.config
        split = now - cfg.window
        times, squares = series.times, series.squares
        cut = len(times)  # the short window is the samples after ``split``: a tail
        while cut and times[cut - 1] > split:
            cut -= 1
        shorts, bases = len(times) - cut, cut
        if shorts < cfg.min_returns or bases < cfg.baseline_min_returns:
            return None
        if self.state(symbol) is BreakerState.TRIPPED:
            return None  # latched: no reading moves it
        roughs = series.roughs
        rough_base = math.fsum(itertools.islice(roughs, cut))
        if rough_base == 0:
            return None  # every baseline square is 0 (a float of a square >= 1e-56 is not)
        rough = math.fsum(itertools.islice(roughs, cut, None)) / shorts / (rough_base / bases)
        near = any(abs(rough - bound) <= _MARGIN * bound for bound in self._bounds)
        exact = _variances(squares, cut) if near else None
        # away from every bound, the exact reading is on the same side of each as this one
        reading = Decimal(rough) if exact is None else exact[0] / exact[1]
        new = self._step(reading, self._limit, symbol=symbol, power=2)
        if new is None:
            return None
        short_var, base_var = exact or _variances(squares, cut)
        ratio2 = short_var / base_var
        ratio = ratio2.sqrt()
        return self._change(
            new,
            now,
            symbol,
            f"{symbol} volatility {ratio:.2f}x its baseline (limit {self.threshold}x)",
            {
                "ratio": str(ratio),
                "short_variance": str(short_var),
                "baseline_variance": str(base_var),
                "short_returns": str(shorts),
                "baseline_returns": str(bases),
                "threshold": str(self.threshold),
            },
        )

    def _rebase(self, symbol: str | None) -> None:
        if symbol is not None:
            self._series.pop(symbol, None)


def _variances(squares: deque[Decimal], cut: int) -> tuple[Decimal, Decimal]:
    """The mean squares after ``cut`` (the short window) and before it (the baseline)."""
    short = sum(itertools.islice(squares, cut, None), Decimal(0)) / (len(squares) - cut)
    return short, sum(itertools.islice(squares, cut), Decimal(0)) / cut
