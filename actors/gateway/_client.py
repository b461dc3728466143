"""One WebSocket client of the hub: its bounded outbox and what it has been sent.

The hub fills the outbox without waiting: a full outbox while the client's
socket takes no more means the client fell behind, and it is cut off (it can
reconnect and resume) rather than waited on. The fan-out (:mod:`._fanout`)
drains it to the socket, everything queued at once in one write. Every frame
is pre-built bytes.

What the writer has sent is kept as a range of event seqs ``[lo, hi]``, so a
``resume`` replays exactly what the client has not been sent on this
connection, in order, and live events already covered by a replay are
skipped.
"""

from __future__ import annotations

from collections import deque
from typing import TypeAlias, final

import trio
from trio_websocket import WebSocketConnection

__all__ = ["Client", "OutItem", "Recover", "Replay", "Snapshot"]

CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_POLICY_VIOLATION = 1008
CLOSE_GOING_AWAY = 1001


@final
class Replay:
    """Buffered events after ``from_seq``, as ``(seq, frame)`` in order."""

    __slots__ = ("frames", "from_seq")

    def __init__(self, from_seq: int, frames: list[tuple[int, bytes]]) -> None:
        self.from_seq = from_seq
        self.frames = frames


@final
class Snapshot:
    """Send a fresh snapshot as of event ``seq`` (the live events after it follow)."""

    __slots__ = ("seq",)

    def __init__(self, seq: int) -> None:
        self.seq = seq


@final
class Recover:
    """``from_seq`` cannot be replayed: send ``state_recovery`` and a snapshot."""

    __slots__ = ("frame", "seq")

    def __init__(self, seq: int, frame: bytes) -> None:
        self.seq = seq
        self.frame = frame


# bytes: a reply or heartbeat frame (no seq of its own); tuple: an event (seq, frame)
OutItem: TypeAlias = bytes | tuple[int, bytes] | Replay | Snapshot | Recover


@final
class Client:
    """A connection's outbox and write state; see :mod:`._fanout` for who writes it."""

    __slots__ = (
        "closed",
        "conn",
        "done",
        "hi",
        "lo",
        "operator",
        "outbox",
        "outbox_size",
        "partial",
        "queued",
        "remainder",
        "socket",
        "topics",
        "wake",
        "writer_done",
        "writing",
    )

    def __init__(
        self,
        conn: WebSocketConnection,
        *,
        outbox_size: int,
        operator: bool,
    ) -> None:
        self.conn = conn
        self.outbox: deque[OutItem] = deque()
        self.outbox_size = outbox_size
        stream = conn._stream
        # the raw socket, written without a task when nothing else is writing (plain ws only)
        self.socket = stream.socket if isinstance(stream, trio.SocketStream) else None
        self.operator = operator
        self.topics: frozenset[str] | None = None  # None: every topic
        self.lo = 1  # event seqs sent on this connection: [lo, hi], empty while hi < lo
        self.hi = 0
        self.queued = 0  # the last event seq queued or written for this client (or skipped)
        self.closed: tuple[int, str] | None = None  # the close code and reason, once decided
        self.done = trio.Event()
        self.writing = False  # the writer task owns the outbox until it has emptied it
        self.wake = trio.Event()  # hands the outbox to the writer task
        self.remainder = b""  # the unsent tail of a write the socket took only part of
        self.partial = False  # a frame is half written: no close frame may follow now
        self.writer_done = trio.Event()

    def wants(self, topic: str) -> bool:
        return self.topics is None or topic in self.topics

    def queue(self, item: OutItem) -> bool:
        """Queue without waiting; False when a full outbox just cut the client off as too slow.

        A client already closing ignores the item (and answers True). Only a
        client whose writer task owns the outbox (its socket is full, or a
        snapshot is on its way) can fall behind: any other one's outbox is
        written whole by the fan-out's next pass, so it is not counted against it.
        """
        if self.closed is not None:
            return True
        if self.writing and len(self.outbox) >= self.outbox_size:
            self.close(
                CLOSE_TRY_AGAIN_LATER,
                f"client too slow: {self.outbox_size} messages "
                f"queued; reconnect and resume from seq {self.hi}",
            )
            return False
        self.outbox.append(item)
        return True

    def hand_to_writer(self, remainder: bytes = b"") -> None:
        """The write needs to wait (full socket, snapshot, library frame): the task takes over."""
        self.remainder = remainder
        self.partial = bool(remainder)
        self.writing = True
        self.wake.set()

    def close(self, code: int, reason: str) -> None:
        """Decide to end the connection; the first decision's code and reason win."""
        if self.closed is None:
            self.closed = (code, reason)
            self.outbox.clear()
            self.done.set()
            self.wake.set()  # an idle writer task ends; a busy one finishes its frame

    def covers(self, seq: int) -> bool:
        return self.lo <= seq <= self.hi

    def mark_sent(self, seq: int) -> None:
        if self.hi < self.lo:
            self.lo = seq
        self.hi = max(self.hi, seq)
