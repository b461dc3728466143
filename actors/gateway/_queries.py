"""What the gateway's own actors answer: where they listen, and the hub's figures.

Both servers may bind port 0 (tests), so the bound address is asked of the
actor rather than read from the config.
"""

from __future__ import annotations

from runtime import Message

__all__ = ["GetHubStats", "GetListenAddress", "HubStats", "ListenAddress"]


class GetListenAddress(Message, frozen=True, tag="get_listen_address"):
    pass


class ListenAddress(Message, frozen=True, tag="listen_address"):
    host: str
    port: int
    url: str


class GetHubStats(Message, frozen=True, tag="get_hub_stats"):
    pass


class HubStats(Message, frozen=True, tag="hub_stats"):
    """The hub's figures; ``cut_slow`` counts clients dropped for falling behind."""

    seq: int
    clients: int
    connections: int
    events: int
    frames_dropped: int
    cut_slow: int
    cut_dead: int
    rejected: int
    buffered: int
