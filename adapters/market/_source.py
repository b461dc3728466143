"""The narrow interface a feed actor uses to read a market-data source.

A source is anything that streams quotes and trades and can hand back
recent bars: the synthetic market, a CSV replay, a broker's data stream.
The feed actor knows nothing else about it, so the same actor serves them
all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol, TypeAlias

from actors.messages import Bar, Quote, Trade

__all__ = ["MarketEvent", "MarketSource"]

MarketEvent: TypeAlias = Quote | Trade


class MarketSource(Protocol):
    """A stream of market data and its recent history.

    ``open_stream(symbols)`` connects and yields the events of each market
    tick as one batch (only the requested symbols). Connecting, or reading
    from the stream, raises :class:`~adapters.market.errors.FeedDisconnected`
    when the source fails, drops the connection, or drops a client that fell
    behind; a stream may also go quiet without failing (a stalled source),
    which only the reader's own timer can tell.

    ``history(symbol, timeframe, count)`` returns up to ``count`` completed
    bars, oldest first, to warm up a strategy after a restart; it raises
    ``FeedDisconnected`` like the stream and
    :class:`~adapters.market.errors.UnknownSymbol` for what the source does
    not carry. It is async because a remote source answers over the network.
    """

    @property
    def name(self) -> str: ...

    def open_stream(
        self, symbols: Sequence[str]
    ) -> AbstractAsyncContextManager[AsyncIterator[Sequence[MarketEvent]]]: ...

    async def history(self, symbol: str, timeframe: str, count: int) -> Sequence[Bar]: ...
