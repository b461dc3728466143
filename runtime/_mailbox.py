"""Mailboxes: bounded, supervisor-owned queues with a delivery policy per lane.

A mailbox belongs to the supervisor, not to the actor, so it outlives every
incarnation: senders keep their handle through a crash and whatever was
buffered reaches the next incarnation. Each incarnation reads through its own
:class:`MailboxReader`, which the supervisor revokes when it stops that
incarnation, so an incarnation that overruns its shutdown can never steal
messages from its successor.

Messages arrive through lanes, one per delivery policy:

* the **block** lane (direct ``tell`` and ``block`` subscriptions) is bounded
  by the mailbox capacity; a sender waits for room and nothing is ever dropped;
* a **conflate** lane keeps only the latest message per key (a quote per
  symbol): a newer message replaces the queued one in place, keeping its turn;
* a **drop_oldest** lane discards its own oldest queued message when full and
  counts the drop.

All lanes share one FIFO, so the order in which messages were sent is the
order in which they are received. Delivery is built for the fast path: when
there is room a send appends and returns without a trio scheduler pass, and a
receive pops without one; both yield (``trio.lowlevel.checkpoint``) every
``batch`` operations so that a busy actor stays fair and cancellable.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable
from enum import StrEnum
from typing import Any, Final, final

import msgspec
import trio

from ._request import Request
from .errors import ActorUnavailable, MailboxClosed

__all__ = ["Lane", "LaneStats", "Mailbox", "MailboxReader", "MailboxStats", "Policy"]


class Policy(StrEnum):
    BLOCK = "block"
    CONFLATE = "conflate"
    DROP_OLDEST = "drop_oldest"


class _Dropped:
    """Marks a queued cell whose message was discarded (conflated or dropped)."""


_DROPPED: Final = _Dropped()


@final
class _Cell:
    """A queued message of a conflate or drop_oldest lane, replaceable in place."""

    __slots__ = ("key", "lane", "value")

    def __init__(self, lane: Lane, key: Hashable, value: object) -> None:
        self.lane = lane
        self.key = key
        self.value = value


class LaneStats(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    policy: Policy
    capacity: int
    depth: int
    delivered: int
    dropped: int
    conflated: int
    refused: int


class MailboxStats(msgspec.Struct, frozen=True, kw_only=True):
    """A mailbox's figures: ``depth`` is what waits to be received now."""

    name: str
    capacity: int
    depth: int
    peak_depth: int
    delivered: int
    refused: int
    closed: bool
    lanes: tuple[LaneStats, ...]


@final
class Lane:
    """One non-blocking delivery lane of a mailbox (conflate or drop_oldest).

    Obtain one from :meth:`Mailbox.lane`; the registry holds it for a
    subscription and offers messages to it with :meth:`offer`.
    """

    __slots__ = (
        "_cells",
        "_key",
        "_mailbox",
        "_slots",
        "capacity",
        "conflated",
        "delivered",
        "dropped",
        "name",
        "policy",
    )

    def __init__(
        self,
        mailbox: Mailbox,
        name: str,
        policy: Policy,
        capacity: int,
        key: Callable[[Any], Hashable] | None,
    ) -> None:
        if policy is Policy.BLOCK:
            raise ValueError("block delivery uses the mailbox's main lane, not a Lane")
        if policy is Policy.CONFLATE and key is None:
            raise ValueError(f"lane {name!r}: conflate needs a key function")
        if capacity < 1:
            raise ValueError(f"lane {name!r}: capacity must be at least 1, not {capacity}")
        self._mailbox = mailbox
        self.name = name
        self.policy = policy
        self.capacity = capacity
        self._key = key if policy is Policy.CONFLATE else None
        self._slots: dict[Hashable, _Cell] = {}  # conflate: queued cell per key, oldest first
        self._cells: deque[_Cell] = deque()  # drop_oldest: queued cells, oldest first
        self.delivered = 0
        self.dropped = 0
        self.conflated = 0

    @property
    def depth(self) -> int:
        return len(self._slots) if self.policy is Policy.CONFLATE else len(self._cells)

    def offer(self, message: object) -> None:
        """Queue ``message`` without waiting; conflate or drop as the policy says."""
        mailbox = self._mailbox
        if mailbox._closed:
            raise ActorUnavailable(mailbox.name, "its mailbox is closed")
        key_of = self._key
        if key_of is not None:  # conflate (the only policy with a key); the hot case
            key = key_of(message)
            slots = self._slots
            queued = slots.get(key)
            if queued is not None:
                queued.value = message
                self.conflated += 1
                return
            if len(slots) >= self.capacity:
                oldest_key = next(iter(slots))
                slots.pop(oldest_key).value = _DROPPED
                self.dropped += 1
            cell = _Cell(self, key, message)
            slots[key] = cell
        else:
            cells = self._cells
            if len(cells) >= self.capacity:
                cells.popleft().value = _DROPPED
                self.dropped += 1
            cell = _Cell(self, None, message)
            cells.append(cell)
        mailbox._queue.append(cell)
        if len(mailbox._queue) > mailbox._peak:
            mailbox._peak = len(mailbox._queue)
        if mailbox._receivers:
            mailbox._receivers.unpark()

    def _take(self, cell: _Cell) -> object:
        """Unlink a cell the reader popped; returns its message or _DROPPED."""
        value = cell.value
        if value is _DROPPED:
            return _DROPPED
        if self._key is not None:  # conflate
            del self._slots[cell.key]
        else:
            self._cells.popleft()
        self.delivered += 1
        return value

    def stats(self) -> LaneStats:
        return LaneStats(
            name=self.name,
            policy=self.policy,
            capacity=self.capacity,
            depth=self.depth,
            delivered=self.delivered,
            dropped=self.dropped,
            conflated=self.conflated,
            refused=0,
        )


