"""Bars from ticks: OHLCV per symbol and timeframe, emitted when a bar completes.

A bar covers ``[start, start + length)`` with ``start`` a multiple of the
timeframe's length in epoch seconds (so ``1d`` bars run midnight to midnight
UTC). Trades make bars: open, high, low, close and the summed size as
volume. A bar in which nothing traded is made from the quotes' mid prices,
with zero volume, so quote-only sources still produce bars. A bar is
emitted by the first event at or past its end: no event, no bar (a silent
interval leaves a gap rather than a made-up flat bar). Events older than the
open bar are late and ignored (counted in ``late``).
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Final, final

from actors.messages import Bar, Quote, Trade

from .errors import UnknownSymbol

__all__ = ["DEFAULT_TIMEFRAMES", "BarAggregator", "timeframe_seconds"]

DEFAULT_TIMEFRAMES: Final = ("1m", "5m", "1h", "1d")

_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_TIMEFRAME: Final = re.compile(r"([1-9][0-9]*)([smhd])")
_ZERO: Final = Decimal(0)


def timeframe_seconds(timeframe: str) -> int:
    """``"5m"`` -> 300; a count and a unit among s, m, h, d."""
    match = _TIMEFRAME.fullmatch(timeframe)
    if match is None:
        raise ValueError(f"timeframe {timeframe!r} is not a count and a unit (s, m, h, d)")
    return int(match.group(1)) * _UNITS[match.group(2)]


@final
class _OpenBar:
    """OHLCV being built: from trades if any, else from quote mids.

    The same shape serves a timeframe's open bar and a symbol's segment (the
    events since the last boundary of any timeframe, see :class:`_Symbol`).
    """

    __slots__ = ("high", "low", "mid", "open", "price", "start", "volume")

    def __init__(self, start: int) -> None:
        self.start = start
        self.open: Decimal | None = None  # trades
        self.high = self.low = self.price = _ZERO
        self.volume = _ZERO
        self.mid: list[Decimal] | None = None  # quotes: [open, high, low, close]

    def trade(self, price: Decimal, size: Decimal) -> None:
        if self.open is None:
            self.open = self.high = self.low = price
        elif price > self.high:
            self.high = price
        elif price < self.low:
            self.low = price
        self.price = price
        self.volume += size

    def merge(self, later: _OpenBar) -> None:
        """Take in the OHLCV of ``later``, whose events all follow this bar's."""
        if later.open is not None:
            if self.open is None:
                self.open, self.high, self.low = later.open, later.high, later.low
            else:
                self.high = max(self.high, later.high)
                self.low = min(self.low, later.low)
            self.price = later.price
            self.volume += later.volume
        if later.mid is not None:
            if self.mid is None:
                self.mid = list(later.mid)
            else:
                ohlc, more = self.mid, later.mid
                ohlc[1] = max(ohlc[1], more[1])
                ohlc[2] = min(ohlc[2], more[2])
                ohlc[3] = more[3]

    def bar(self, symbol: str, timeframe: str) -> Bar:
        if self.open is not None:
            o, h, lo, c, v = self.open, self.high, self.low, self.price, self.volume
        else:
            assert self.mid is not None
            (o, h, lo, c), v = self.mid, _ZERO
        return Bar(
            symbol=symbol,
            ts=float(self.start),
            timeframe=timeframe,
            open=o,
            high=h,
            low=lo,
            close=c,
            volume=v,
        )


@final
class _Symbol:
    """One symbol's open bars, and the segment of events not yet folded into them.

    Between two boundaries (the start or end of any timeframe's bar) every
    open bar takes exactly the same events, so they go to one accumulator,
    the segment, instead of to each bar; the segment is folded into every
    open bar at the next boundary (or when a bar is looked at). An event
    costs one update whatever the number of timeframes. ``floor`` is the
    latest open bar's start (an event before it is late), ``edge`` the
    earliest end (an event at or past it closes a bar).
    """

    __slots__ = ("bars", "edge", "floor", "segment")

    def __init__(self) -> None:
        self.bars: list[_OpenBar] = []  # one per timeframe, from the first event on
        self.segment = _OpenBar(0)
        self.floor = -math.inf
        self.edge = -math.inf  # no bar open yet: the first event opens them

    def fold(self) -> None:
        segment = self.segment
        if segment.open is None and segment.mid is None:
            return
        for open_bar in self.bars:
            open_bar.merge(segment)
        self.segment = _OpenBar(0)


