"""What risk publishes about its decisions, beside :class:`RiskRejected`.

Every signal, manual order, stop and rebalance risk handles ends in one
:class:`RiskDecision` (what it sent, leg by leg, and why) or in one
:class:`RiskRejected` per refused part, so an operator can always answer
"why did (or didn't) this trade happen?".
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from runtime import Message

from ._enums import Side

__all__ = ["RiskDecision", "RiskLeg"]


class RiskLeg(msgspec.Struct, frozen=True, kw_only=True):
    """One order risk sent (or a cancel it asked for) as part of a decision.

    ``purpose`` is ``entry``, ``exit`` (the strategy's own position),
    ``conflict_close`` (another strategy's opposing position, closed by the
    conflict policy), ``stop`` (a protective stop, placed or moved),
    ``cancel`` or ``rebalance``.
    """

    strategy: str
    side: Side
    quantity: Decimal
    purpose: str
    reduce_only: bool = False
    price: Decimal | None = None


class RiskDecision(Message, frozen=True, tag="risk_decision"):
    """An approved (possibly partly refused) signal, order, stop or rebalance."""

    signal_id: str
    strategy: str
    symbol: str
    legs: tuple[RiskLeg, ...]
    reason: str
    ts: float
    policy: str = ""
