"""What the portfolio refuses, and why.

::

    PortfolioError
    ├── InvalidFill        a fill that cannot be booked as given (also a ValueError)
    ├── UnknownInstrument  a fill for a symbol with no instrument definition (also a KeyError)
    └── CorruptSnapshot    a ledger snapshot that contradicts itself (also a ValueError)

Each is raised rather than guessed around: booking a fill on a wrong
multiplier, or resuming from a snapshot whose positions do not add up, would
put wrong money on the books (invariants 3 and 7).
"""

from __future__ import annotations

__all__ = ["CorruptSnapshot", "InvalidFill", "PortfolioError", "UnknownInstrument"]


class PortfolioError(Exception):
    pass


class InvalidFill(PortfolioError, ValueError):
    pass


class UnknownInstrument(PortfolioError, KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class CorruptSnapshot(PortfolioError, ValueError):
    pass
