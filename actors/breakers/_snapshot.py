"""What the breakers persist, so a trip stays latched across a restart.

Besides the latches it keeps what cannot be rebuilt from the next messages:
the consecutive-loss count with the open trades and the execution ids seen
(fills are not replayed to the breakers), and where reset breakers were
re-armed from. Windows of prices and equity are not kept: they refill
within minutes. Decoded with ``forbid_unknown_fields`` like any stored record.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import msgspec

from ._board import Latch
from ._trades import OpenTrade

__all__ = ["BreakerSnapshot"]


class BreakerSnapshot(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    ts: float
    latches: tuple[Latch, ...] = ()
    losers: int = 0
    open_trades: tuple[OpenTrade, ...] = ()
    executions: tuple[str, ...] = ()
    drawdown_peak: Decimal | None = None
    daily_session: dt.date | None = None
    daily_equity: Decimal | None = None