@final
class Mailbox:
    """A bounded multi-producer queue read by one incarnation at a time.

    ``capacity`` bounds the block lane (what ``send`` waits on); each extra
    lane has its own bound. ``batch`` is how many fast-path operations run
    between two checkpoints.
    """

    __slots__ = (
        "_block_depth",
        "_closed",
        "_lanes",
        "_peak",
        "_queue",
        "_reader",
        "_receivers",
        "_recv_since_yield",
        "_send_since_yield",
        "_senders",
        "batch",
        "capacity",
        "delivered",
        "name",
        "refused",
    )

    def __init__(self, name: str, capacity: int = 1024, *, batch: int = 64) -> None:
        if capacity < 1:
            raise ValueError(f"mailbox {name!r}: capacity must be at least 1, not {capacity}")
        if batch < 1:
            raise ValueError(f"mailbox {name!r}: batch must be at least 1, not {batch}")
        self.name = name
        self.capacity = capacity
        self.batch = batch
        self._queue: deque[object] = deque()
        self._block_depth = 0
        self._peak = 0
        self._closed = False
        self._receivers = trio.lowlevel.ParkingLot()
        self._senders = trio.lowlevel.ParkingLot()
        self._send_since_yield = 0
        self._recv_since_yield = 0
        self._lanes: dict[str, Lane] = {}
        self._reader: MailboxReader | None = None
        self.delivered = 0
        self.refused = 0

    # -- sending on the block lane ------------------------------------------

    def send_nowait(self, message: object) -> None:
        """Queue ``message`` on the block lane, or raise ``trio.WouldBlock`` when full."""
        if self._closed:
            raise ActorUnavailable(self.name, "its mailbox is closed")
        if self._block_depth >= self.capacity:
            raise trio.WouldBlock
        queue = self._queue
        queue.append(message)
        self._block_depth += 1
        if len(queue) > self._peak:
            self._peak = len(queue)
        if self._receivers:
            self._receivers.unpark()

    async def send(self, message: object) -> None:
        """Queue ``message`` on the block lane, waiting for room: never drops.

        Returns without a scheduler pass when there is room, except once every
        ``batch`` sends, when it checkpoints.
        """
        while True:
            if self._closed:
                raise ActorUnavailable(self.name, "its mailbox is closed")
            if self._block_depth < self.capacity:
                queue = self._queue
                queue.append(message)
                self._block_depth += 1
                if len(queue) > self._peak:
                    self._peak = len(queue)
                if self._receivers:
                    self._receivers.unpark()
                self._send_since_yield += 1
                if self._send_since_yield >= self.batch:
                    self._send_since_yield = 0
                    await trio.lowlevel.checkpoint()
                return
            await self._senders.park()

    # -- lanes ---------------------------------------------------------------

    def lane(
        self,
        name: str,
        policy: Policy,
        capacity: int,
        key: Callable[[Any], Hashable] | None = None,
    ) -> Lane:
        """The lane called ``name``, created on first use (idempotent by name)."""
        existing = self._lanes.get(name)
        if existing is not None:
            if existing.policy is not policy or existing.capacity != capacity:
                raise ValueError(
                    f"mailbox {self.name!r}: lane {name!r} exists as "
                    f"{existing.policy}/{existing.capacity}, not {policy}/{capacity}"
                )
            return existing
        lane = Lane(self, name, policy, capacity, key)
        self._lanes[name] = lane
        return lane

    # -- lifecycle -------------------------------------------------------------

    def open_reader(self) -> MailboxReader:
        """A fresh reader for a new incarnation; the previous one is revoked."""
        if self._reader is not None:
            self._reader.revoke()
        self._reader = MailboxReader(self)
        return self._reader

    def close(self) -> None:
        """Close for good: senders get ActorUnavailable, queued messages are discarded.

        Called when an actor will never run again (a temporary child that
        ended, or a supervisor that gave up), so that no sender waits forever.
        """
        self._closed = True
        self._queue.clear()
        self._block_depth = 0
        self._senders.unpark_all()
        self._receivers.unpark_all()

    def reopen(self) -> None:
        """Take messages again: the actor is started anew (its supervisor restarted)."""
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        return len(self._queue)

    def stats(self) -> MailboxStats:
        return MailboxStats(
            name=self.name,
            capacity=self.capacity,
            depth=len(self._queue),
            peak_depth=self._peak,
            delivered=self.delivered,
            refused=self.refused,
            closed=self._closed,
            lanes=tuple(lane.stats() for lane in self._lanes.values()),
        )


