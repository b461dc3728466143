"""The portfolio ledger's journal records: the opening cash and ledger snapshots.

Fills are the ledger's other input (see ``_orders``). Replaying an account's
:class:`AccountOpened` and its fills in journal order rebuilds its ledger
exactly; a :class:`LedgerSnapshot` lets a rebuild start from a later point
(fills it already holds are recognised by execution id and skipped).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from runtime import Message

from ._instruments import Instrument

__all__ = ["AccountOpened", "LedgerPosition", "LedgerSnapshot"]


class AccountOpened(Message, frozen=True, tag="account_opened"):
    """An account's opening cash; only the first one per account counts."""

    account: str
    cash: Decimal
    ts: float


class LedgerPosition(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One position of a snapshot; ``strategy`` empty is the account's net position.

    ``cost`` is the signed money paid for the open quantity (price × quantity
    × multiplier); the average price is ``cost / (quantity × multiplier)``.
    """

    strategy: str
    symbol: str
    quantity: Decimal
    cost: Decimal
    realized_pnl: Decimal
    commissions: Decimal


class LedgerSnapshot(Message, frozen=True, tag="ledger_snapshot"):
    """Everything one account's ledger holds, to restore it exactly.

    ``executions`` are the remembered execution ids, oldest first.
    """

    account: str
    ts: float
    opened: bool
    opening_cash: Decimal
    cash: Decimal
    peak_equity: Decimal
    day_start_equity: Decimal
    session_close: float | None
    instruments: tuple[Instrument, ...]
    marks: dict[str, Decimal]
    positions: tuple[LedgerPosition, ...]
    executions: tuple[str, ...]
