"""What the paper venue raises about itself (requests answer with broker errors).

The tree::

    PaperVenueError              the venue cannot start or was misused
    └── PaperStateError          the state file is unreadable or invalid: the
                                 venue refuses to start and never overwrites it

Requests from a :class:`~adapters.paper.PaperBrokerClient` raise only
:mod:`adapters.broker.errors`, like every broker adapter.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PaperStateError", "PaperVenueError"]


class PaperVenueError(Exception):
    """Base of the paper venue's own failures."""


class PaperStateError(PaperVenueError):
    """The persisted state at ``path`` could not be trusted; ``reason`` says why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"paper venue state {path}: {reason}")
        self.path = path
        self.reason = reason
