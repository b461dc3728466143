"""A hub client connection that always releases its socket.

trio-websocket's client waits for the server to close TCP after a
server-initiated close, and its ``aclose`` then returns early without closing
its own socket. Owning the TCP stream here and closing it on exit means a
client cut off by the hub (too slow, hub restarting) never leaks a socket.
Its reader may also fail to answer a ping that crosses our own close; that
is not an error of the session. Used by ``tradeloop monitor`` and the tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import trio
from trio_websocket import WebSocketConnection, wrap_client_stream
from wsproto.utilities import LocalProtocolError

__all__ = ["open_hub_client"]


@asynccontextmanager
async def open_hub_client(
    url: str,
    *,
    token: str | None = None,
    message_queue_size: int = 64,
    max_message_size: int = 16 * 1024 * 1024,
    connect_timeout: float = 5.0,
    close_timeout: float = 2.0,
) -> AsyncIterator[WebSocketConnection]:
    """Connect to ``url`` (``ws://host:port/path?query``); ``token`` goes in a Bearer header."""
    parts = urlsplit(url)
    if parts.scheme != "ws" or parts.hostname is None:
        raise ValueError(f"not a ws:// URL: {url!r}")
    host, port = parts.hostname, parts.port or 80
    resource = parts.path or "/"
    if parts.query:
        resource += "?" + parts.query
    headers = [(b"Authorization", f"Bearer {token}".encode())] if token else None
    with trio.fail_after(connect_timeout):
        stream = await trio.open_tcp_stream(host, port)
    try:
        async with trio.open_nursery() as nursery:
            try:
                with trio.fail_after(connect_timeout):
                    ws = await wrap_client_stream(
                        nursery,
                        stream,
                        host,
                        resource,
                        extra_headers=headers,
                        message_queue_size=message_queue_size,
                        max_message_size=max_message_size,
                    )
                try:
                    yield ws
                finally:
                    with trio.move_on_after(close_timeout, shield=True):
                        await ws.aclose()
            finally:
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        # the library's reader may fail to answer a server ping that crosses our close
        _, rest = group.split(LocalProtocolError)
        if rest is None:
            return
        group = rest
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise
    finally:
        with trio.move_on_after(close_timeout, shield=True):
            await stream.aclose()
