"""Every account's ledger, and the portfolio figures across them.

The daemon may run several broker accounts; each has its own :class:`Ledger`
(a fill books into the ledger of ``Fill.account``), and a market price marks
them all. The published :class:`PortfolioUpdate` is the sum over accounts:
exact for the money figures, and for one account (the default) exactly that
account's. With several, ``peak_equity`` is the sum of the accounts' peaks,
so ``drawdown`` is the sum of their drawdowns: never understated.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final, final

from actors.messages import (
    AccountOpened,
    Fill,
    Instrument,
    LedgerSnapshot,
    PortfolioSnapshot,
    PortfolioUpdate,
    SessionCalendar,
)

from ._ledger import Ledger
from .errors import UnknownInstrument

__all__ = ["Accounts", "Record"]

Record = Fill | AccountOpened | LedgerSnapshot
"""What rebuilds the books: journal records, in journal order."""

ZERO: Final = Decimal(0)


@final
class Accounts:
    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        *,
        calendar: SessionCalendar,
        execution_memory: int,
    ) -> None:
        self._instruments = instruments
        self._calendar = calendar
        self._memory = execution_memory
        self._marks: dict[str, Decimal] = {}  # for ledgers that open later
        self.ledgers: dict[str, Ledger] = {}

    def ledger(self, account: str) -> Ledger:
        ledger = self.ledgers.get(account)
        if ledger is None:
            ledger = Ledger(account, calendar=self._calendar, execution_memory=self._memory)
            for symbol, price in self._marks.items():
                ledger.mark(symbol, price)
            self.ledgers[account] = ledger
        return ledger

    def apply(self, record: Record) -> bool:
        """Book one record; False when it changed nothing (a duplicate, a second opening)."""
        if isinstance(record, Fill):
            instrument = self._instruments.get(record.symbol)
            if instrument is None:
                raise UnknownInstrument(
                    f"fill {record.execution_id!r} is for {record.symbol!r}, "
                    "which has no instrument definition"
                )
            return self.ledger(record.account).apply_fill(record, instrument)
        if isinstance(record, AccountOpened):
            return self.ledger(record.account).open(record.cash, record.ts)
        self.ledgers[record.account] = Ledger.restore(
            record, calendar=self._calendar, execution_memory=self._memory
        )
        return True

    def mark(self, symbol: str, price: Decimal, ts: float) -> list[str]:
        """Mark every ledger; the accounts whose equity moved (they hold ``symbol``)."""
        self._marks[symbol] = price
        moved = []
        for account, ledger in self.ledgers.items():
            if ledger.mark(symbol, price, ts) and ledger.quantity(symbol):
                moved.append(account)
        return moved

    def roll(self, ts: float) -> None:
        for ledger in self.ledgers.values():
            ledger.roll(ts)

    def portfolio(self, ts: float) -> PortfolioUpdate:
        ledgers = list(self.ledgers.values())
        if len(ledgers) == 1:
            return ledgers[0].portfolio(ts)

        def total(name: str) -> Decimal:
            return sum((getattr(ledger, name) for ledger in ledgers), ZERO)

        return PortfolioUpdate(
            equity=total("equity"),
            cash=total("cash"),
            positions_value=total("positions_value"),
            position_count=sum(1 for ledger in ledgers for p in ledger.positions(ts) if p.quantity),
            realized_pnl=total("realized_pnl"),
            unrealized_pnl=total("unrealized_pnl"),
            commissions=total("commissions"),
            daily_pnl=total("daily_pnl"),
            total_pnl=total("total_pnl"),
            peak_equity=total("peak_equity"),
            drawdown=total("drawdown"),
            ts=ts,
        )

    def snapshot(self, ts: float) -> PortfolioSnapshot:
        return PortfolioSnapshot(
            portfolio=self.portfolio(ts),
            positions=tuple(p for ledger in self.ledgers.values() for p in ledger.positions(ts)),
            strategy_positions=tuple(
                p for ledger in self.ledgers.values() for p in ledger.strategy_positions(ts)
            ),
        )
