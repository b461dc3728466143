"""The recent bars and latest quotes the HTTP actor keeps for the UDF datafeed.

Fed from the daemon's own published Bar and Quote messages, bounded per
symbol, so charting needs nothing from the feeds but what they already publish.
"""

from __future__ import annotations

from collections import deque
from typing import final

from actors.messages import Bar, Quote

__all__ = ["MarketStore"]


@final
class MarketStore:
    def __init__(self, bars_per_symbol: int) -> None:
        self.bars_per_symbol = bars_per_symbol
        self.bars: dict[tuple[str, str], deque[Bar]] = {}
        self.quotes: dict[str, Quote] = {}

    def add(self, message: Bar | Quote) -> None:
        if isinstance(message, Quote):
            self.quotes[message.symbol] = message
            return
        key = (message.symbol, message.timeframe)
        series = self.bars.get(key)
        if series is None:
            series = self.bars[key] = deque(maxlen=self.bars_per_symbol)
        if series and series[-1].ts == message.ts:
            series[-1] = message  # the same bar, updated
        elif not series or series[-1].ts < message.ts:
            series.append(message)

    def symbols(self) -> list[str]:
        return sorted({symbol for symbol, _ in self.bars} | set(self.quotes))

    def series(self, symbol: str, timeframe: str) -> deque[Bar]:
        return self.bars.get((symbol, timeframe), deque())
