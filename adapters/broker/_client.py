"""The one narrow interface every broker adapter implements.

Like an httpx transport, it is small on purpose: the broker session actor
holds all the order logic (state machine, journal, reconciliation) and talks
to a venue only through these calls, so a fake or a new broker is a few dozen
lines. Every call may raise one of :mod:`adapters.broker.errors`.

Orders are named by the client order id the session chose; the venue keeps
it, so an order whose submission timed out can be found again with
:meth:`BrokerClient.get_order` instead of being sent twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from decimal import Decimal
from typing import Protocol, TypeAlias

import msgspec

from actors.messages import Fill, Order, OrderUpdate

__all__ = ["BrokerClient", "VenueAccount", "VenueEvent", "VenuePosition"]

VenueEvent: TypeAlias = OrderUpdate | Fill
"""What the update stream carries: order state changes and executions."""


class VenuePosition(msgspec.Struct, frozen=True, kw_only=True):
    """A position as the venue reports it (signed quantity)."""

    symbol: str
    quantity: Decimal
    average_price: Decimal


class VenueAccount(msgspec.Struct, frozen=True, kw_only=True):
    """The account's money as the venue reports it."""

    account: str
    cash: Decimal
    buying_power: Decimal
    equity: Decimal


class BrokerClient(Protocol):
    """One account at one venue."""

    @property
    def account(self) -> str: ...

    async def submit(self, order: Order) -> OrderUpdate:
        """Send a new order; the reply is its state (accepted, rejected, filled...)."""
        ...

    async def cancel(self, client_order_id: str) -> OrderUpdate:
        """Ask to cancel; the reply is the order's state after the request."""
        ...

    async def replace(
        self,
        client_order_id: str,
        *,
        quantity: Decimal | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
    ) -> OrderUpdate:
        """Change a working order in place (same client order id)."""
        ...

    async def get_order(self, client_order_id: str) -> OrderUpdate:
        """The order's current state; :class:`OrderNotFound` if the venue never got it."""
        ...

    async def open_orders(self) -> Sequence[OrderUpdate]:
        """Every order still working at the venue."""
        ...

    async def fills(self, *, after: str | None = None) -> Sequence[Fill]:
        """Executions in venue order, those after execution id ``after`` (all if None)."""
        ...

    async def positions(self) -> Sequence[VenuePosition]: ...

    async def get_account(self) -> VenueAccount: ...

    def open_updates(self) -> AbstractAsyncContextManager[AsyncIterator[VenueEvent]]:
        """The live stream of order updates and fills.

        Events may arrive duplicated or out of order (real venues do this);
        the session de-duplicates. The iterator raises
        :class:`~adapters.broker.errors.BrokerUnavailable` when the stream drops.
        """
        ...
