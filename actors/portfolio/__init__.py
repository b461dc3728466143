"""The portfolio: cash, positions, P&L and equity of every account, exact to the cent.

:class:`Ledger` keeps one account's books (pure and synchronous);
:func:`portfolio_actor` rebuilds the ledgers from the journal's latest snapshot
and the records after it on every start,
books fills once, marks positions to market and publishes what changed.
"""

from ._accounts import Accounts as Accounts
from ._accounts import Record as Record
from ._actor import PORTFOLIO_SUBSCRIPTIONS as PORTFOLIO_SUBSCRIPTIONS
from ._actor import portfolio_actor as portfolio_actor
from ._history import History as History
from ._history import LoadHistory as LoadHistory
from ._history import SaveSnapshot as SaveSnapshot
from ._history import compact as compact
from ._ledger import MANUAL as MANUAL
from ._ledger import Ledger as Ledger
from ._ledger import StrategyFigures as StrategyFigures

__all__ = [
    "MANUAL",
    "PORTFOLIO_SUBSCRIPTIONS",
    "Accounts",
    "History",
    "Ledger",
    "LoadHistory",
    "Record",
    "SaveSnapshot",
    "StrategyFigures",
    "compact",
    "portfolio_actor",
]
