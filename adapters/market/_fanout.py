"""What every in-process market shares: listeners, clients, faults and bars.

A market (synthetic or replay) makes one batch of events per tick and hands
it to :meth:`MarketBase._emit`. Listeners are called synchronously with
every event, whatever happens to the feeds: the paper venue is attached
this way, so it always sees prices. Clients (feed actors) each get a
bounded queue of batches; a client that falls ``buffer`` batches behind is
dropped with ``FeedDisconnected`` rather than slowing the market or the
other clients. Faults injected here act on the clients only: ``disconnect``
drops every stream and refuses new ones for a while; ``stall`` keeps the
streams open but silent.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from typing import final

import trio

from actors.messages import Bar
from runtime import Clock

from ._bars import BarAggregator
from ._source import MarketEvent, MarketSource
from .errors import FeedDisconnected, UnknownSymbol

__all__ = ["Listener", "MarketBase", "MarketClient"]

Listener = Callable[[MarketEvent], None]


@final
class _Stream:
    """One connected client's stream: a bounded queue of batches."""

    __slots__ = ("_data", "_room", "buffer", "delivered", "error", "name", "queue", "symbols")

    def __init__(self, name: str, symbols: frozenset[str], buffer: int) -> None:
        self.name = name
        self.symbols = symbols
        self.buffer = buffer
        self.queue: deque[list[MarketEvent]] = deque()
        self.error: FeedDisconnected | None = None
        self.delivered = 0
        self._data = trio.lowlevel.ParkingLot()
        self._room = trio.lowlevel.ParkingLot()

    @property
    def full(self) -> bool:
        return self.error is None and len(self.queue) >= self.buffer

    def offer(self, batch: Sequence[MarketEvent]) -> None:
        if self.error is not None:
            return
        mine = [event for event in batch if event.symbol in self.symbols]
        if not mine:
            return
        if len(self.queue) >= self.buffer:
            self.fail(FeedDisconnected(f"client {self.name!r} fell {self.buffer} batches behind"))
            return
        self.queue.append(mine)
        self._data.unpark_all()

    def fail(self, error: FeedDisconnected) -> None:
        if self.error is None:
            self.error = error
            self.queue.clear()  # what was in flight on a dropped connection is lost
        self._data.unpark_all()
        self._room.unpark_all()

    async def wait_room(self) -> None:
        while self.full:
            await self._room.park()

    def __aiter__(self) -> _Stream:
        return self

    async def __anext__(self) -> list[MarketEvent]:
        # One schedule point per batch: a checkpoint when one is queued, else the
        # wait itself (not a yield, a second run and then the wait).
        if self.queue or self.error is not None:
            await trio.lowlevel.checkpoint()
        else:
            await self._data.park()
        while True:
            if self.error is not None:
                raise self.error
            if self.queue:
                self.delivered += 1
                self._room.unpark_all()
                return self.queue.popleft()
            await self._data.park()


@final
class MarketClient:
    """A :class:`MarketSource` onto an in-process market, for one feed actor."""

    def __init__(self, market: MarketBase, name: str) -> None:
        self._market = market
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @asynccontextmanager
    async def open_stream(self, symbols: Sequence[str]) -> AsyncIterator[_Stream]:
        await trio.lowlevel.checkpoint()
        market = self._market
        market.check_up()
        market.check_symbols(symbols)
        stream = _Stream(self._name, frozenset(symbols), market.buffer)
        market._streams.add(stream)
        try:
            yield stream
        finally:
            stream.fail(FeedDisconnected(f"client {self._name!r} closed its stream"))
            market._streams.discard(stream)

    async def history(self, symbol: str, timeframe: str, count: int) -> tuple[Bar, ...]:
        await trio.lowlevel.checkpoint()
        self._market.check_up()
        self._market.check_symbols((symbol,))
        return self._market.bars.history(symbol, timeframe, count)


class MarketBase:
    """Listeners, client streams, feed faults and bar history of one market."""

    def __init__(
        self,
        name: str,
        symbols: Collection[str],
        clock: Clock,
        *,
        buffer: int,
        bar_timeframes: Sequence[str],
        history_bars: int,
    ) -> None:
        if buffer < 1:
            raise ValueError(f"client buffer must be at least 1 batch, not {buffer}")
        self.name = name
        self.symbols = frozenset(symbols)
        self.clock = clock
        self.buffer = buffer
        self._bars = BarAggregator(bar_timeframes, history=history_bars)
        self._listeners: list[Listener] = []
        self._streams: set[_Stream] = set()
        self._down_until = -float("inf")
        self._stalled_until = -float("inf")

    @property
    def bars(self) -> BarAggregator:
        """The bars of every event played so far (the history clients ask for)."""
        self._fold_bars()
        return self._bars

    def _fold_bars(self) -> None:
        """Bring :attr:`bars` up to date; a market that defers its bars overrides this."""

    def _add_bars(self, batch: Sequence[MarketEvent]) -> None:
        self._bars.add_all(batch)

    # -- listeners and clients -----------------------------------------------------

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event from now on; returns its remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def client(self, name: str | None = None) -> MarketSource:
        """A source for one feed actor (``name`` defaults to the market's name)."""
        return MarketClient(self, self.name if name is None else name)

    @property
    def connected(self) -> int:
        """How many client streams are open and healthy."""
        return sum(1 for stream in self._streams if stream.error is None)

    # -- faults --------------------------------------------------------------------

    def disconnect(self, duration: float) -> None:
        """Drop every client stream now and refuse connections for ``duration`` s."""
        self._down_until = self.clock.monotonic() + duration
        error = FeedDisconnected(f"market {self.name!r} disconnected for {duration:g} s")
        for stream in self._streams:
            stream.fail(error)

    def stall(self, duration: float) -> None:
        """Keep client streams open but send them nothing for ``duration`` s."""
        self._stalled_until = self.clock.monotonic() + duration

    def check_up(self) -> None:
        """Raise ``FeedDisconnected`` while a disconnect fault lasts."""
        left = self._down_until - self.clock.monotonic()
        if left > 0:
            raise FeedDisconnected(f"market {self.name!r} is unreachable ({left:g} s more)")

    def check_symbols(self, symbols: Collection[str]) -> None:
        unknown = sorted(set(symbols) - self.symbols)
        if unknown:
            raise UnknownSymbol(f"market {self.name!r} does not carry {', '.join(unknown)}")

    # -- the tick ------------------------------------------------------------------

    def _emit(self, batch: Sequence[MarketEvent]) -> None:
        """Hand one tick's events to listeners, the bar history and the clients."""
        for event in batch:
            for listener in self._listeners:
                listener(event)
        self._add_bars(batch)
        if self.clock.monotonic() < self._stalled_until:
            return
        for stream in self._streams:
            stream.offer(batch)

    async def _wait_for_clients(self) -> None:
        """Wait until every client has room: backpressure for unpaced replays."""
        for stream in list(self._streams):
            await stream.wait_room()
