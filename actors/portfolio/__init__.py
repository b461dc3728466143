"""The portfolio: cash, positions, P&L and equity of every account, exact to the cent.

:class:`Ledger` keeps one account's books (pure and synchronous);
:func:`portfolio_actor` rebuilds the ledgers from the journal on every start,
books fills once, marks positions to market and publishes what changed.
"""

from ._ledger import MANUAL as MANUAL
from ._ledger import Ledger as Ledger
from ._ledger import StrategyFigures as StrategyFigures

__all__ = ["MANUAL", "Ledger", "StrategyFigures"]
