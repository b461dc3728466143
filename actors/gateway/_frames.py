"""WebSocket frames built once per broadcast and written in batches.

trio-websocket's ``send_message`` frames the text again for every client
(wsproto: UTF-8 encode, header, one ``send_all`` each), which made fan-out
cost about 90 µs of hub CPU per delivery. A server's frames are unmasked and
the hub negotiates no extension, so one frame's bytes are the same for every
client: the hub builds them once, and each client's writer joins what its
outbox holds into one write.

The write goes through the connection's own stream under its own send lock,
so it never interleaves with the library's pongs and close frames. Those are
private attributes of trio-websocket (pinned at 0.12.2 in constraints.txt);
``tests/actors/gateway`` exercise this path on every connection.
"""

from __future__ import annotations

import struct
from typing import Final

import trio
from trio_websocket import ConnectionClosed, WebSocketConnection

__all__ = ["abort", "send_frames", "text_frame"]

_FIN_TEXT: Final = 0x81  # FIN bit and opcode 1 (text)


def text_frame(payload: bytes) -> bytes:
    """A complete unmasked text frame (RFC 6455 §5.2) carrying UTF-8 ``payload``."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", _FIN_TEXT, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", _FIN_TEXT, 126, size)
    else:
        header = struct.pack("!BBQ", _FIN_TEXT, 127, size)
    return header + payload


async def send_frames(conn: WebSocketConnection, data: bytes) -> None:
    """Write pre-built frames; ConnectionClosed as ``send_message`` would raise it."""
    if conn.closed is not None:
        raise ConnectionClosed(conn.closed)
    async with conn._stream_lock:
        try:
            await conn._stream.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            await conn._abort_web_socket()
            raise ConnectionClosed(conn.closed) from None


async def abort(conn: WebSocketConnection) -> None:
    """Drop the TCP connection without a close frame (after a write was cut mid-frame)."""
    await trio.aclose_forcefully(conn._stream)
