"""RiskBook's running sums of open entry orders agree with summing the orders themselves.

The book keeps Σ remaining per symbol and Σ signed remaining per strategy as
updates arrive, so the limits checked on each signal do not walk every open
order. Whatever sequence of updates arrives (new orders, partial fills,
terminal statuses, updates for orders intended as exits, ones matching no
intent), the figures must equal those computed from the open orders.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from hypothesis import given
from hypothesis import strategies as st

from actors.messages import Instrument, InstrumentKind, OrderStatus, OrderUpdate, Side
from actors.risk._book import Intent, RiskBook

ACCOUNT = "acct"
INSTRUMENTS = {
    "AAPL": Instrument(symbol="AAPL"),
    "MES": Instrument(
        symbol="MES", kind=InstrumentKind.FUTURE, multiplier=Decimal(5), tick_size=Decimal("0.25")
    ),
}
SYMBOLS = sorted(INSTRUMENTS)
STRATEGIES = ("a", "b")
MARGIN = {"AAPL": Decimal(1), "MES": Decimal("0.1")}


def _book() -> RiskBook:
    book = RiskBook(ACCOUNT, INSTRUMENTS, trade_window=20, atr=14)
    book.last_trade.update({"AAPL": Decimal("187.25"), "MES": Decimal("5012.50")})
    book.net.update({"AAPL": Decimal(3)})
    return book


class Step(NamedTuple):
    number: int  # which order
    strategy: str
    symbol: str
    side: Side
    kind: str  # the intent risk sent: entry, exit, or none at all
    quantity: int
    filled: int
    status: OrderStatus


steps = st.builds(
    Step,
    st.integers(0, 5),
    st.sampled_from(STRATEGIES),
    st.sampled_from(SYMBOLS),
    st.sampled_from(Side),
    st.sampled_from(("entry", "exit", "none")),
    st.integers(1, 9),
    st.integers(0, 9),
    st.sampled_from(
        (
            OrderStatus.PENDING_SUBMIT,
            OrderStatus.ACCEPTED,
            OrderStatus.PARTIALLY_FILLED,
            OrderStatus.FILLED,
            OrderStatus.CANCELED,
        )
    ),
)


@given(st.lists(steps, max_size=40))
def test_entry_sums_match_the_open_orders(script: list[Step]) -> None:
    book = _book()
    terms: dict[int, tuple[str, str, Side, int]] = {}
    for number, strategy, symbol, side, kind, quantity, filled, status in script:
        # An order keeps its terms; later updates only move its fill and status.
        strategy, symbol, side, quantity = terms.setdefault(
            number, (strategy, symbol, side, quantity)
        )
        intent_id = f"i{number}"
        if kind != "none" and f"c{number}" not in book.orders:
            book.expect(
                Intent(
                    strategy=strategy,
                    symbol=symbol,
                    side=side,
                    quantity=Decimal(quantity),
                    kind=kind,
                    intent_id=intent_id,
                )
            )
        book.apply_order_update(
            OrderUpdate(
                client_order_id=f"c{number}",
                account=ACCOUNT,
                symbol=symbol,
                side=side,
                status=status,
                quantity=Decimal(quantity),
                filled_quantity=Decimal(min(filled, quantity)),
                ts=1.0,
                strategy=strategy,
                intent_id=intent_id,
            )
        )

        entries = list(book.open_entries())
        for symbol in SYMBOLS:
            expected: dict[str, Decimal] = {}
            for order in entries:
                if order.symbol == symbol:
                    signed = order.side.sign * order.remaining
                    expected[order.strategy] = expected.get(order.strategy, Decimal(0)) + signed
            assert book.intended(symbol) == expected
        notional = {s: INSTRUMENTS[s].notional(book.last_trade[s], Decimal(1)) for s in SYMBOLS}
        net = sum((abs(notional[s] * q) for s, q in book.net.items()), Decimal(0))
        assert book.gross_exposure() == net + sum(
            (notional[o.symbol] * o.remaining for o in entries), Decimal(0)
        )
        assert book.reserved(MARGIN) == sum(
            (notional[o.symbol] * o.remaining * MARGIN[o.symbol] for o in entries), Decimal(0)
        )


def test_a_repeated_report_of_a_closed_order_leaves_the_next_orders_intent_alone() -> None:
    """Two orders on the same terms: the first one's second FILLED must not take the second's."""
    book = _book()

    def intent(n: int, kind: str) -> Intent:
        return Intent(
            strategy="s",
            symbol="AAPL",
            side=Side.BUY,
            quantity=Decimal(1),
            kind=kind,
            intent_id=f"i{n}",
        )

    def update(n: int, status: OrderStatus) -> OrderUpdate:
        return OrderUpdate(
            client_order_id=f"c{n}",
            account=ACCOUNT,
            symbol="AAPL",
            side=Side.BUY,
            status=status,
            quantity=Decimal(1),
            filled_quantity=Decimal(1 if status is OrderStatus.FILLED else 0),
            ts=1.0,
            strategy="s",
            intent_id=f"i{n}",
        )

    first, second = intent(1, "entry"), intent(2, "exit")
    book.expect(first)
    book.expect(second)
    assert book.apply_order_update(update(1, OrderStatus.PENDING_SUBMIT)) == (
        book.orders["c1"],
        first,
    )
    for _ in range(2):  # the session's view, then the venue's own report
        closed = book.apply_order_update(update(1, OrderStatus.FILLED))
        assert closed is not None
        assert closed[0].client_order_id == "c1"
    opened = book.apply_order_update(update(2, OrderStatus.PENDING_SUBMIT))
    assert opened is not None
    assert (opened[0].kind, opened[1]) == ("exit", second)
    assert "c1" not in book.orders
