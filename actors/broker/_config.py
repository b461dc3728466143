"""A broker session's settings (one per configured account)."""

from __future__ import annotations

from typing import Annotated

import msgspec

__all__ = ["SessionConfig"]

Seconds = Annotated[float, msgspec.Meta(gt=0)]


class SessionConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How a session waits, resolves and refuses.

    ``request_timeout`` bounds every venue request; a submission that runs
    out of it is ``unknown`` until ``get_order`` resolves it, asked every
    ``resolve_interval`` seconds; an order the venue still does not know
    ``resolve_grace`` seconds after the timeout was never received and is
    rejected. Orders wait at most ``max_hold`` seconds behind an unresolved
    order in their symbol, and an intent older than ``max_order_age``
    (queued through an outage, say) is refused rather than sent late.
    At most ``keep_closed_orders`` finished orders are remembered, and the
    journal gets a snapshot of the session after every ``snapshot_every``
    records (and at a start that replayed as many).
    """

    request_timeout: Seconds = 5.0
    resolve_interval: Seconds = 1.0
    resolve_grace: Seconds = 10.0
    max_hold: Seconds = 30.0
    max_order_age: Seconds = 60.0
    keep_closed_orders: Annotated[int, msgspec.Meta(ge=0)] = 10_000
    snapshot_every: Annotated[int, msgspec.Meta(ge=1)] = 50_000
