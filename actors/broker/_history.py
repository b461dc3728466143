"""Rebuilding a session's memory from its journal.

The journal holds, for each account, every order intent (:class:`Order`),
every status change the session recorded (:class:`OrderUpdate`) and every
execution (:class:`Fill`), in the order they were made durable. Replaying
them gives back the order book, the positions the fills add up to, and the
next client order id sequence, so a restarted session neither reuses an id
nor forgets an order that may still be working at the venue.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from actors.messages import AccountOpened, Fill, Order, OrderUpdate, ReconciliationReport

from ._book import OrderBook

__all__ = ["SessionMemory", "replay_history", "sequence_of"]


class SessionMemory:
    """What a session knows before it talks to the venue."""

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


def replay_history(account: str, records: Iterable[object]) -> SessionMemory:
    """Rebuild the book, positions and id sequence of ``account`` from journal records."""
    memory = SessionMemory(OrderBook(), {}, 1)
    book = memory.book
    for record in records:
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


def _restore_update(book: OrderBook, update: OrderUpdate) -> None:
    """Replay a recorded status exactly, including the ones the session decided.

    ``unknown`` and local rejections rank no higher than ``pending_submit``
    for venue reports, so they are set directly here: the journal is the
    session's own word, not a venue's possibly stale report.
    """
    tracked = book.get(update.client_order_id)
    if tracked is None:
        return
    if not book.apply_update(update) and not tracked.status.is_terminal:
        book.mark(update.client_order_id, update.status, update.ts, update.reason)
