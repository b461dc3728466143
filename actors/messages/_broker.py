"""What a broker session reports about its account beyond orders and fills."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from runtime import Message

__all__ = [
    "AccountStatus",
    "BrokerRequestFailed",
    "GetAccount",
    "PositionDifference",
    "ReconciliationReport",
]


class PositionDifference(msgspec.Struct, frozen=True, kw_only=True):
    """A symbol where the venue and our journal disagree (signed quantities)."""

    symbol: str
    journal: Decimal
    venue: Decimal


class ReconciliationReport(Message, frozen=True, tag="reconciliation_report"):
    """What a session found when it compared the venue with its journal.

    ``ok`` is False when anything had to be adopted or differs: each such
    finding is also published as an :class:`~actors.messages.Alert`.
    """

    account: str
    ts: float
    ok: bool
    resolved: tuple[str, ...] = ()
    adopted: tuple[str, ...] = ()
    missing_fills: tuple[str, ...] = ()
    differences: tuple[PositionDifference, ...] = ()
    venue_cash: Decimal | None = None
    # The last execution id of the venue's own list this pass read: the next
    # pass asks for fills after it (stream fills may arrive out of order, so
    # they never move this cursor).
    fills_cursor: str | None = None


class BrokerRequestFailed(Message, frozen=True, tag="broker_request_failed"):
    """A request to the venue failed (the error-rate breaker counts these)."""

    account: str
    operation: str
    error: str
    ts: float


class GetAccount(Message, frozen=True, tag="get_account"):
    pass


class AccountStatus(Message, frozen=True, tag="account_status"):
    """The venue's own view of the account beside what the session tracks."""

    account: str
    ready: bool
    venue_positions: dict[str, Decimal]
    journal_positions: dict[str, Decimal]
    venue_cash: Decimal | None
    last_reconciliation: ReconciliationReport | None
    blocked_symbols: tuple[str, ...]
