"""200 clients on loopback while events are published at full rate.

One of them never reads: its socket has a tiny receive buffer and nothing
drains it, so the hub's write to it blocks, its outbox fills and it is cut
off with close code 1013, while every other client gets every event in seq
order and the publisher is never refused.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import msgspec
import trio
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, Request, TextMessage

from actors.gateway import GetHubStats, HubStats
from actors.messages import Alert, AlertSeverity
from runtime import ActorRef

from ._doubles import T0
from ._wire import FAST_HUB, hub_tree

CLIENTS = 200
MIN_EVENTS = 300
# pings slow enough that 200 clients in one test process answer them in time; a close
# decision waits up to close_timeout for a blocked write before giving up the socket; the
# outbox is the other hub tests' (a 16th of the default): with 32 a reading client was cut
# once in a full suite run, never in 12 runs alone under a CPU hog
CONFIG = msgspec.structs.replace(
    FAST_HUB,
    outbox_size=64,
    mailbox_capacity=1024,
    close_timeout=5.0,
    ping_interval=5.0,
    ping_timeout=5.0,
)


class RawClient:
    """A WebSocket client driven by wsproto over a plain socket.

    Followers drain all the socket holds at each turn, so 199 of them in one
    test process keep up with a publisher that yields once per event. The
    never-reading one gets a tiny receive buffer and reads nothing until told.
    """

    def __init__(
        self, url: str, *, receive_buffer: int | None = None, answers_pings: bool = True
    ) -> None:
        self.url = urlsplit(url)
        self.answers_pings = answers_pings
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.sock = trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_STREAM)
        if receive_buffer is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.partial: list[str] = []
        self.first: int | None = None  # the hello's seq
        self.seqs: list[int] = []  # every event after it
        self.pings: list[float] = []  # when each of the hub's pings came

    async def connect(self) -> None:
        assert self.url.hostname is not None
        assert self.url.port is not None
        await self.sock.connect((self.url.hostname, self.url.port))
        await self.sock.send(self.ws.send(Request(host=self.url.hostname, target=self.url.path)))
        while True:
            self.ws.receive_data(await self.sock.recv(1))  # no further than the 101 reply
            if any(isinstance(e, AcceptConnection) for e in self.ws.events()):
                return

    async def read(self) -> CloseConnection:
        """Read until the hub closes; every event's seq is recorded on the way."""
        while True:
            data = await self.sock.recv(1 << 20)
            self.ws.receive_data(data or None)
            for event in self.ws.events():
                if isinstance(event, TextMessage):
                    self.partial.append(event.data)
                    if event.message_finished:
                        self._record(json.loads("".join(self.partial)))
                        self.partial.clear()
                elif isinstance(event, Ping):
                    self.pings.append(trio.current_time())
                    if self.answers_pings:
                        await self.sock.send(self.ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    await self.sock.send(self.ws.send(event.response()))
                    return event
            assert data, "the hub closed TCP without a close frame"

    def _record(self, message: dict[str, Any]) -> None:
        if message["type"] == "hello":
            self.first = message["seq"]
        elif message["type"] not in ("snapshot", "heartbeat"):
            self.seqs.append(message["seq"])


async def _stats_until(hub: ActorRef[Any], condition: Callable[[HubStats], bool]) -> None:
    """Poll the hub's figures: they are the observable (the hub publishes no event for it)."""
    while not condition(await hub.ask(GetHubStats())):  # noqa: ASYNC110
        await trio.sleep(0.005)


async def test_a_never_reading_client_is_cut_off_while_199_others_get_every_event() -> None:
    async with hub_tree(CONFIG) as (tree, url):
        hub = tree.ref("hub")
        slow = RawClient(url, receive_buffer=4096)
        followers = [RawClient(url) for _ in range(CLIENTS - 1)]
        try:
            await slow.connect()
            async with trio.open_nursery() as nursery:
                for follower in followers:
                    await follower.connect()
                    nursery.start_soon(follower.read)
                with trio.fail_after(5):
                    await _stats_until(hub, lambda stats: stats.clients == CLIENTS)

                closed: list[CloseConnection] = []

                async def read_once_cut() -> None:
                    """Start reading as soon as the hub cuts the client, to see the close frame."""
                    await _stats_until(hub, lambda stats: stats.cut_slow > 0)
                    closed.append(await slow.read())

                nursery.start_soon(read_once_cut)
                payload = "x" * 2000
                published = 0
                stats = await hub.ask(GetHubStats())
                while published < MIN_EVENTS or stats.cut_slow == 0:
                    refused = tree.registry.publish_nowait(
                        Alert(severity=AlertSeverity.INFO, category="bulk", message=payload, ts=T0)
                    )
                    assert refused == 0
                    published += 1
                    await trio.lowlevel.checkpoint()
                    if published % 50 == 0:
                        stats = await hub.ask(GetHubStats())
                        assert published < 5000, "the never-reading client was not cut off"
                stats = await hub.ask(GetHubStats())
                assert isinstance(stats, HubStats)
                assert (stats.cut_slow, stats.cut_dead, stats.clients) == (1, 0, CLIENTS - 1)
                with trio.fail_after(5):
                    while not closed:  # noqa: ASYNC110
                        await trio.sleep(0.01)
                assert closed[0].code == 1013
                reason = closed[0].reason or ""
                assert "client too slow" in reason
                assert "resume from seq" in reason

                last = stats.seq
                with trio.fail_after(10):
                    while any(not f.seqs or f.seqs[-1] < last for f in followers):  # noqa: ASYNC110
                        await trio.sleep(0.02)
                for follower in followers:
                    assert follower.first is not None
                    assert follower.seqs == list(range(follower.first + 1, last + 1))
                assert last - (followers[0].first or 0) == published  # none dropped on the way in
                nursery.cancel_scope.cancel()
        finally:  # a failed run must not leave 200 sockets to a later test's warnings
            for client in (slow, *followers):
                client.sock.close()


async def test_clients_connected_together_are_pinged_at_spread_times() -> None:
    """After a reconnect storm, each client's pings keep their own phase: pinged together,
    500 clients' pings and pongs made one pass of the scheduler that held trading 27 ms."""
    config = msgspec.structs.replace(FAST_HUB, ping_interval=1.0, ping_timeout=1.0)
    async with hub_tree(config) as (_, url):
        clients = [RawClient(url) for _ in range(20)]
        try:
            async with trio.open_nursery() as nursery:
                for client in clients:
                    await client.connect()
                    nursery.start_soon(client.read)
                with trio.fail_after(5):
                    while any(not client.pings for client in clients):  # noqa: ASYNC110
                        await trio.sleep(0.02)
                nursery.cancel_scope.cancel()
        finally:
            for client in clients:
                client.sock.close()
    firsts = sorted(client.pings[0] for client in clients)
    assert firsts[-1] - firsts[0] > 0.5  # over half the interval (together: ~0.05)


async def test_a_peer_that_reads_but_never_answers_a_ping_is_cut_as_dead() -> None:
    """Its socket stays open and drained, so only the unanswered ping can tell it is gone;
    the client beside it answers and stays, pinged again and again."""
    config = msgspec.structs.replace(FAST_HUB, ping_interval=0.3, ping_timeout=0.4)
    async with hub_tree(config) as (tree, url):
        silent, alive = RawClient(url, answers_pings=False), RawClient(url)
        try:
            async with trio.open_nursery() as nursery:
                await alive.connect()
                nursery.start_soon(alive.read)
                await silent.connect()
                with trio.fail_after(3):
                    close = await silent.read()
                assert close.code == 1008
                assert close.reason == "no pong within 0.4 s"
                answered = len(alive.pings)
                with trio.fail_after(3):
                    while len(alive.pings) < answered + 2:  # noqa: ASYNC110
                        await trio.sleep(0.02)
                stats = await tree.ref("hub").ask(GetHubStats())
                assert isinstance(stats, HubStats)
                assert (stats.cut_dead, stats.cut_slow, stats.clients) == (1, 0, 1)
                nursery.cancel_scope.cancel()
        finally:
            silent.sock.close()
            alive.sock.close()
    assert len(silent.pings) == 1  # cut at the first ping's timeout, not pinged again
