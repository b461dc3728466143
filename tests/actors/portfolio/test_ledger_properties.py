"""Random fills and marks against an independent model in exact fractions.

The model below shares no code with the ledger: it keeps every figure as a
``Fraction`` and writes the average-cost rule out on its own (a reduce
releases the closed share of the cost, rounded half-even to the cent; a full
close releases all of it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from actors.messages import Fill, Instrument, InstrumentKind, LedgerSnapshot, Side
from actors.portfolio import Ledger
from actors.portfolio._ledger import _EXACT
from actors.portfolio._position import release

from ._fills import INSTRUMENTS, T0, fill

OPENING = Fraction(100_000)
STRATEGIES = ["", "trend", "revert"]


@dataclass
class RefPosition:
    quantity: Fraction = Fraction(0)
    cost: Fraction = Fraction(0)
    realized: Fraction = Fraction(0)


def _sign(x: Fraction) -> int:
    return (x > 0) - (x < 0)


def _trade(p: RefPosition, change: Fraction, price: Fraction, multiplier: Fraction) -> Fraction:
    """The realized P&L of moving ``p`` by ``change`` units at ``price``."""
    if p.quantity == 0 or _sign(p.quantity) == _sign(change):
        p.quantity += change
        p.cost += change * price * multiplier
        return Fraction(0)
    closing = min(abs(change), abs(p.quantity))
    if closing == abs(p.quantity):
        released = p.cost
    else:
        released = round(p.cost * closing / abs(p.quantity), 2)
    realized = _sign(p.quantity) * closing * price * multiplier - released
    p.cost -= released
    p.quantity += _sign(change) * closing
    left = abs(change) - closing
    if left:
        p.quantity = _sign(change) * left
        p.cost = p.quantity * price * multiplier
    p.realized += realized
    return realized


class Model:
    def __init__(self) -> None:
        self.cash = OPENING
        self.peak = OPENING
        self.commissions = Fraction(0)
        self.marks: dict[str, Fraction] = {}
        self.net: dict[str, RefPosition] = {}
        self.subs: dict[tuple[str, str], RefPosition] = {}
        self.seen: set[str] = set()

    def value(self, symbol: str, p: RefPosition) -> Fraction:
        i = INSTRUMENTS[symbol]
        notional = p.quantity * self.marks[symbol] * Fraction(i.multiplier)
        return notional - p.cost if i.kind is InstrumentKind.FUTURE else notional

    def unrealized(self, symbol: str, p: RefPosition) -> Fraction:
        i = INSTRUMENTS[symbol]
        return p.quantity * self.marks[symbol] * Fraction(i.multiplier) - p.cost

    @property
    def equity(self) -> Fraction:
        return self.cash + sum((self.value(s, p) for s, p in self.net.items()), Fraction(0))

    def fill(self, f: Fill) -> bool:
        if f.execution_id in self.seen:
            return False
        self.seen.add(f.execution_id)
        i = INSTRUMENTS[f.symbol]
        m, price, q = Fraction(i.multiplier), Fraction(f.price), Fraction(f.quantity)
        change = q if f.side is Side.BUY else -q
        self.marks.setdefault(f.symbol, price)
        realized = _trade(self.net.setdefault(f.symbol, RefPosition()), change, price, m)
        sub = self.subs.setdefault((f.strategy or "manual", f.symbol), RefPosition())
        _trade(sub, change, price, m)
        commission = Fraction(f.commission)
        self.commissions += commission
        if i.kind is InstrumentKind.FUTURE:
            self.cash += realized - commission
        else:
            self.cash -= change * price * m + commission
        self.peak = max(self.peak, self.equity)
        return True

    def mark(self, symbol: str, price: Fraction) -> None:
        self.marks[symbol] = price
        self.peak = max(self.peak, self.equity)


@dataclass(frozen=True)
class FillEvent:
    symbol: str
    side: Side
    lots: int
    ticks: int
    cents: int
    strategy: str

    def build(self, n: int) -> Fill:
        i: Instrument = INSTRUMENTS[self.symbol]
        price = i.tick_size * (2000 + self.ticks)  # never below 20.00
        quantity = self.lots * i.lot_size
        commission = Decimal(self.cents) / 100
        return fill(
            f"E{n}", self.symbol, self.side, str(quantity), str(price), str(commission),
            strategy=self.strategy,
        )  # fmt: skip


@dataclass(frozen=True)
class MarkEvent:
    symbol: str
    ticks: int

    @property
    def price(self) -> Decimal:
        return INSTRUMENTS[self.symbol].tick_size * (2000 + self.ticks)


@dataclass(frozen=True)
class Duplicate:
    pick: int


_symbols = st.sampled_from(sorted(INSTRUMENTS))
_ticks = st.integers(1, 4000)
_fills = st.builds(
    FillEvent,
    symbol=_symbols,
    side=st.sampled_from(list(Side)),
    lots=st.integers(1, 40),
    ticks=_ticks,
    cents=st.integers(0, 300),
    strategy=st.sampled_from(STRATEGIES),
)
_events = st.lists(
    st.one_of(
        _fills,
        _fills,
        st.builds(MarkEvent, symbol=_symbols, ticks=_ticks),
        st.builds(Duplicate, pick=st.integers(0, 1000)),
    ),
    max_size=60,
)


def _check_against(ledger: Ledger, model: Model) -> None:
    # (a) cash + Σ market value of the positions, each valued on its own, is equity
    positions = ledger.positions(T0)
    assert ledger.cash + sum(p.market_value for p in positions) == ledger.equity
    update = ledger.portfolio(T0)
    assert update.cash + update.positions_value == update.equity
    assert update.total_pnl == update.realized_pnl + update.unrealized_pnl - update.commissions
    # (b) every figure equals the fraction model's
    assert Fraction(ledger.cash) == model.cash
    assert Fraction(ledger.equity) == model.equity
    assert Fraction(ledger.peak_equity) == model.peak
    assert Fraction(ledger.commissions) == model.commissions
    assert Fraction(ledger.realized_pnl) == sum(
        (p.realized for p in model.net.values()), Fraction(0)
    )
    stored = {(p.strategy, p.symbol): p for p in ledger.snapshot(T0).positions}
    expected = {("", s): p for s, p in model.net.items()} | model.subs
    assert stored.keys() == expected.keys()
    for key, p in expected.items():
        got = stored[key]
        assert (Fraction(got.quantity), Fraction(got.cost), Fraction(got.realized_pnl)) == (
            p.quantity,
            p.cost,
            p.realized,
        ), key
    for view in positions:
        p = model.net[view.symbol]
        assert Fraction(view.unrealized_pnl) == model.unrealized(view.symbol, p)
        # the strategies' quantities sum to the net; their P&L sums to the net's, exactly
        subs = [s for s in ledger.strategy_positions(T0) if s.symbol == view.symbol]
        assert sum(s.quantity for s in subs) == view.quantity
        assert sum(s.realized_pnl + s.unrealized_pnl for s in subs) == (
            view.realized_pnl + view.unrealized_pnl
        )


@given(events=_events, seed=st.integers(0, 2**32 - 1))
def test_random_fills_and_marks_match_the_fraction_model(
    events: list[FillEvent | MarkEvent | Duplicate], seed: int
) -> None:
    ledger, model = Ledger("paper"), Model()
    assert ledger.open(Decimal(OPENING.numerator), T0)
    booked: list[Fill] = []
    journal: list[Fill | tuple[str, Decimal]] = []  # what was applied, in order
    for n, event in enumerate(events):
        if isinstance(event, MarkEvent):
            ledger.mark(event.symbol, event.price)
            model.mark(event.symbol, Fraction(event.price))
            journal.append((event.symbol, event.price))
            _check_against(ledger, model)
            continue
        if isinstance(event, FillEvent):
            f = event.build(n)
        elif booked:
            f = booked[event.pick % len(booked)]
        else:
            continue
        new = model.fill(f)
        assert ledger.apply_fill(f, INSTRUMENTS[f.symbol]) is new
        if new:
            booked.append(f)
        journal.append(f)
        _check_against(ledger, model)

    final = ledger.snapshot(T0)
    # (c) a rebuild from the same records, duplicates moved elsewhere, is identical
    rng = random.Random(seed)
    unique: list[Fill | tuple[str, Decimal]] = []
    seen: set[str] = set()
    for record in journal:
        if isinstance(record, Fill):
            if record.execution_id in seen:
                continue
            seen.add(record.execution_id)
        unique.append(record)
    replay = list(unique)
    for f in booked:
        first = next(n for n, r in enumerate(replay) if r is f)
        replay.insert(rng.randint(first + 1, len(replay)), f)
    rebuilt = Ledger("paper")
    rebuilt.open(Decimal(OPENING.numerator), T0)
    for record in replay:
        if isinstance(record, Fill):
            rebuilt.apply_fill(record, INSTRUMENTS[record.symbol])
        else:
            rebuilt.mark(record[0], record[1])
    assert rebuilt.snapshot(T0) == final
    # from the fills alone and the last marks, the books are the same (the peak saw less)
    from_fills = Ledger("paper")
    from_fills.open(Decimal(OPENING.numerator), T0)
    for f in booked:
        from_fills.apply_fill(f, INSTRUMENTS[f.symbol])
    for symbol, price in final.marks.items():
        from_fills.mark(symbol, price)
    same_peak = msgspec.structs.replace(from_fills.snapshot(T0), peak_equity=final.peak_equity)
    assert same_peak == final
    # and a snapshot through the wire restores the same ledger
    wire = msgspec.msgpack.encode(final)
    restored = Ledger.restore(msgspec.msgpack.decode(wire, type=LedgerSnapshot))
    assert restored.snapshot(T0) == final
    assert restored.portfolio(T0) == ledger.portfolio(T0)


_amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False)
_sizes = st.decimals(min_value=Decimal("0.01"), max_value=10**5, places=2)


@given(cost=_amounts, closed=_sizes, held=_sizes, short=st.booleans())
def test_a_released_cost_is_the_exact_quotient_rounded_half_even(
    cost: Decimal, closed: Decimal, held: Decimal, short: bool
) -> None:
    with localcontext(_EXACT):
        got = release(cost, closed, -held if short else held)
    exact = Fraction(cost) * Fraction(closed) / Fraction(-held if short else held)
    assert Fraction(got) == round(exact, 2)


def test_a_released_cost_on_a_half_cent_goes_to_the_even_cent() -> None:
    with localcontext(_EXACT):
        assert release(Decimal("0.05"), Decimal(1), Decimal(2)) == Decimal("0.02")
        assert release(Decimal("0.07"), Decimal(1), Decimal(2)) == Decimal("0.04")
        assert release(Decimal("-0.07"), Decimal(1), Decimal(-2)) == Decimal("0.04")
