"""The order book: forward-only statuses and exactly-once executions."""

from __future__ import annotations

from decimal import Decimal

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from actors.broker import OrderBook
from actors.messages import Fill, Order, OrderStatus, OrderUpdate, Side

ORDER = Order(
    client_order_id="paper-0000000001",
    account="paper",
    symbol="AAPL",
    side=Side.BUY,
    quantity=Decimal(10),
)


def _update(status: OrderStatus, ts: float = 1.0) -> OrderUpdate:
    return OrderUpdate(
        client_order_id=ORDER.client_order_id,
        account="paper",
        symbol="AAPL",
        side=Side.BUY,
        status=status,
        quantity=Decimal(10),
        filled_quantity=Decimal(0),
        ts=ts,
        venue_order_id="V1",
    )


def _fill(execution_id: str, quantity: int, price: str) -> Fill:
    return Fill(
        execution_id=execution_id,
        client_order_id=ORDER.client_order_id,
        account="paper",
        symbol="AAPL",
        side=Side.BUY,
        quantity=Decimal(quantity),
        price=Decimal(price),
        commission=Decimal("1"),
        ts=2.0,
    )


def test_stale_and_repeated_updates_never_move_an_order_back() -> None:
    book = OrderBook()
    book.add(ORDER, 0.0)
    assert book.apply_update(_update(OrderStatus.ACCEPTED))
    assert not book.apply_update(_update(OrderStatus.ACCEPTED))  # a repeat
    assert not book.apply_update(_update(OrderStatus.SUBMITTED))  # arrived late
    assert book.apply_update(_update(OrderStatus.CANCELED))
    assert not book.apply_update(_update(OrderStatus.PARTIALLY_FILLED))  # terminal is final
    tracked = book.get(ORDER.client_order_id)
    assert tracked is not None
    assert tracked.status is OrderStatus.CANCELED


def test_fills_are_booked_once_and_set_quantity_and_average() -> None:
    book = OrderBook()
    book.add(ORDER, 0.0)
    assert book.apply_fill(_fill("E1", 4, "100.00"))
    assert not book.apply_fill(_fill("E1", 4, "100.00"))
    assert book.apply_fill(_fill("E2", 6, "101.00"))
    tracked = book.get(ORDER.client_order_id)
    assert tracked is not None
    assert tracked.status is OrderStatus.FILLED
    # (4 × 100 + 6 × 101) / 10 = 100.6
    assert (tracked.filled, tracked.average_price) == (Decimal(10), Decimal("100.6"))


def test_a_fill_status_counts_only_as_far_as_the_booked_executions() -> None:
    book = OrderBook()
    tracked = book.add(ORDER, 0.0)
    statuses = []
    assert book.apply_update(_update(OrderStatus.FILLED))  # the answer beat the fill
    statuses.append(tracked.status)
    assert book.open_orders() == [tracked]
    assert not book.apply_update(_update(OrderStatus.PARTIALLY_FILLED))
    book.apply_fill(_fill("E1", 4, "100.00"))
    statuses.append(tracked.status)
    assert not book.apply_update(_update(OrderStatus.FILLED))  # 4 of 10 booked
    book.apply_fill(_fill("E2", 6, "100.00"))
    statuses.append(tracked.status)
    assert statuses == [
        OrderStatus.ACCEPTED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
    ]
    assert book.open_orders() == []


def test_a_fill_status_as_reported_is_taken_without_executions() -> None:
    book = OrderBook()
    tracked = book.add(ORDER, 0.0)
    assert book.apply_update(_update(OrderStatus.FILLED), as_reported=True)
    assert (tracked.status, tracked.filled) == (OrderStatus.FILLED, Decimal(0))


def test_a_fill_after_a_cancel_is_still_booked() -> None:
    book = OrderBook()
    book.add(ORDER, 0.0)
    book.apply_update(_update(OrderStatus.CANCELED))
    assert book.apply_fill(_fill("E1", 3, "99.50"))
    tracked = book.get(ORDER.client_order_id)
    assert tracked is not None
    assert (tracked.status, tracked.filled) == (OrderStatus.CANCELED, Decimal(3))


def test_a_fill_for_an_unknown_order_is_new_money() -> None:
    book = OrderBook()
    assert book.apply_fill(_fill("E9", 1, "50"))
    assert book.last_execution_id == "E9"


