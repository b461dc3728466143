"""Rebuilding a session's memory from its journal.

The journal holds, for each account, every order intent (:class:`Order`),
every status change the session recorded (:class:`OrderUpdate`) and every
execution (:class:`Fill`), in the order they were made durable. Replaying
them gives back the order book, the positions the fills add up to, and the
next client order id sequence, so a restarted session neither reuses an id
nor forgets an order that may still be working at the venue.

A long journal is not replayed from its start: the journal keeps a snapshot
of the memory (:class:`SessionState`) that summarises exactly the records up
to its seq, and a start restores it and replays only the records after it.
A snapshot is only taken of a memory rebuilt from the journal up to a known
seq (a start's replay, or a shadow replay in :func:`compact`), never of the
live session, whose memory may run ahead of what the journal holds. It
keeps every open order, the newest ``keep_closed_orders`` terminal ones (the
session forgets older ones anyway), the id sequence, the positions and the
execution ids the book remembers (the same bound), so nothing it dropped
could change what a full replay would decide.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from decimal import Decimal
from typing import Final

import msgspec
import trio

from actors.messages import AccountOpened, Fill, Order, OrderUpdate, ReconciliationReport

from ._book import BookSnapshot, OrderBook

__all__ = [
    "SessionHistory",
    "SessionMemory",
    "SessionState",
    "compact",
    "replay_history",
    "sequence_of",
]

_REPLAY_YIELD: Final = 512  # records replayed between checkpoints


class SessionState(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A session's memory as data: what a snapshot keeps."""

    book: BookSnapshot
    positions: dict[str, Decimal]
    next_sequence: int
    fills_cursor: str | None
    last_report: ReconciliationReport | None
    opened: bool


class SessionHistory(msgspec.Struct, frozen=True, kw_only=True):
    """An account's latest snapshot (if any) and every record after it, in order.

    ``seq`` is the journal seq the two summarise: every record up to it was read.
    """

    records: Sequence[object]
    state: SessionState | None = None
    seq: int = 0


class SessionMemory:
    """What a session knows before it talks to the venue."""

    @classmethod
    def restore(cls, account: str, state: SessionState) -> SessionMemory:
        """The memory a snapshot describes; ValueError when it contradicts itself."""
        _check(account, state)
        memory = cls(OrderBook.restore(state.book), dict(state.positions), state.next_sequence)
        memory.fills_cursor = state.fills_cursor
        memory.last_report = state.last_report
        memory.opened = state.opened
        return memory

    def state(self, keep_closed_orders: int) -> SessionState:
        """This memory as a snapshot, with the newest ``keep_closed_orders`` terminal orders."""
        book = self.book.snapshot()
        closed = [t for t in book.orders if t.status.is_terminal]
        dropped = {id(t) for t in closed[: max(0, len(closed) - keep_closed_orders)]}
        if dropped:
            orders = tuple(t for t in book.orders if id(t) not in dropped)
            book = msgspec.structs.replace(book, orders=orders)
        return SessionState(
            book=book,
            positions=dict(self.positions),
            next_sequence=self.next_sequence,
            fills_cursor=self.fills_cursor,
            last_report=self.last_report,
            opened=self.opened,
        )

    __slots__ = ("book", "fills_cursor", "last_report", "next_sequence", "opened", "positions")

    def __init__(self, book: OrderBook, positions: dict[str, Decimal], next_sequence: int):
        self.book = book
        self.positions = positions
        self.next_sequence = next_sequence
        self.fills_cursor: str | None = None
        self.last_report: ReconciliationReport | None = None
        self.opened = False  # the account's opening cash is journaled

    def book_fill(self, fill: Fill) -> bool:
        """Apply an execution once; the position moves only for a new one."""
        if not self.book.apply_fill(fill):
            return False
        position = self.positions.get(fill.symbol, Decimal(0)) + fill.side.sign * fill.quantity
        if position:
            self.positions[fill.symbol] = position
        else:
            self.positions.pop(fill.symbol, None)
        return True


