"""What the market-data edge raises, and what each failure means for a feed.

The tree::

    MarketDataError            anything the market-data edge refuses or suffers
    ├── FeedDisconnected       the source failed, dropped the stream, or dropped a
    │                          client that fell behind; an ``OSError``, so the
    │                          kernel restarts the feed with backoff (= reconnect)
    ├── UnknownSymbol          a symbol or timeframe the source does not carry
    └── ReplayDataError        a replay file is malformed; names file, line, column
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FeedDisconnected", "MarketDataError", "ReplayDataError", "UnknownSymbol"]


class MarketDataError(Exception):
    """Base of every market-data failure."""


class FeedDisconnected(MarketDataError, OSError):
    """The stream from a source is gone; reconnecting may work."""


class UnknownSymbol(MarketDataError, LookupError):
    """A symbol (or timeframe) the source does not carry."""


class ReplayDataError(MarketDataError, ValueError):
    """A row of a replay CSV file is malformed: ``path:line``, ``column``, ``reason``."""

    def __init__(self, path: Path, line: int, column: str, reason: str) -> None:
        where = f"{path}:{line}" + (f": column {column!r}" if column else "")
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line
        self.column = column
        self.reason = reason