def test_unknown_is_resolved_by_whatever_the_venue_says() -> None:
    book = OrderBook()
    book.add(ORDER, 0.0)
    book.mark(ORDER.client_order_id, OrderStatus.UNKNOWN, 1.0, "submit timed out")
    assert [t.order.symbol for t in book.unresolved()] == ["AAPL"]
    assert book.apply_update(_update(OrderStatus.SUBMITTED))
    assert book.unresolved() == []


def test_execution_memory_is_bounded() -> None:
    book = OrderBook(execution_memory=2)
    for n in range(3):
        book.apply_fill(_fill(f"E{n}", 1, "1"))
    assert not book.has_execution("E0")
    assert book.has_execution("E1")
    assert book.has_execution("E2")


statuses = st.sampled_from(list(OrderStatus))


@given(
    events=st.lists(
        st.one_of(
            st.tuples(st.just("update"), statuses),
            st.tuples(st.just("fill"), st.integers(0, 5)),
        ),
        max_size=30,
    )
)
def test_any_event_order_gives_exactly_once_fills_and_a_forward_only_status(
    events: list[tuple[str, object]],
) -> None:
    book = OrderBook()
    book.add(ORDER, 0.0)
    booked: set[int] = set()
    was_terminal = False
    for kind, value in events:
        if kind == "update":
            assert isinstance(value, OrderStatus)
            book.apply_update(_update(value))
        else:
            assert isinstance(value, int)
            assert book.apply_fill(_fill(f"E{value}", 1, "10")) == (value not in booked)
            booked.add(value)
        tracked = book.get(ORDER.client_order_id)
        assert tracked is not None
        assert tracked.filled == len(booked)
        if was_terminal:
            assert tracked.status.is_terminal
        was_terminal = tracked.status.is_terminal
    restored = OrderBook.restore(
        msgspec.msgpack.decode(msgspec.msgpack.encode(book.snapshot()), type=type(book.snapshot()))
    )
    assert restored.snapshot() == book.snapshot()


# What happens to order n in one step of a book's life.
_step = st.tuples(
    st.integers(0, 7),
    st.sampled_from(("add", "mark", "update", "fill", "forget", "restore")),
    st.sampled_from(list(OrderStatus)),
    st.integers(0, 3),  # quantity filled, or orders kept by a forget
)


@given(st.lists(_step, max_size=60))
def test_open_orders_and_forgetting_follow_the_statuses(
    steps: list[tuple[int, str, OrderStatus, int]],
) -> None:
    """The book's indexes agree with a walk over every order it holds.

    Open orders come in the order they were added; forgetting drops the
    oldest-added closed orders beyond ``keep``; a snapshot restores both.
    """
    book = OrderBook()
    added: list[str] = []  # every order ever added, oldest first
    executions = 0
    for n, action, status, amount in steps:
        cid = f"paper-{n:010d}"
        symbol = ("AAPL", "MSFT")[n % 2]
        if cid not in book and action not in ("forget", "restore"):
            if cid not in added:  # a forgotten order is gone for good: its id is never reused
                book.add(msgspec.structs.replace(ORDER, client_order_id=cid, symbol=symbol), 1.0)
                added.append(cid)
        elif action == "mark":
            book.mark(cid, status, 2.0)
        elif action == "update":
            book.apply_update(
                msgspec.structs.replace(_update(status, ts=2.0), client_order_id=cid, symbol=symbol)
            )
        elif action == "fill":
            executions += 1
            book.apply_fill(
                msgspec.structs.replace(
                    _fill(f"P-{executions}", amount + 1, "100"), client_order_id=cid, symbol=symbol
                )
            )
        elif action == "forget":
            held = [t.order.client_order_id for t in book]
            closed = [t.order.client_order_id for t in book if t.status.is_terminal]
            gone = set(closed[: max(0, len(closed) - amount)])
            book.forget_closed(amount)
            assert [t.order.client_order_id for t in book] == [c for c in held if c not in gone]
        elif action == "restore":
            book = OrderBook.restore(book.snapshot())
        walked = [t for t in book if t.status.is_open]
        assert book.open_orders() == walked
        assert book.open_orders("MSFT") == [t for t in walked if t.order.symbol == "MSFT"]
        assert [t.order.client_order_id for t in book] == [c for c in added if c in book]
