"""What a broker adapter raises, and what each failure means for an order.

The tree, and what the broker session does on each::

    BrokerError                     anything the venue or the road to it did
    ├── BrokerUnavailable           not delivered (connection refused, outage):
    │                               the venue never saw the request; transient
    ├── BrokerTimeout               sent, no answer in time: the outcome is
    │                               UNKNOWN; ask the venue, never resend blindly
    ├── BrokerRejected              the venue answered and refused the request;
    │                               nothing changed at the venue
    └── OrderNotFound               the venue has no order with that client id

``BrokerUnavailable`` is a ``ConnectionError`` and ``BrokerTimeout`` a
``trio.TooSlowError``, so the kernel classifies both as transient: a session
that crashes on either is restarted with backoff, not counted toward its
supervisor's intensity.
"""

from __future__ import annotations

import trio

__all__ = [
    "BrokerError",
    "BrokerRejected",
    "BrokerTimeout",
    "BrokerUnavailable",
    "OrderNotFound",
]


class BrokerError(Exception):
    """Base of every broker adapter failure."""


class BrokerUnavailable(BrokerError, ConnectionError):
    """The request did not reach the venue (refused, outage, stream lost)."""


class BrokerTimeout(BrokerError, trio.TooSlowError):
    """The request was sent but no answer came in time: outcome unknown."""


class BrokerRejected(BrokerError):
    """The venue refused the request; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OrderNotFound(BrokerError):
    """The venue knows no order with this client order id."""

    def __init__(self, client_order_id: str) -> None:
        super().__init__(f"no order {client_order_id!r} at the venue")
        self.client_order_id = client_order_id