_SPECIAL: Final = frozenset({_Cell, Request})  # queue items that need more than a pop


@final
class MailboxReader:
    """One incarnation's receiving end of a mailbox.

    Iterate it (``async for message in ctx.mailbox``), or take what is
    buffered in one go with :meth:`receive_batch`.
    """

    __slots__ = ("_mailbox", "_revoked")

    def __init__(self, mailbox: Mailbox) -> None:
        self._mailbox = mailbox
        self._revoked = False

    def revoke(self) -> None:
        """Make this reader unusable: its incarnation has been stopped."""
        self._revoked = True
        self._mailbox._receivers.unpark_all()

    @property
    def name(self) -> str:
        return self._mailbox.name

    def _pop(self) -> object:
        """The next live message, or _DROPPED when nothing is buffered."""
        mailbox = self._mailbox
        queue = mailbox._queue
        while queue:
            item = queue.popleft()
            if type(item) is _Cell:
                value = item.lane._take(item)
                if value is _DROPPED:
                    continue
            else:
                mailbox._block_depth -= 1
                if mailbox._senders:
                    mailbox._senders.unpark()
                if type(item) is Request and item.done:
                    continue  # its asker was already told the callee died
                value = item
            mailbox.delivered += 1
            return value
        return _DROPPED

    def receive_nowait(self) -> Any:
        """The next message, or raise ``trio.WouldBlock`` when none is buffered."""
        if self._revoked or self._mailbox._closed:
            raise MailboxClosed(f"mailbox {self._mailbox.name!r} reader was revoked")
        value = self._pop()
        if value is _DROPPED:
            raise trio.WouldBlock
        return value

    async def receive(self) -> Any:
        """The next message, waiting for one; yields every ``batch`` receives."""
        mailbox = self._mailbox
        queue = mailbox._queue
        while True:
            if self._revoked or mailbox._closed:
                raise MailboxClosed(f"mailbox {mailbox.name!r} reader was revoked")
            if queue and type(queue[0]) not in _SPECIAL:
                # the common case, inlined: a plain message on the block lane
                value = queue.popleft()
                mailbox._block_depth -= 1
                if mailbox._senders:
                    mailbox._senders.unpark()
                mailbox.delivered += 1
            else:
                value = self._pop()
            if value is not _DROPPED:
                mailbox._recv_since_yield += 1
                if mailbox._recv_since_yield >= mailbox.batch:
                    mailbox._recv_since_yield = 0
                    await trio.lowlevel.checkpoint()
                return value
            await mailbox._receivers.park()

    async def receive_batch(self, limit: int | None = None) -> list[Any]:
        """Everything buffered (at most ``limit``, default ``batch``), waiting for one.

        Always passes one schedule point before taking anything, so a loop over
        batches is fair and cancellable, and a cancelled call takes nothing:
        with nothing buffered that point is the wait itself (an actor that
        drained its mailbox parks at once instead of yielding, being run
        again, and only then parking: a scheduler pass per wake-up saved).
        """
        mailbox = self._mailbox
        limit = mailbox.batch if limit is None else limit
        if mailbox._queue or self._revoked or mailbox._closed:
            await trio.lowlevel.checkpoint()
        else:
            await mailbox._receivers.park()
        while True:
            if self._revoked or mailbox._closed:
                raise MailboxClosed(f"mailbox {mailbox.name!r} reader was revoked")
            out: list[Any] = []
            while len(out) < limit:
                value = self._pop()
                if value is _DROPPED:
                    break
                out.append(value)
            if out:
                return out
            await mailbox._receivers.park()

    def __aiter__(self) -> MailboxReader:
        return self

    __anext__ = receive  # the same coroutine: no extra frame per message

    def __len__(self) -> int:
        return len(self._mailbox._queue)
