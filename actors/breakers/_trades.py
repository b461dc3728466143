"""Consecutive losing trades, derived from fills.

A trade is one position of a strategy in a symbol (per account) from flat
back to flat. It closes when the position returns to zero, or flips: then
the fill's closing part ends the trade and its rest opens the next one,
with the commission split in proportion. Its P&L is the cash it moved
(sells minus buys, minus commissions): a loss when below zero. Fills are
counted once by execution id, so a duplicated fill (a venue's resend, a
replay) never moves a position twice or closes a trade twice.

The sign of a trade's P&L does not depend on the contract multiplier, so the
breaker needs no instrument data; the figures give the P&L in price points
× quantity.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal
from typing import Final

import msgspec

from actors.messages import Fill

from ._config import ConsecutiveLossesConfig
from ._level import Breaker, Change

__all__ = ["ConsecutiveLosses", "OpenTrade"]

ZERO: Final = Decimal(0)
REMEMBERED: Final = 100_000  # execution ids kept for de-duplication


class OpenTrade(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A trade not yet closed: its position and the cash it has moved so far."""

    account: str
    strategy: str
    symbol: str
    quantity: Decimal = ZERO
    cash: Decimal = ZERO


class ConsecutiveLosses(Breaker):
    kind = "consecutive_losses"

    def __init__(self, config: ConsecutiveLossesConfig) -> None:
        super().__init__(config, config.threshold)
        self.losers = 0
        self.trades: dict[tuple[str, str, str], OpenTrade] = {}
        self.seen: OrderedDict[str, None] = OrderedDict()

    def restore(self, losers: int, trades: list[OpenTrade], seen: list[str]) -> None:
        self.losers = losers
        self.trades = {(t.account, t.strategy, t.symbol): t for t in trades}
        self.seen = OrderedDict.fromkeys(seen[-REMEMBERED:])

    def observe(self, fill: Fill) -> tuple[bool, Change | None]:
        """Book ``fill``; (whether it was new, the level change if any)."""
        if fill.execution_id in self.seen:
            return False, None
        self.seen[fill.execution_id] = None
        if len(self.seen) > REMEMBERED:
            self.seen.popitem(last=False)
        key = (fill.account, fill.strategy, fill.symbol)
        trade = self.trades.get(key)
        if trade is None:
            trade = self.trades[key] = OpenTrade(
                account=fill.account, strategy=fill.strategy, symbol=fill.symbol
            )
        delta = fill.side.sign * fill.quantity
        before = trade.quantity
        after = before + delta
        closes = before != 0 and (after == 0 or (after > 0) != (before > 0))
        if not closes:
            trade.quantity = after
            trade.cash += -delta * fill.price - fill.commission
            return True, None
        closing = abs(before)  # the part of the fill that brings the position to zero
        share = fill.commission * closing / fill.quantity
        pnl = trade.cash + before * fill.price - share
        rest = after
        if rest == 0:
            del self.trades[key]
        else:
            trade.quantity = rest
            trade.cash = -rest * fill.price - (fill.commission - share)
        return True, self._closed(fill, pnl)

    def _closed(self, fill: Fill, pnl: Decimal) -> Change | None:
        self.losers = self.losers + 1 if pnl < 0 else 0
        return self._assess(
            Decimal(self.losers),
            self.threshold,
            ts=fill.ts,
            reason=f"{self.losers} losing trades in a row (limit {self.threshold}); "
            f"last {fill.strategy or '-'} {fill.symbol} {pnl}",
            figures={
                "losers": str(self.losers),
                "threshold": str(self.threshold),
                "last_pnl": str(pnl),
                "last_symbol": fill.symbol,
                "last_strategy": fill.strategy,
                "last_account": fill.account,
            },
        )

    def _rebase(self, symbol: str | None) -> None:
        self.losers = 0
