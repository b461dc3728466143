"""One account's books: cash, positions, P&L and equity, exact to the cent.

The ledger is pure and synchronous; the portfolio actor feeds it fills and
marks and publishes what it says. Its rules:

* **Cash.** A stock fill moves cash by its notional and its commission. A
  futures fill moves cash only by its commission and by the P&L it realizes:
  the notional of a future is never paid.
* **Equity is cash plus market value**, where a stock position is worth its
  notional at the mark and a futures position its unrealized P&L. Both are
  kept as running sums, updated by exact differences on every fill and mark,
  so ``cash + Σ market value == equity`` holds to the last digit, always.
* **Exact arithmetic.** Every change runs in a decimal context that traps
  ``Inexact``: a sum or product that could not be represented raises instead
  of rounding. The one division average cost needs is rounded to the cent on
  purpose (see :mod:`._position`).
* **Each execution is booked once.** Execution ids are remembered, bounded
  to ``execution_memory`` (a million by default; the oldest is forgotten
  first). The memory is a function of the fills in order, so replaying the
  same journal always forgets the same ids and gives the same books.
* **Sub-ledgers.** Every fill is also booked in its strategy's book
  (``Fill.strategy``; empty is ``"manual"``). The account's net quantity of a
  symbol is the sum of the strategies' quantities, and the strategies'
  realized plus unrealized P&L add up to the account's, exactly.
* **Days.** Daily P&L is equity minus the equity at the last session close
  (:class:`actors.messages.SessionCalendar`); the first event at or after a
  close rolls the day, so does :meth:`Ledger.roll` at the close itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Final, final

import msgspec

from actors.messages import (
    Fill,
    Instrument,
    LedgerPosition,
    LedgerSnapshot,
    PortfolioUpdate,
    PositionUpdate,
    SessionCalendar,
)

from ._position import ZERO, Position
from ._restore import check_snapshot
from .errors import InvalidFill

__all__ = ["MANUAL", "Ledger", "StrategyFigures"]

MANUAL: Final = "manual"
"""The book of fills that name no strategy (operator orders, adopted orders)."""

_EXACT: Final = Context(
    prec=60,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
)


class StrategyFigures(msgspec.Struct, frozen=True, kw_only=True):
    """One strategy's P&L over all its positions."""

    strategy: str
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    commissions: Decimal
    net_pnl: Decimal  # realized + unrealized - commissions


