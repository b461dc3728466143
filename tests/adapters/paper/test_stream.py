"""The update stream: order updates and fills in order; a laggard is cut off, not waited on."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from trio.testing import MockClock

from actors.messages import Fill, OrderStatus, OrderUpdate, Side
from adapters.broker import BrokerUnavailable, VenueEvent
from adapters.paper import PaperConfig

from ._helpers import ACCOUNT, make_venue, order, quote


def describe(event: VenueEvent) -> tuple[str, str]:
    if isinstance(event, Fill):
        return ("fill", event.execution_id)
    return ("update", str(event.status))


async def test_the_stream_delivers_order_updates_and_fills_in_venue_order(
    autojump_clock: MockClock,
) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    async with client.open_updates() as updates:
        await client.submit(order("b1", Side.BUY, 10))
        events = [await anext(updates) for _ in range(3)]
    assert [describe(e) for e in events] == [
        ("update", "accepted"),
        ("fill", "P-1"),
        ("update", "filled"),
    ]
    fill, filled = events[1], events[2]
    assert isinstance(fill, Fill)
    assert isinstance(filled, OrderUpdate)
    # 1 bp + 5 bp × 10/400 = 1.125 bp over 100.02 = 100.03125, up to the tick
    assert (fill.client_order_id, fill.quantity, fill.price) == ("b1", D(10), D("100.04"))
    assert (filled.status, filled.average_price) == (OrderStatus.FILLED, D("100.04"))


async def test_a_subscriber_that_falls_behind_is_disconnected_not_waited_on(
    autojump_clock: MockClock,
) -> None:
    venue = make_venue(PaperConfig(stream_capacity=2))
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    async with client.open_updates() as updates:
        for n in range(3):  # nine events for a buffer of two: the venue never blocks
            await client.submit(order(f"b{n}", Side.BUY, 1))
        assert [describe(await anext(updates)) for _ in range(2)] == [
            ("update", "accepted"),
            ("fill", "P-1"),
        ]
        with pytest.raises(BrokerUnavailable, match="fell behind"):
            await anext(updates)
    assert len(await client.fills()) == 3
