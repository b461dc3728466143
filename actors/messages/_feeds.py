"""Questions a feed answers: recent bars, to warm a strategy up after a restart."""

from __future__ import annotations

from runtime import Message

from ._market import Bar

__all__ = ["Bars", "RecentBars"]


class RecentBars(Message, frozen=True, tag="recent_bars"):
    """Ask a feed for up to ``count`` completed bars of ``symbol``, oldest first."""

    symbol: str
    timeframe: str = "1m"
    count: int = 100


class Bars(Message, frozen=True, tag="bars"):
    """A feed's answer to :class:`RecentBars`."""

    symbol: str
    timeframe: str
    bars: tuple[Bar, ...]