@final
class Ledger:
    """The books of one account (see the module docstring for the rules)."""

    def __init__(
        self,
        account: str,
        *,
        calendar: SessionCalendar | None = None,
        execution_memory: int = 1_000_000,
    ) -> None:
        if execution_memory < 1:
            raise ValueError(f"execution_memory must be at least 1, not {execution_memory}")
        self.account = account
        self.calendar = calendar if calendar is not None else SessionCalendar()
        self._memory = execution_memory
        self._executions: dict[str, None] = {}  # insertion-ordered set
        self._instruments: dict[str, Instrument] = {}
        self._marks: dict[str, Decimal] = {}
        self._net: dict[str, Position] = {}
        self._books: dict[str, dict[str, Position]] = {}  # strategy -> symbol -> position
        self._opened = False
        self._opening_cash = ZERO
        self._cash = ZERO
        self._value = ZERO  # Σ market value of the net positions
        self._unrealized = ZERO  # Σ unrealized P&L of the net positions
        self._realized = ZERO
        self._commissions = ZERO
        self._peak = ZERO
        self._day_start = ZERO
        self._close: float | None = None

    # -- figures ----------------------------------------------------------------------

    @property
    def opened(self) -> bool:
        return self._opened

    @property
    def cash(self) -> Decimal:
        return self._cash

    @property
    def positions_value(self) -> Decimal:
        return self._value

    @property
    def equity(self) -> Decimal:
        return self._cash + self._value

    @property
    def realized_pnl(self) -> Decimal:
        return self._realized

    @property
    def unrealized_pnl(self) -> Decimal:
        return self._unrealized

    @property
    def commissions(self) -> Decimal:
        return self._commissions

    @property
    def peak_equity(self) -> Decimal:
        return self._peak

    @property
    def drawdown(self) -> Decimal:
        """Money below the peak (divide by ``peak_equity`` for a fraction)."""
        return self._peak - self.equity

    @property
    def day_start_equity(self) -> Decimal:
        return self._day_start

    @property
    def daily_pnl(self) -> Decimal:
        return self.equity - self._day_start

    @property
    def total_pnl(self) -> Decimal:
        return self.equity - self._opening_cash

    @property
    def session_close(self) -> float | None:
        """The close that will roll the day next (None before the first event)."""
        return self._close

    def mark_of(self, symbol: str) -> Decimal | None:
        return self._marks.get(symbol)

    def quantity(self, symbol: str, strategy: str = "") -> Decimal:
        """The account's net quantity (``strategy=""``) or one strategy's."""
        position = self._find(symbol, strategy)
        return position.quantity if position is not None else ZERO

    def _find(self, symbol: str, strategy: str) -> Position | None:
        if strategy:
            return self._books.get(strategy, {}).get(symbol)
        return self._net.get(symbol)

    def strategies(self) -> list[str]:
        return list(self._books)

    def has_execution(self, execution_id: str) -> bool:
        return execution_id in self._executions

    # -- changes --------------------------------------------------------------------

    def open(self, cash: Decimal, ts: float) -> bool:
        """Book the opening cash; False when the account was already opened."""
        if self._opened:
            return False
        if not cash.is_finite():
            raise ValueError(f"account {self.account!r}: opening cash {cash} is not a number")
        with localcontext(_EXACT):
            self._roll(ts)
            self._opened = True
            self._opening_cash = cash
            self._cash += cash
            self._day_start += cash
            self._peak += cash  # a deposit is not a gain: the drawdown stays what it was
        return True

    def apply_fill(self, fill: Fill, instrument: Instrument) -> bool:
        """Book one execution; False when its execution id was booked already."""
        if fill.execution_id in self._executions:
            return False
        self._check(fill, instrument)
        symbol = fill.symbol
        with localcontext(_EXACT):
            self._roll(fill.ts)
            executions = self._executions
            executions[fill.execution_id] = None
            if len(executions) > self._memory:
                del executions[next(iter(executions))]
            if symbol not in self._instruments:
                self._instruments[symbol] = instrument
            mark = self._marks.get(symbol)
            if mark is None:  # no market price yet: the fill is the best one known
                mark = self._marks[symbol] = fill.price
            net = self._net.get(symbol)
            if net is None:
                net = self._net[symbol] = Position(instrument)
            value, unrealized = net.market_value(mark), net.unrealized(mark)
            delta = fill.quantity if fill.side.sign > 0 else -fill.quantity
            realized = net.trade(delta, fill.price)
            commission = fill.commission
            net.commissions += commission
            self._value += net.market_value(mark) - value
            self._unrealized += net.unrealized(mark) - unrealized
            self._realized += realized
            self._commissions += commission
            if net.future:
                self._cash += realized - commission
            else:
                self._cash -= delta * fill.price * instrument.multiplier + commission
            book = self._books.get(fill.strategy or MANUAL)
            if book is None:
                book = self._books[fill.strategy or MANUAL] = {}
            sub = book.get(symbol)
            if sub is None:
                sub = book[symbol] = Position(instrument)
            sub.trade(delta, fill.price)
            sub.commissions += commission
            equity = self._cash + self._value
            if equity > self._peak:
                self._peak = equity
        return True

    def mark(self, symbol: str, price: Decimal, ts: float | None = None) -> bool:
        """Set the market price of ``symbol``; True when it changed.

        ``ts`` (the price's time) rolls the day when it is past the close.
        """
        if not price.is_finite():
            raise ValueError(f"mark {price} for {symbol!r} is not a number")
        with localcontext(_EXACT):
            if ts is not None:
                self._roll(ts)
            old = self._marks.get(symbol)
            if old == price:
                return False
            self._marks[symbol] = price
            net = self._net.get(symbol)
            if net is not None and net.quantity and old is not None:
                change = net.quantity * net.instrument.multiplier * (price - old)
                self._value += change
                self._unrealized += change
                equity = self._cash + self._value
                if equity > self._peak:
                    self._peak = equity
        return True

    def roll(self, ts: float) -> bool:
        """Start a new day if ``ts`` is at or past the session close; True when it did."""
        with localcontext(_EXACT):
            return self._roll(ts)

    def _roll(self, ts: float) -> bool:
        close = self._close
        if close is not None and ts < close:
            return False
        self._close = self.calendar.session_close(ts)
        if close is None:
            return False
        self._day_start = self._cash + self._value
        return True

    def _check(self, fill: Fill, instrument: Instrument) -> None:
        where = f"fill {fill.execution_id!r}"
        if fill.account != self.account:
            raise InvalidFill(f"{where} is for account {fill.account!r}, not {self.account!r}")
        if fill.symbol != instrument.symbol:
            raise InvalidFill(f"{where} is for {fill.symbol!r}, priced as {instrument.symbol!r}")
        for name in ("quantity", "price", "commission"):
            value: Decimal = getattr(fill, name)
            if not value.is_finite():
                raise InvalidFill(f"{where}: {name} {value} is not a number")
        if fill.quantity <= 0:
            raise InvalidFill(f"{where}: quantity must be positive, not {fill.quantity}")
        known = self._instruments.get(fill.symbol)
        if known is not None and known != instrument:
            raise InvalidFill(
                f"{where}: {fill.symbol!r} was booked as {known}, now given as {instrument}"
            )

    # -- views ------------------------------------------------------------------------

    def portfolio(self, ts: float) -> PortfolioUpdate:
        return PortfolioUpdate(
            equity=self.equity,
            cash=self._cash,
            positions_value=self._value,
            position_count=sum(1 for p in self._net.values() if p.quantity),
            realized_pnl=self._realized,
            unrealized_pnl=self._unrealized,
            commissions=self._commissions,
            daily_pnl=self.daily_pnl,
            total_pnl=self.total_pnl,
            peak_equity=self._peak,
            drawdown=self.drawdown,
            ts=ts,
        )

    def position(self, symbol: str, ts: float, strategy: str = "") -> PositionUpdate | None:
        """The account's net position (``strategy=""``) or one strategy's, if ever traded."""
        position = self._find(symbol, strategy)
        if position is None:
            return None
        return self._view(symbol, strategy, position, ts)

    def positions(self, ts: float) -> list[PositionUpdate]:
        """The account's net positions, every symbol ever traded."""
        return [self._view(symbol, "", p, ts) for symbol, p in self._net.items()]

    def strategy_positions(self, ts: float) -> list[PositionUpdate]:
        return [
            self._view(symbol, strategy, p, ts)
            for strategy, book in self._books.items()
            for symbol, p in book.items()
        ]

    def strategy_figures(self, strategy: str) -> StrategyFigures:
        realized = unrealized = commissions = ZERO
        for symbol, p in self._books.get(strategy, {}).items():
            realized += p.realized
            unrealized += p.unrealized(self._marks[symbol])
            commissions += p.commissions
        return StrategyFigures(
            strategy=strategy,
            realized_pnl=realized,
            unrealized_pnl=unrealized,
            commissions=commissions,
            net_pnl=realized + unrealized - commissions,
        )

    def _view(self, symbol: str, strategy: str, p: Position, ts: float) -> PositionUpdate:
        mark = self._marks[symbol]
        return PositionUpdate(
            account=self.account,
            symbol=symbol,
            quantity=p.quantity,
            average_price=p.average_price(),
            market_price=mark,
            market_value=p.market_value(mark),
            unrealized_pnl=p.unrealized(mark),
            realized_pnl=p.realized,
            ts=ts,
            strategy=strategy,
        )

    # -- snapshots ----------------------------------------------------------------------

    def snapshot(self, ts: float) -> LedgerSnapshot:
        return LedgerSnapshot(
            account=self.account,
            ts=ts,
            opened=self._opened,
            opening_cash=self._opening_cash,
            cash=self._cash,
            peak_equity=self._peak,
            day_start_equity=self._day_start,
            session_close=self._close,
            instruments=tuple(self._instruments.values()),
            marks=dict(self._marks),
            positions=tuple(self._stored()),
            executions=tuple(self._executions),
        )

    def _stored(self) -> Iterator[LedgerPosition]:
        books = [("", self._net), *self._books.items()]
        for strategy, book in books:
            for symbol, p in book.items():
                yield LedgerPosition(
                    strategy=strategy,
                    symbol=symbol,
                    quantity=p.quantity,
                    cost=p.cost,
                    realized_pnl=p.realized,
                    commissions=p.commissions,
                )

    @classmethod
    def restore(
        cls,
        snapshot: LedgerSnapshot,
        *,
        calendar: SessionCalendar | None = None,
        execution_memory: int = 1_000_000,
    ) -> Ledger:
        """The ledger a snapshot describes; :class:`CorruptSnapshot` when it does not add up."""
        check_snapshot(snapshot)
        ledger = cls(snapshot.account, calendar=calendar, execution_memory=execution_memory)
        ledger._instruments = {i.symbol: i for i in snapshot.instruments}
        ledger._marks = dict(snapshot.marks)
        for stored in snapshot.positions:
            position = Position(ledger._instruments[stored.symbol])
            position.quantity = stored.quantity
            position.cost = stored.cost
            position.realized = stored.realized_pnl
            position.commissions = stored.commissions
            if stored.strategy:
                ledger._books.setdefault(stored.strategy, {})[stored.symbol] = position
            else:
                ledger._net[stored.symbol] = position
        with localcontext(_EXACT):
            for symbol, p in ledger._net.items():
                mark = ledger._marks[symbol]
                ledger._value += p.market_value(mark)
                ledger._unrealized += p.unrealized(mark)
                ledger._realized += p.realized
                ledger._commissions += p.commissions
        ledger._opened = snapshot.opened
        ledger._opening_cash = snapshot.opening_cash
        ledger._cash = snapshot.cash
        ledger._peak = snapshot.peak_equity
        ledger._day_start = snapshot.day_start_equity
        ledger._close = snapshot.session_close
        kept = snapshot.executions[-execution_memory:]
        ledger._executions = dict.fromkeys(kept)
        return ledger
