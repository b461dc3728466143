"""``/api/accounts``: each broker account as the venue sees it, beside our own books.

The broker session answers :class:`AccountStatus` (the venue's positions and
cash, its journal's positions, the last reconciliation); the portfolio answers
its positions and cash. Putting them side by side, with every symbol where
they disagree listed, lets an operator see drift without reading logs. A part
whose owner did not answer is left empty and named in ``unavailable``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from actors.messages import AccountStatus, OpenOrders, PortfolioSnapshot

from ._envelope import fields_of

__all__ = ["account_view"]

_ZERO = Decimal(0)


def _differences(
    venue: dict[str, Decimal] | None,
    journal: dict[str, Decimal] | None,
    portfolio: dict[str, Decimal] | None,
) -> list[dict[str, Any]]:
    """Symbols where the known views disagree (a view that did not answer is not compared)."""
    views = {"venue": venue, "journal": journal, "portfolio": portfolio}
    known = {name: view for name, view in views.items() if view is not None}
    symbols = sorted({symbol for view in known.values() for symbol in view})
    found = []
    for symbol in symbols:
        quantities = {name: view.get(symbol, _ZERO) for name, view in known.items()}
        if len(set(quantities.values())) > 1:
            found.append({"symbol": symbol, **quantities})
    return found


def account_view(
    actor: str,
    actor_status: str,
    status: object,
    orders: object,
    snapshot: object,
    unavailable: dict[str, str],
) -> dict[str, Any]:
    """One account's entry; ``status``/``orders``/``snapshot`` are the answers or None."""
    account = actor.removeprefix("broker-")
    view: dict[str, Any] = {
        "account": account,
        "session": {"actor": actor, "status": actor_status, "ready": None},
        "open_orders": len(orders.orders) if isinstance(orders, OpenOrders) else None,
        "venue": None,
        "journal": None,
        "portfolio": None,
        "differences": [],
        "blocked_symbols": [],
        "last_reconciliation": None,
        "unavailable": unavailable,
    }
    venue = journal = held = None
    if isinstance(status, AccountStatus):
        venue, journal = status.venue_positions, status.journal_positions
        view["session"]["ready"] = status.ready
        view["venue"] = {"cash": status.venue_cash, "positions": venue}
        view["journal"] = {"positions": journal}
        view["blocked_symbols"] = list(status.blocked_symbols)
        report = status.last_reconciliation
        view["last_reconciliation"] = None if report is None else fields_of(report)
    if isinstance(snapshot, PortfolioSnapshot):
        held = {p.symbol: p.quantity for p in snapshot.positions if p.account == account}
        view["portfolio"] = {"cash": snapshot.portfolio.cash, "positions": held}
    view["differences"] = _differences(venue, journal, held)
    return view