def sequence_of(account: str, client_order_id: str) -> int | None:
    """The sequence number inside one of ``account``'s client order ids, if it is one."""
    prefix = f"{account}-"
    if not client_order_id.startswith(prefix):
        return None
    digits = client_order_id[len(prefix) :]
    return int(digits) if digits.isdigit() else None


async def replay_history(
    account: str, records: Iterable[object], state: SessionState | None = None
) -> SessionMemory:
    """Rebuild the book, positions and id sequence of ``account`` from journal records.

    ``state`` is the snapshot the records follow (None: they are the whole journal).
    """
    if state is None:
        memory = SessionMemory(OrderBook(), {}, 1)
    else:
        memory = SessionMemory.restore(account, state)
    book = memory.book
    for n, record in enumerate(records, 1):
        if n % _REPLAY_YIELD == 0:
            await trio.lowlevel.checkpoint()
        if isinstance(record, Order) and record.account == account:
            sequence = sequence_of(account, record.client_order_id)
            if sequence is not None:
                memory.next_sequence = max(memory.next_sequence, sequence + 1)
            if record.client_order_id not in book:
                book.add(record, record.ts)
        elif isinstance(record, OrderUpdate) and record.account == account:
            _restore_update(book, record)
        elif isinstance(record, Fill) and record.account == account:
            memory.book_fill(record)
        elif isinstance(record, AccountOpened) and record.account == account:
            memory.opened = True
        elif isinstance(record, ReconciliationReport) and record.account == account:
            memory.last_report = record
            memory.fills_cursor = record.fills_cursor
    return memory


async def compact(
    account: str,
    load: Callable[[str], Awaitable[SessionHistory]],
    save: Callable[[str, SessionState, int], Awaitable[None]],
    keep_closed_orders: int,
) -> int | None:
    """Fold the records after ``account``'s latest snapshot into a new one.

    The memory is rebuilt from the journal alone, in a shadow: never taken
    from the live session. Returns the new snapshot's seq, None when no
    record came after the last one.
    """
    history = await load(account)
    if not history.records:
        return None
    shadow = await replay_history(account, history.records, history.state)
    await save(account, shadow.state(keep_closed_orders), history.seq)
    return history.seq


def _check(account: str, state: SessionState) -> None:
    where = f"session snapshot of {account!r}"
    if state.next_sequence < 1:
        raise ValueError(f"{where}: next_sequence {state.next_sequence} is below 1")
    ids = Counter(t.order.client_order_id for t in state.book.orders)
    twice = sorted(cid for cid, count in ids.items() if count > 1)
    if twice:
        raise ValueError(f"{where}: orders {twice} appear twice")
    strangers = sorted(
        t.order.client_order_id for t in state.book.orders if t.order.account != account
    )
    if strangers:
        raise ValueError(f"{where}: orders {strangers} belong to another account")
    for t in state.book.orders:
        sequence = sequence_of(account, t.order.client_order_id)
        if sequence is not None and sequence >= state.next_sequence:
            raise ValueError(
                f"{where}: order {t.order.client_order_id!r} is at or past "
                f"next_sequence {state.next_sequence}"
            )
    if len(set(state.book.executions)) != len(state.book.executions):
        raise ValueError(f"{where}: an execution id is listed twice")
    for symbol, quantity in state.positions.items():
        if not quantity.is_finite() or not quantity:
            raise ValueError(f"{where}: position {symbol!r} is {quantity}")


def _restore_update(book: OrderBook, update: OrderUpdate) -> None:
    """Replay a recorded status exactly, including the ones the session decided.

    ``unknown`` and local rejections rank no higher than ``pending_submit``
    for venue reports, so they are set directly here: the journal is the
    session's own word, not a venue's possibly stale report.
    """
    tracked = book.get(update.client_order_id)
    if tracked is None:
        return
    if not book.apply_update(update, as_reported=True) and not tracked.status.is_terminal:
        book.mark(update.client_order_id, update.status, update.ts, update.reason)
