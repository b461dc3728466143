"""Injected write failures, for tests and chaos scenarios.

The store consults its :class:`JournalFaults` (when it has one) at the last
step of every write transaction, just before ``COMMIT``: an armed fault raises
the same ``sqlite3.OperationalError`` a full or failing disk would, so the
rollback, the :class:`~runtime.journal.errors.JournalWriteFailed` and the
actor's crash all run the real code path.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import final

__all__ = ["JournalFaults"]


@final
class JournalFaults:
    """Makes the next ``n`` journal writes fail; counts what it injected."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # armed from the trio thread, fired in the worker
        self._pending = 0
        self._reason = "disk I/O error"
        self.injected = 0

    def fail_next_writes(self, n: int = 1, reason: str = "disk I/O error") -> None:
        if n < 0:
            raise ValueError(f"cannot fail {n} writes")
        with self._lock:
            self._pending = n
            self._reason = reason

    @property
    def armed(self) -> int:
        """How many writes will still fail."""
        return self._pending

    def before_commit(self) -> None:
        """Called by the store inside each write transaction, just before COMMIT."""
        with self._lock:
            if self._pending == 0:
                return
            self._pending -= 1
            self.injected += 1
            reason = self._reason
        raise sqlite3.OperationalError(f"{reason} (injected)")
