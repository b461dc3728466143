"""One account's road to the paper venue: the BrokerClient every adapter implements.

Each request travels (a latency draw), meets the fault rules (an outage
refuses it, an injected rejection refuses it, a timeout loses it before or
after the venue acted), is handled by the venue, and its reply travels back.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

import trio

from actors.messages import Fill, Order, OrderUpdate
from adapters.broker import BrokerError, BrokerTimeout, VenueAccount, VenueEvent, VenuePosition

from ._faults import Operation

if TYPE_CHECKING:
    from ._venue import PaperVenue

__all__ = ["PaperBrokerClient"]

T = TypeVar("T")


class PaperBrokerClient:
    """``adapters.broker.BrokerClient`` for one account of a :class:`PaperVenue`."""

    def __init__(self, venue: PaperVenue, account: str) -> None:
        self._venue = venue
        self._account = account

    @property
    def account(self) -> str:
        return self._account

    async def submit(self, order: Order) -> OrderUpdate:
        return await self._call("submit", lambda: self._venue.submit(self._account, order))

    async def cancel(self, client_order_id: str) -> OrderUpdate:
        return await self._call(
            "cancel", lambda: self._venue.cancel(self._account, client_order_id)
        )

    async def replace(
        self,
        client_order_id: str,
        *,
        quantity: Decimal | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
    ) -> OrderUpdate:
        return await self._call(
            "replace",
            lambda: self._venue.replace(
                self._account,
                client_order_id,
                quantity=quantity,
                limit_price=limit_price,
                stop_price=stop_price,
            ),
        )

    async def get_order(self, client_order_id: str) -> OrderUpdate:
        return await self._call(
            "get_order", lambda: self._venue.get_order(self._account, client_order_id)
        )

    async def open_orders(self) -> Sequence[OrderUpdate]:
        return await self._call("open_orders", lambda: self._venue.open_orders(self._account))

    async def fills(self, *, after: str | None = None) -> Sequence[Fill]:
        return await self._call("fills", lambda: self._venue.fills(self._account, after=after))

    async def positions(self) -> Sequence[VenuePosition]:
        return await self._call("positions", lambda: self._venue.positions(self._account))

    async def get_account(self) -> VenueAccount:
        return await self._call("get_account", lambda: self._venue.get_account(self._account))

    @contextlib.asynccontextmanager
    async def open_updates(self) -> AsyncIterator[AsyncIterator[VenueEvent]]:
        subscriber = await self._call("open_updates", lambda: self._venue.subscribe(self._account))
        try:
            yield subscriber
        finally:
            self._venue.unsubscribe(self._account, subscriber)

    async def _call(self, operation: Operation, handle: Callable[[], T]) -> T:
        venue = self._venue
        delay = venue.draw_latency()
        if delay:
            await venue.clock.sleep(delay)
        else:  # no travel: the venue acts now, and the reply's leg lets others run
            await trio.lowlevel.checkpoint_if_cancelled()
        timeout = venue.faults.check_request(operation)
        if timeout == "timeout_before":
            await venue.clock.sleep(venue.config.request_timeout)
            raise BrokerTimeout(f"{operation}: no answer (the request was lost)")
        if timeout == "lost_ack":
            with contextlib.suppress(BrokerError):  # whatever the answer was, it is lost
                handle()
            await venue.persist()  # the venue acted: that stays so
            await venue.clock.sleep(venue.config.request_timeout)
            raise BrokerTimeout(f"{operation}: no answer (the reply was lost)")
        try:
            result = handle()
        finally:
            await venue.persist()  # answered (or refused) only once durable
        await venue.clock.sleep(venue.draw_latency())
        return result
