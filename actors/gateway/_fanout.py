"""Writing every client's outbox with one task, and a task per client only when it must wait.

A writer task per client, woken per event, made a broadcast to 500 clients
cost 500 task wake-ups and 500 one-event writes: the profile was all trio
scheduling and ``send_all`` overhead. Here the hub marks clients that have
something queued, and one fan-out task goes over them, joining each one's
outbox into a single frame batch and writing it straight to the non-blocking
socket. Each write is a syscall (~10 µs on loopback, where the sender pays for
the receiver's TCP work too), and the hub shares its thread with trading: so
after a pass the fan-out rests for long enough that passes take at most
``fanout_share`` of the time (resting at most ``MAX_REST``, which bounds what
an event waits beyond the pass itself). An event alone goes out at once; what comes while
a pass runs or rests goes out together in the next one, so a burst (a fill
brings half a dozen events) costs one write per client, not one per event.
The rest ends early when an outbox is half full: a client that reads is never
cut off as slow because the hub chose to wait.

A client's own writer task sleeps until the write cannot be done on the spot:
the socket took only part of the batch (the rest must follow before anything
else: a frame is never left half written unless the connection is dropped),
a snapshot has to be asked for, or trio-websocket is itself writing (pong,
close) under its stream lock. The writer then owns the outbox until it has
emptied it, and the fan-out skips that client meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import final

import trio
from trio_websocket import ConnectionClosed

from ._client import CLOSE_GOING_AWAY, Client, OutItem, Recover, Replay, Snapshot
from ._frames import send_frames

__all__ = ["FanOut", "send", "serve_writer"]

WRITE_BATCH_BYTES = 256 * 1024  # one client write gathers up to this much of its outbox
MAX_REST = 0.05  # an event waits at most this long for the fan-out to rest
PASS_SLICE = 16  # clients written between checkpoints, so a pass never holds up trading

SendSnapshot = Callable[[Client, Snapshot | Recover], Awaitable[None]]


@final
class FanOut:
    """The clients with something queued, and the one task that writes them."""

    def __init__(self, share: float) -> None:
        self.rest = 1 / share - 1  # idle time after a pass, per second the pass took
        self.dirty: dict[Client, None] = {}  # insertion-ordered: first queued, first written
        self.wanted = trio.Event()
        self.urgent = trio.Event()  # an outbox is half full: rest no longer

    def mark(self, client: Client, urgent: bool) -> None:
        self.dirty[client] = None
        self.wanted.set()
        if urgent:
            self.urgent.set()

    async def serve(self) -> None:
        while True:
            await self.wanted.wait()
            self.wanted = trio.Event()
            dirty, self.dirty = self.dirty, {}
            started = trio.current_time()
            for n, client in enumerate(dirty, 1):
                if client.closed is None and not client.writing:
                    _write_nowait(client)
                if n % PASS_SLICE == 0:
                    await trio.lowlevel.checkpoint()
            # what comes meanwhile goes out in the next pass, one write per client
            rest = min((trio.current_time() - started) * self.rest, MAX_REST)
            with trio.move_on_after(rest):
                await self.urgent.wait()
            self.urgent = trio.Event()


def _write_nowait(client: Client) -> None:
    """Write the outbox to the socket now, or hand it to the client's writer task."""
    if not client.outbox:
        return
    # asked each time: a closed socket says -1, and its number may be reused meanwhile
    fileno = -1 if client.socket is None else client.socket.fileno()
    if fileno < 0 or client.conn.closed is not None or client.conn._stream_lock.locked():
        client.hand_to_writer()
        return
    outbox = client.outbox
    while outbox:
        if isinstance(outbox[0], Snapshot | Recover):
            client.hand_to_writer()
            return
        data = _take_batch(client)
        if not data:
            continue
        try:
            sent = os.write(fileno, data)
        except BlockingIOError:
            sent = 0
        except OSError:
            # a reset or closed peer: the writer's send_all reports it as the library does
            client.hand_to_writer(data)
            return
        if sent < len(data):
            client.hand_to_writer(data[sent:])
            return


def _take_batch(client: Client) -> bytes:
    """Pop outbox items up to a snapshot or the batch size; their frames not yet sent."""
    outbox = client.outbox
    batch: list[bytes] = []
    size = 0
    while outbox and size < WRITE_BATCH_BYTES:
        item = outbox[0]
        if type(item) is tuple and item[0] == client.hi + 1 and client.lo <= item[0]:
            # the common case, the next live event: _collect's outcome without its tests
            outbox.popleft()
            client.hi, frame = item
            batch.append(frame)
            size += len(frame)
        elif isinstance(item, Snapshot | Recover):
            break
        else:
            size += _collect(client, outbox.popleft(), batch)
    return b"".join(batch)


def _collect(client: Client, item: OutItem, batch: list[bytes]) -> int:
    """Add the frames of ``item`` not yet sent on this connection; their size."""
    if isinstance(item, bytes):
        batch.append(item)
        return len(item)
    if isinstance(item, tuple):
        seq, frame = item
        if client.covers(seq):
            return 0
        batch.append(frame)
        client.mark_sent(seq)
        return len(frame)
    assert isinstance(item, Replay)
    size, last = 0, item.from_seq
    for seq, frame in item.frames:
        if not client.covers(seq):
            batch.append(frame)
            size += len(frame)
        last = seq
    if client.hi < client.lo:
        client.lo, client.hi = item.from_seq + 1, max(client.hi, last)
    else:
        client.lo, client.hi = min(client.lo, item.from_seq + 1), max(client.hi, last)
    return size


async def send(client: Client, data: bytes) -> None:
    """One awaited write; ``client.partial`` stays set if it is cancelled half way."""
    client.partial = True
    await send_frames(client.conn, data)
    client.partial = False


async def serve_writer(client: Client, send_snapshot: SendSnapshot) -> None:
    """The client's writer task: idle until handed the outbox, then empty it and idle again.

    Ends when the client is closed, after finishing a frame it had begun.
    """
    try:
        while True:
            await client.wake.wait()
            client.wake = trio.Event()
            if client.remainder:
                data, client.remainder = client.remainder, b""
                await send(client, data)
            if client.closed is not None:
                return
            outbox = client.outbox
            while outbox and client.closed is None:
                item = outbox[0]
                if isinstance(item, Snapshot | Recover):
                    outbox.popleft()
                    await send_snapshot(client, item)
                else:
                    data = _take_batch(client)
                    if data:
                        await send(client, data)
            client.writing = False
    except ConnectionClosed:
        client.close(CLOSE_GOING_AWAY, "connection closed")
    finally:
        client.writer_done.set()
