"""The broker session's order book: every order of one account and what is known of it.

Venues report an order's life out of order, twice, or not at all (a lost
acknowledgement); the book makes sense of it with two rules:

* **An order only moves forward.** Each status has a rank; an update with a
  lower rank than what is known is stale and ignored. A terminal status
  (filled, canceled, rejected, expired) is final. ``unknown`` ranks with
  ``pending_submit``: anything the venue says about the order resolves it.
* **Fills are the truth about quantity.** Executions are de-duplicated by
  execution id and the filled quantity and average price are computed from
  them, so a duplicated fill is never booked twice and a fill that arrives
  after a cancel acknowledgement (the race every venue has) is still booked.
  A report that the order filled moves it only as far as its booked
  executions go: the venue's answer to a submission can overtake the
  execution on the update stream, and an order called filled with nothing
  booked would close it for everyone downstream while its position has not
  moved yet.

The book is pure and synchronous; the session actor journals before it
applies, and publishes what the book says changed.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Final, final

import msgspec

from actors.messages import Fill, Order, OrderStatus, OrderUpdate

__all__ = ["BookSnapshot", "OrderBook", "TrackedOrder"]

_RANK: Final = {
    OrderStatus.PENDING_SUBMIT: 0,
    OrderStatus.UNKNOWN: 0,
    OrderStatus.SUBMITTED: 1,
    OrderStatus.ACCEPTED: 2,
    OrderStatus.PARTIALLY_FILLED: 3,
    OrderStatus.FILLED: 4,
    OrderStatus.CANCELED: 4,
    OrderStatus.REJECTED: 4,
    OrderStatus.EXPIRED: 4,
}
ZERO: Final = Decimal(0)


class TrackedOrder(msgspec.Struct, kw_only=True):
    """One order as the session knows it (mutable: owned by the book)."""

    order: Order
    status: OrderStatus
    filled: Decimal = ZERO
    filled_value: Decimal = ZERO  # Σ price × quantity of its executions
    venue_order_id: str | None = None
    reason: str = ""
    updated: float = 0.0
    adopted: bool = False  # found at the venue, not placed by this session

    @property
    def remaining(self) -> Decimal:
        return self.order.quantity - self.filled

    @property
    def average_price(self) -> Decimal | None:
        return self.filled_value / self.filled if self.filled else None

    def view(self) -> OrderUpdate:
        order = self.order
        return OrderUpdate(
            client_order_id=order.client_order_id,
            account=order.account,
            symbol=order.symbol,
            side=order.side,
            status=self.status,
            quantity=order.quantity,
            filled_quantity=self.filled,
            ts=self.updated,
            venue_order_id=self.venue_order_id,
            average_price=self.average_price,
            reason=self.reason,
            strategy=order.strategy,
            intent_id=order.intent_id,
            order_type=order.order_type,
            limit_price=order.limit_price,
            stop_price=order.stop_price,
            reduce_only=order.reduce_only,
        )


class BookSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """What a session needs to resume: orders still open and recent executions."""

    orders: tuple[TrackedOrder, ...]
    executions: tuple[str, ...]
    last_execution_id: str | None


@final
class OrderBook:
    """Orders by client order id, with executions de-duplicated by id.

    ``execution_memory`` bounds how many execution ids are remembered for
    de-duplication (the oldest are forgotten first); a venue re-sending an
    execution older than that many fills is not a failure mode we defend.
    """

    def __init__(self, execution_memory: int = 100_000) -> None:
        self._orders: dict[str, TrackedOrder] = {}
        # Kept as statuses change, so a session's tick looks at what is open and
        # trims what is closed without walking the up to ``keep`` closed orders:
        # the open orders in the order they were added, and the closed ones as a
        # heap of (when added, id) so the oldest is forgotten first.
        self._open: dict[str, TrackedOrder] = {}
        self._closed: list[tuple[int, str]] = []
        self._added: dict[str, int] = {}
        self._count = 0  # orders ever tracked: each one's place in the order added
        self._executions: dict[str, None] = {}  # insertion-ordered set
        self._memory = execution_memory
        self.last_execution_id: str | None = None

    # -- reading ----------------------------------------------------------------

    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self._orders

    def get(self, client_order_id: str) -> TrackedOrder | None:
        return self._orders.get(client_order_id)

    def __iter__(self) -> Iterator[TrackedOrder]:
        return iter(self._orders.values())

    def open_orders(self, symbol: str | None = None) -> list[TrackedOrder]:
        if symbol is None:
            return list(self._open.values())
        return [t for t in self._open.values() if t.order.symbol == symbol]

    def unresolved(self) -> list[TrackedOrder]:
        """Orders whose submission outcome is not known (never sent, or timed out)."""
        return [
            t
            for t in self._orders.values()
            if t.status in (OrderStatus.UNKNOWN, OrderStatus.PENDING_SUBMIT)
        ]

    def has_execution(self, execution_id: str) -> bool:
        return execution_id in self._executions

    # -- changing -------------------------------------------------------------------

    def add(self, order: Order, ts: float, *, adopted: bool = False) -> TrackedOrder:
        """Track a new order as pending submission (or as adopted from the venue)."""
        if order.client_order_id in self._orders:
            raise ValueError(f"order {order.client_order_id!r} is already in the book")
        tracked = TrackedOrder(
            order=order, status=OrderStatus.PENDING_SUBMIT, updated=ts, adopted=adopted
        )
        self._track(tracked)
        return tracked

    def _track(self, tracked: TrackedOrder) -> None:
        cid = tracked.order.client_order_id
        self._orders[cid] = tracked
        self._count += 1
        self._added[cid] = self._count
        if tracked.status.is_terminal:
            heapq.heappush(self._closed, (self._added[cid], cid))
        else:
            self._open[cid] = tracked

    def _moved(self, tracked: TrackedOrder) -> None:
        """After a status change: an order that closed leaves the open ones."""
        if tracked.status.is_terminal:
            cid = tracked.order.client_order_id
            if self._open.pop(cid, None) is not None:
                heapq.heappush(self._closed, (self._added[cid], cid))

    def mark(self, client_order_id: str, status: OrderStatus, ts: float, reason: str = "") -> bool:
        """Set a status the session decided itself (unknown, rejected locally, ...)."""
        tracked = self._orders[client_order_id]
        if tracked.status.is_terminal or tracked.status is status:
            return False
        tracked.status = status
        tracked.reason = reason
        tracked.updated = ts
        self._moved(tracked)
        return True

    def apply_update(self, update: OrderUpdate, *, as_reported: bool = False) -> bool:
        """Apply a venue's report; False when it was stale, a repeat, or unknown.

        A filled or partially filled status counts only as far as the executions
        booked for the order back it (it stays accepted until they arrive);
        ``as_reported`` takes it as it is, for a status whose executions cannot
        come any more (reconciliation has fetched all the venue still has) or
        that the session's own journal recorded.
        """
        tracked = self._orders.get(update.client_order_id)
        if tracked is None:
            return False
        changed = False
        if update.venue_order_id and tracked.venue_order_id != update.venue_order_id:
            tracked.venue_order_id = update.venue_order_id
            changed = True
        current = tracked.status
        status = update.status if as_reported else _backed(tracked, update.status)
        if not current.is_terminal and _RANK[status] > _RANK[current]:
            tracked.status = status
            tracked.reason = update.reason
            changed = True
        if changed:
            tracked.updated = max(tracked.updated, update.ts)
            self._moved(tracked)
        return changed

    def apply_fill(self, fill: Fill) -> bool:
        """Book an execution once; False for a duplicate.

        A fill for an order the book does not know is still new (it is real
        money on the account); the caller adopts the order.
        """
        if fill.execution_id in self._executions:
            return False
        self._executions[fill.execution_id] = None
        if len(self._executions) > self._memory:
            del self._executions[next(iter(self._executions))]
        self.last_execution_id = fill.execution_id
        tracked = self._orders.get(fill.client_order_id)
        if tracked is not None:
            tracked.filled += fill.quantity
            tracked.filled_value += fill.quantity * fill.price
            tracked.updated = max(tracked.updated, fill.ts)
            if tracked.filled >= tracked.order.quantity:
                if not tracked.status.is_terminal:
                    tracked.status = OrderStatus.FILLED
            elif _RANK[tracked.status] < _RANK[OrderStatus.PARTIALLY_FILLED]:
                tracked.status = OrderStatus.PARTIALLY_FILLED
            self._moved(tracked)
        return True

    def forget_closed(self, keep: int) -> None:
        """Drop the oldest terminal orders beyond ``keep`` (memory stays bounded)."""
        while len(self._closed) > keep:
            _, cid = heapq.heappop(self._closed)
            del self._orders[cid], self._added[cid]

    # -- snapshot ----------------------------------------------------------------------

    def snapshot(self) -> BookSnapshot:
        return BookSnapshot(
            orders=tuple(msgspec.structs.replace(t) for t in self._orders.values()),
            executions=tuple(self._executions),
            last_execution_id=self.last_execution_id,
        )

    @classmethod
    def restore(cls, snapshot: BookSnapshot, execution_memory: int = 100_000) -> OrderBook:
        book = cls(execution_memory)
        for tracked in snapshot.orders:
            book._track(msgspec.structs.replace(tracked))
        book._executions = dict.fromkeys(snapshot.executions)
        book.last_execution_id = snapshot.last_execution_id
        return book

    def extend_executions(self, execution_ids: Iterable[str]) -> None:
        for execution_id in execution_ids:
            self._executions[execution_id] = None


def _backed(tracked: TrackedOrder, status: OrderStatus) -> OrderStatus:
    """``status`` as far as the order's booked executions back it."""
    if status is OrderStatus.FILLED and tracked.filled < tracked.order.quantity:
        return OrderStatus.PARTIALLY_FILLED if tracked.filled else OrderStatus.ACCEPTED
    if status is OrderStatus.PARTIALLY_FILLED and not tracked.filled:
        return OrderStatus.ACCEPTED
    return status