@final
class BarAggregator:
    """Completed bars from a stream of quotes and trades, with a bounded history."""

    def __init__(self, timeframes: Sequence[str] = DEFAULT_TIMEFRAMES, *, history: int = 500):
        if not timeframes:
            raise ValueError("a bar aggregator needs at least one timeframe")
        if history < 1:
            raise ValueError(f"bar history must be at least 1, not {history}")
        self.timeframes = tuple(timeframes)
        self._lengths = tuple(timeframe_seconds(tf) for tf in self.timeframes)
        self._history_size = history
        self._open: dict[str, _Symbol] = {}
        self._history: dict[tuple[str, str], deque[Bar]] = {}
        self.late = 0

    def add(self, event: Quote | Trade) -> list[Bar]:
        """Take one event; return the bars it completed (in the order of ``timeframes``)."""
        symbol = event.symbol
        state = self._open.get(symbol)
        if state is None:
            state = self._open[symbol] = _Symbol()
        ts = event.ts
        if ts < state.floor:
            self.late += 1  # for every timeframe, so that they all stay consistent
            return []
        completed = self._roll(symbol, state, ts) if ts >= state.edge else []
        if type(event) is Quote:
            # _OpenBar.quote inlined: this line runs for every quote of a replay, twice
            mid = event.mid
            ohlc = state.segment.mid
            if ohlc is None:
                state.segment.mid = [mid, mid, mid, mid]
            else:
                if mid > ohlc[1]:
                    ohlc[1] = mid
                elif mid < ohlc[2]:
                    ohlc[2] = mid
                ohlc[3] = mid
        else:
            assert isinstance(event, Trade)
            state.segment.trade(event.price, event.size)
        return completed

    def _roll(self, symbol: str, state: _Symbol, ts: float) -> list[Bar]:
        """Close the bars ``ts`` is at or past the end of, and open their successors."""
        lengths = self._lengths
        bars = state.bars
        completed: list[Bar] = []
        if not bars:
            bars.extend(_OpenBar(int(ts // length) * length) for length in lengths)
        else:
            state.fold()
            for i, length in enumerate(lengths):
                current = bars[i]
                if ts >= current.start + length:
                    completed.append(self._complete(symbol, i, current))
                    bars[i] = _OpenBar(int(ts // length) * length)
        state.floor = max(b.start for b in bars)
        state.edge = min(b.start + length for b, length in zip(bars, lengths, strict=True))
        return completed

    def add_all(self, events: Iterable[Quote | Trade]) -> list[Bar]:
        add = self.add
        completed: list[Bar] = []
        for event in events:
            bars = add(event)
            if bars:
                completed += bars
        return completed

    def _complete(self, symbol: str, index: int, open_bar: _OpenBar) -> Bar:
        timeframe = self.timeframes[index]
        bar = open_bar.bar(symbol, timeframe)
        key = (symbol, timeframe)
        history = self._history.get(key)
        if history is None:
            history = self._history[key] = deque(maxlen=self._history_size)
        history.append(bar)
        return bar

    def current(self, symbol: str, timeframe: str) -> Bar | None:
        """The bar still being built, as it stands (None before the first event)."""
        index = self._index(timeframe)
        state = self._open.get(symbol)
        if state is None or not state.bars:
            return None
        state.fold()
        return state.bars[index].bar(symbol, timeframe)

    def history(self, symbol: str, timeframe: str, count: int) -> tuple[Bar, ...]:
        """The last ``count`` completed bars, oldest first."""
        self._index(timeframe)
        if count < 0:
            raise ValueError(f"bar count must be >= 0, not {count}")
        history = self._history.get((symbol, timeframe))
        if history is None or count == 0:
            return ()
        return tuple(history)[-count:]

    def _index(self, timeframe: str) -> int:
        try:
            return self.timeframes.index(timeframe)
        except ValueError:
            raise UnknownSymbol(
                f"timeframe {timeframe!r} is not aggregated (have {', '.join(self.timeframes)})"
            ) from None
