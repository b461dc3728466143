"""The feed: one actor per market-data source, publishing ticks, bars and staleness."""

from ._feed import feed_actor as feed_actor
from ._feed import feed_child as feed_child
from ._feed import feed_name as feed_name

__all__ = ["feed_actor", "feed_child", "feed_name"]
