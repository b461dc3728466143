"""Writing every client's events with one task, and a task per client only when it must wait.

A writer task per client, woken per event, made a broadcast to 500 clients
cost 500 task wake-ups and 500 one-event writes; queueing each event on
every client's outbox still cost the hub's thread about a microsecond per
client per event, in the same thread as trading. So an event is only
appended to one list of the events not yet written (:meth:`FanOut.publish`),
and one fan-out task goes over the clients once per pass: a client that is
caught up (nothing of its own queued, no write in progress) gets the pass's
events as one write of bytes joined once for every client with the same
topic filter, straight to its non-blocking socket. Only a client that is
behind (its writer task busy, a reply or snapshot queued) gets the events
copied into its outbox, which is where it is cut off when full.

Each write is a syscall (~10 µs on loopback, where the sender pays for the
receiver's TCP work too), and the hub shares its thread with trading: so
after a pass the fan-out rests for long enough that passes take at most
``fanout_share`` of the time (resting at most ``MAX_REST``, which bounds what
an event waits beyond the pass itself), and checkpoints every ``PASS_SLICE``
clients, so trading never waits for more than a slice: one write. An
event alone goes out at once; what comes while a pass runs or rests goes out together in the
next one, so a burst (a fill brings half a dozen events) costs one write per
client, not one per event. The rest ends early when half an outbox's worth
of events is waiting: a client that reads is never cut off as slow because
the hub chose to wait.

A reply, heartbeat, replay or snapshot for one client (:meth:`FanOut.offer`)
first queues the events published before it, so the client sees everything
in the order it happened.

A client's own writer task sleeps until the write cannot be done on the spot:
the socket took only part of the batch (the rest must follow before anything
else: a frame is never left half written unless the connection is dropped),
a snapshot has to be asked for, or trio-websocket is itself writing (pong,
close) under its stream lock. The writer then owns the outbox until it has
emptied it, and the fan-out queues that client's events on its outbox meanwhile.
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
MAX_REST = 0.04  # an event waits at most this long for the fan-out to rest
# clients written between checkpoints: each write is ~10 µs of syscall, and every hop of an
# order that becomes runnable mid-pass waits for the slice in progress (alert-to-fill p99 with
# 500 clients: 16 cost x1.25, 4 x1.13, 2 x1.04-1.12, 1 x1.05-1.07). Once a pass carries or finds
# a 32nd of an outbox's worth of events, it is the hub that falls behind (trading's bursts are a
# handful of events): it takes longer slices, so clients that read keep up
PASS_SLICE = 1
BACKLOG_SLICE = 16

SendSnapshot = Callable[[Client, Snapshot | Recover], Awaitable[None]]
Event = tuple[int, str, bytes]  # seq, type, frame
# a pass's frames for one topic filter, joined: (bytes, first seq, last seq)
Batch = tuple[bytes, int, int]


@final
class FanOut:
    """The events not yet written, the clients, and the one task that writes them.

    ``clients`` is the hub's set of registered clients; ``on_cut`` is told of a
    client whose outbox overflowed (it is already closed with the reason).
    """

    def __init__(
        self,
        share: float,
        clients: set[Client],
        *,
        outbox_size: int,
        on_cut: Callable[[Client], None],
    ) -> None:
        self.rest = 1 / share - 1  # idle time after a pass, per second the pass took
        self.clients = clients
        self.on_cut = on_cut
        self.urgent_at = (outbox_size + 1) // 2
        self.backlog_at = max(1, outbox_size // 32)
        self.events: list[Event] = []  # published since the pass began
        self.passing: list[Event] = []  # the events the pass in progress writes
        self.dirty: dict[Client, None] = {}  # insertion-ordered: first queued, first written
        self.wanted = trio.Event()
        self.urgent = trio.Event()  # half an outbox's worth is waiting: rest no longer

    def publish(self, seq: int, type_: str, frame: bytes) -> None:
        """An event for every client that wants its type: O(1), the pass does the rest."""
        events = self.events
        events.append((seq, type_, frame))
        self.wanted.set()
        if len(events) == self.urgent_at:
            self.urgent.set()

    def offer(self, client: Client, item: OutItem) -> None:
        """Queue ``item`` for one client after the events published before it.

        A client whose outbox overflows is cut off (and ``on_cut`` told).
        """
        if not (
            self._catch_up(client, self.passing)
            and self._catch_up(client, self.events)
            and client.queue(item)
        ):
            self.on_cut(client)
        elif not client.writing:  # else its writer task empties the outbox
            self.dirty[client] = None
            self.wanted.set()
            if len(client.outbox) >= self.urgent_at:
                self.urgent.set()

    async def serve(self) -> None:
        while True:
            await self.wanted.wait()
            self.wanted = trio.Event()
            started = trio.current_time()
            self.passing, self.events = self.events, []
            dirty, self.dirty = self.dirty, {}
            if self.passing:
                await self._broadcast(self.passing)
                self.passing = []
            for n, client in enumerate(dirty, 1):
                if client.closed is None and not client.writing:
                    _write_nowait(client)
                if n % self._slice() == 0:
                    await trio.lowlevel.checkpoint()
            # what comes meanwhile goes out in the next pass, one write per client
            rest = min((trio.current_time() - started) * self.rest, MAX_REST)
            with trio.move_on_after(rest):
                await self.urgent.wait()
            self.urgent = trio.Event()

    async def _broadcast(self, events: list[Event]) -> None:
        """Every registered client gets ``events``: written now if it is caught up, else queued."""
        before, last = events[0][0] - 1, events[-1][0]
        batches: dict[frozenset[str] | None, Batch] = {}
        for n, client in enumerate(tuple(self.clients), 1):
            if client.closed is not None:
                pass
            elif client.queued == before and not client.outbox and _writable(client):
                client.queued = last
                topics = client.topics
                batch = batches.get(topics)
                if batch is None:
                    batch = batches[topics] = _join(events, topics)
                data, first, final = batch
                if data:
                    if client.hi < client.lo:
                        client.lo = first
                    client.hi = final
                    _write_or_hand_over(client, data)
            elif not self._catch_up(client, events):
                self.on_cut(client)
            elif not client.writing:
                _write_nowait(client)
            if n % self._slice() == 0:
                await trio.lowlevel.checkpoint()

    def _slice(self) -> int:
        """Clients to write before the next checkpoint: one, unless the hub is behind.

        Behind means the pass carries, or finds waiting, a 32nd of an outbox's
        worth of events: a pass that began that way was itself preceded by a
        flood, so it takes long slices from its first client.
        """
        behind = len(self.passing) + len(self.events) >= self.backlog_at
        return BACKLOG_SLICE if behind else PASS_SLICE

    def _catch_up(self, client: Client, events: list[Event]) -> bool:
        """Queue the events after ``client.queued`` it wants; False if that cut it off."""
        if not events or client.queued >= events[-1][0]:
            return True
        for seq, type_, frame in events:
            if seq > client.queued and client.wants(type_) and not client.queue((seq, frame)):
                return False
        client.queued = events[-1][0]
        return True


def _join(events: list[Event], topics: frozenset[str] | None) -> Batch:
    """The frames of ``events`` a client with ``topics`` wants, as one write."""
    if topics is None:
        return b"".join([frame for _, _, frame in events]), events[0][0], events[-1][0]
    wanted = [(seq, frame) for seq, type_, frame in events if type_ in topics]
    if not wanted:
        return b"", 0, 0
    return b"".join([frame for _, frame in wanted]), wanted[0][0], wanted[-1][0]


def _writable(client: Client) -> bool:
    """Nothing else is writing to the client's socket, so the fan-out may, without a task."""
    return (
        not client.writing
        and client.socket is not None
        and client.conn.closed is None
        and not client.conn._stream_lock.locked()
    )


def _write_or_hand_over(client: Client, data: bytes) -> None:
    """Write ``data`` now; what the socket does not take goes to the client's writer task."""
    assert client.socket is not None
    # asked each time: a closed socket says -1, and its number may be reused meanwhile
    fileno = client.socket.fileno()
    if fileno < 0:
        client.hand_to_writer(data)
        return
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


def _write_nowait(client: Client) -> None:
    """Write the outbox to the socket now, or hand it to the client's writer task."""
    outbox = client.outbox
    if not outbox:
        return
    if not _writable(client):
        client.hand_to_writer()
        return
    while outbox and not client.writing:
        if isinstance(outbox[0], Snapshot | Recover):
            client.hand_to_writer()
            return
        data = _take_batch(client)
        if data:
            _write_or_hand_over(client, data)


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
