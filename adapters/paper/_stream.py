"""The update stream: one bounded channel per subscriber, never waited on.

The venue hands events over with ``send_nowait``: a subscriber whose buffer
is full has fallen behind and is disconnected (its iterator raises
BrokerUnavailable once it has drained what it had), so a slow session can
never stall matching. Fault rules may deliver an event twice or hold it back
until after the next one, as real venues do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import trio

from adapters.broker import BrokerUnavailable, VenueEvent

from ._faults import Faults

__all__ = ["Subscriber"]


class Subscriber:
    """One open update stream; also the async iterator its owner reads.

    ``persist`` is awaited before each event is handed over, so an event is
    read only once the venue state that produced it is durable.
    """

    def __init__(self, capacity: int, persist: Callable[[], Awaitable[None]]) -> None:
        self._send, self._receive = trio.open_memory_channel[VenueEvent](capacity)
        self._persist = persist
        self._held: VenueEvent | None = None
        self.reason: str | None = None

    @property
    def connected(self) -> bool:
        return self.reason is None

    def deliver(self, event: VenueEvent, faults: Faults) -> None:
        if self.reason is not None:
            return
        if self._held is None and faults.reorder():
            self._held = event
            return
        self._put(event)
        if faults.duplicate():
            self._put(event)
        self.release()

    def release(self) -> None:
        """Deliver an event held back by a reorder fault."""
        held, self._held = self._held, None
        if held is not None:
            self._put(held)

    def drop(self, reason: str) -> None:
        """Disconnect: the reader gets what is buffered, then BrokerUnavailable."""
        if self.reason is None:
            self.reason = reason
            self._held = None
            self._send.close()

    def close(self) -> None:
        self.drop("stream closed by the client")
        self._receive.close()

    def _put(self, event: VenueEvent) -> None:
        if self.reason is not None:
            return
        try:
            self._send.send_nowait(event)
        except trio.WouldBlock:
            self.drop("update stream fell behind and was disconnected")

    def __aiter__(self) -> Subscriber:
        return self

    async def __anext__(self) -> VenueEvent:
        try:
            event = await self._receive.receive()
        except trio.EndOfChannel:
            raise BrokerUnavailable(self.reason or "update stream lost") from None
        await self._persist()
        return event
