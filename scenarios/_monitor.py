"""Monitoring clients on the daemon's hub: recording, slow and dead ones.

A recording client keeps every frame it was sent, so the checks can verify
that events arrived in ``seq`` order (or after a ``state_recovery``). A slow
client connects and never reads; a dead one completes the handshake and then
vanishes with a TCP reset, without a close frame.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

import trio
from trio_websocket import ConnectionClosed

from actors.gateway import EVENT_TYPES, GetListenAddress, ListenAddress, open_hub_client
from runtime import Tree

__all__ = ["MonitorClients", "Recording", "seq_violations"]


class Recording:
    """What one monitoring client received, decoded, in arrival order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.frames: list[dict[str, Any]] = []
        self.closed: str | None = None

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [frame for frame in self.frames if frame.get("type") == kind]


def seq_violations(recording: Recording) -> list[str]:
    """Events that broke ``seq`` order without a ``state_recovery`` announcing the gap.

    Events must rise by one. A ``hello`` (a reconnect) continues from the last
    event this client saw: a resumed client's replay starts right after it; a
    ``state_recovery`` or ``snapshot`` announces a fresh start. Other frames
    (heartbeats, replies) carry the hub's current seq and do not count.
    """
    problems: list[str] = []
    current: int | None = None
    last_event: int | None = None
    for frame in recording.frames:
        kind, seq = frame.get("type"), frame.get("seq")
        if not isinstance(seq, int):
            problems.append(f"{recording.name}: frame {kind!r} has no integer seq")
            continue
        if kind in EVENT_TYPES:
            if current is not None and seq != current + 1:
                problems.append(f"{recording.name}: {kind} seq {seq} after {current}")
            current = last_event = seq
        elif kind == "hello":
            current = last_event
        elif kind in ("state_recovery", "snapshot"):
            current = seq
    return problems


class MonitorClients:
    """Opens clients on the hub inside the simulation's nursery."""

    def __init__(self, tree: Tree, nursery: trio.Nursery, *, token: str) -> None:
        self._tree = tree
        self._nursery = nursery
        self._token = token
        self.recordings: list[Recording] = []
        self.slow = 0
        self.dead = 0

    async def url(self) -> str:
        address = await self._tree.ref("hub").ask(GetListenAddress())
        assert isinstance(address, ListenAddress)
        return address.url

    async def open_recording(self, name: str = "monitor") -> Recording:
        """A client that reads everything the hub sends until the simulation ends."""
        recording = Recording(name)
        self.recordings.append(recording)
        url = await self.url()
        connected = trio.Event()

        async def read() -> None:
            try:
                async with open_hub_client(url, token=self._token) as ws:
                    connected.set()
                    while True:
                        recording.frames.append(json.loads(await ws.get_message()))
            except ConnectionClosed as exc:
                recording.closed = str(exc.reason)
            except OSError as exc:
                recording.closed = str(exc)
            finally:
                connected.set()

        self._nursery.start_soon(read)
        await connected.wait()
        return recording

    async def open_slow(self) -> None:
        """A client that connects and then never reads a frame."""
        url = await self.url()
        connected = trio.Event()

        async def sit() -> None:
            try:
                async with open_hub_client(url, token=self._token, message_queue_size=1):
                    connected.set()
                    await trio.sleep_forever()
            except (ConnectionClosed, OSError):
                pass
            finally:
                connected.set()

        self.slow += 1
        self._nursery.start_soon(sit)
        await connected.wait()

    async def open_dead(self) -> None:
        """A client that upgrades, then disappears with a reset (no close frame)."""
        address = await self._tree.ref("hub").ask(GetListenAddress())
        assert isinstance(address, ListenAddress)
        stream = await trio.open_tcp_stream(address.host, address.port)
        request = (
            f"GET /ws?token={self._token} HTTP/1.1\r\nHost: {address.host}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        await stream.send_all(request.encode())
        await stream.receive_some(4096)  # the 101 answer (and maybe hello)
        stream.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await stream.aclose()
        self.dead += 1
