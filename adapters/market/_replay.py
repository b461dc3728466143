"""Replay: quotes or bars from CSV files, played back on the runtime clock.

Two file layouts, told apart by the header (column order is free)::

    ts,symbol,bid,ask,bid_size,ask_size          quotes
    ts,symbol,open,high,low,close,volume         bars (of one timeframe, ``1m`` by default)

``ts`` is epoch seconds or an ISO 8601 time with a UTC offset. Every row is
checked before anything plays: types, positive prices, ``bid < ask``, a
high and low that contain open and close, bars on their timeframe boundary,
time never going back within a file. The first bad row stops the load with
a :class:`~adapters.market.errors.ReplayDataError` naming file, line and
column. Reading is blocking file I/O: call :func:`read_replay_csv` before
the trio loop or through ``trio.to_thread.run_sync``.

A bar replays as four trades, a quarter of its volume each, at quarter-bar
intervals: open, the extreme on the way (low first on an up bar, high first
on a down bar), the other extreme, close. Aggregating them gives the same
bar back, and the paper venue sees prices to fill against.
"""

from __future__ import annotations

import csv
import heapq
import math
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Final, final

import msgspec
import trio

from actors.messages import Quote, Trade
from runtime import Clock

from ._bars import DEFAULT_TIMEFRAMES, timeframe_seconds
from ._fanout import MarketBase
from ._source import MarketEvent
from .errors import ReplayDataError

__all__ = ["SAMPLE_QUOTES", "ReplayData", "ReplayMarket", "read_replay_csv"]

SAMPLE_QUOTES: Final = Path(__file__).parent / "sample" / "quotes.csv"
"""The sample that ships with the project: 100 s of AAPL, SPY and MES quotes."""

QUOTE_COLUMNS: Final = ("ts", "symbol", "bid", "ask", "bid_size", "ask_size")
BAR_COLUMNS: Final = ("ts", "symbol", "open", "high", "low", "close", "volume")

Symbol = Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9][A-Z0-9._/-]{0,15}$")]


class _QuoteRow(msgspec.Struct, frozen=True):
    symbol: Symbol
    bid: Decimal
    ask: Decimal
    bid_size: Decimal
    ask_size: Decimal


class _BarRow(msgspec.Struct, frozen=True):
    symbol: Symbol
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


class ReplayData(msgspec.Struct, frozen=True):
    """Validated events in time order, ready to play."""

    events: tuple[MarketEvent, ...]

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(sorted({event.symbol for event in self.events}))

    @property
    def start(self) -> float:
        """The first timestamp: a good origin for the replay's clock."""
        return self.events[0].ts if self.events else 0.0

    def batch_ends(self, bar_seconds: float | None = None) -> list[int]:
        """Where each batch of events ends (exclusive indexes into ``events``).

        Without ``bar_seconds`` a batch is one instant: the events sharing a
        timestamp. With it, a batch runs up to and including the event that
        completes a bar of its symbol (the first at or past the end of the
        symbol's open ``bar_seconds`` bar), with the events of that same
        instant: every bar of any multiple of ``bar_seconds`` is completed by
        the last instant of a batch.
        """
        events = self.events
        ends: list[int] = []
        if bar_seconds is None:
            for i in range(1, len(events)):
                if events[i].ts != events[i - 1].ts:
                    ends.append(i)
        else:
            if not bar_seconds > 0:
                raise ValueError(f"bar_seconds must be > 0, not {bar_seconds}")
            boundary: dict[str, float] = {}
            cut = False
            for i in range(len(events) - 1):
                event = events[i]
                ts = event.ts
                ahead = boundary.get(event.symbol)
                if ahead is None or ts >= ahead:
                    cut = cut or ahead is not None
                    boundary[event.symbol] = (ts // bar_seconds + 1) * bar_seconds
                if cut and events[i + 1].ts != ts:
                    ends.append(i + 1)
                    cut = False
        if events:
            ends.append(len(events))
        return ends


@final
class _FileReader:
    """One CSV file's rows, checked one by one."""

    def __init__(self, path: Path, bar_timeframe: str) -> None:
        self.path = path
        self.bar_seconds = timeframe_seconds(bar_timeframe)
        self.line = 1

    def fail(self, column: str, reason: str) -> ReplayDataError:
        return ReplayDataError(self.path, self.line, column, reason)

    def read(self) -> list[MarketEvent]:
        with self.path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise self.fail("", "the file is empty; expected a header row")
            columns = tuple(name.strip() for name in header)
            if sorted(columns) == sorted(QUOTE_COLUMNS):
                row_type: type[_QuoteRow | _BarRow] = _QuoteRow
            elif sorted(columns) == sorted(BAR_COLUMNS):
                row_type = _BarRow
            else:
                raise self.fail(
                    "",
                    f"header {','.join(columns)!r} is neither quotes "
                    f"({','.join(QUOTE_COLUMNS)}) nor bars ({','.join(BAR_COLUMNS)})",
                )
            events: list[MarketEvent] = []
            last_ts = -math.inf
            for fields in reader:
                self.line = reader.line_num
                if not fields:
                    continue
                if len(fields) != len(columns):
                    raise self.fail("", f"expected {len(columns)} fields, got {len(fields)}")
                row = dict(zip(columns, (field.strip() for field in fields), strict=True))
                ts = self._timestamp(row.pop("ts"))
                if ts < last_ts:
                    raise self.fail("ts", f"time goes back ({ts:g} after {last_ts:g})")
                last_ts = ts
                try:
                    parsed = msgspec.convert(row, row_type, strict=False)
                except msgspec.ValidationError as error:
                    column, _, _ = str(error).rpartition(" - at `$.")[2].partition("`")
                    reason = str(error).partition(" - at ")[0]
                    raise self.fail(column, reason) from None
                if isinstance(parsed, _QuoteRow):
                    events.append(self._quote(ts, parsed))
                else:
                    events.extend(self._bar(ts, parsed))
            return events

    def _timestamp(self, text: str) -> float:
        try:
            ts = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise self.fail("ts", f"{text!r} is neither epoch seconds nor ISO 8601") from None
            if moment.tzinfo is None:
                raise self.fail("ts", f"{text!r} has no UTC offset") from None
            ts = moment.timestamp()
        if not math.isfinite(ts) or ts < 0:
            raise self.fail("ts", f"{text!r} is not a time since the epoch")
        return ts

    def _check(self, row: msgspec.Struct, column: str, *, positive: bool) -> Decimal:
        value: Decimal = getattr(row, column)
        if not value.is_finite() or value < 0 or (positive and value == 0):
            kind = "positive" if positive else "non-negative"
            raise self.fail(column, f"{value} is not a {kind} number")
        return value

    def _quote(self, ts: float, row: _QuoteRow) -> Quote:
        bid = self._check(row, "bid", positive=True)
        ask = self._check(row, "ask", positive=True)
        if not bid < ask:
            raise self.fail("ask", f"ask {ask} must be above bid {bid}")
        return Quote(
            symbol=row.symbol,
            ts=ts,
            bid=bid,
            ask=ask,
            bid_size=self._check(row, "bid_size", positive=False),
            ask_size=self._check(row, "ask_size", positive=False),
        )

    def _bar(self, ts: float, row: _BarRow) -> list[Trade]:
        o, h, lo, c = (self._check(row, name, positive=True) for name in BAR_COLUMNS[2:6])
        volume = self._check(row, "volume", positive=False)
        if h < max(o, c, lo):
            raise self.fail("high", f"high {h} is below open, close or low")
        if lo > min(o, c):
            raise self.fail("low", f"low {lo} is above open or close")
        length = self.bar_seconds
        if ts % length:
            raise self.fail("ts", f"{ts:g} is not on a {length} s bar boundary")
        path = (o, lo, h, c) if c >= o else (o, h, lo, c)
        size = volume / 4
        return [
            Trade(symbol=row.symbol, ts=ts + k * length / 4, price=price, size=size)
            for k, price in enumerate(path)
        ]


def read_replay_csv(*paths: Path | str, bar_timeframe: str = "1m") -> ReplayData:
    """Load and validate CSV files of quotes or bars, merged in time order."""
    per_file = [_FileReader(Path(path), bar_timeframe).read() for path in paths]
    merged = heapq.merge(*per_file, key=lambda event: event.ts)
    return ReplayData(events=tuple(merged))


@final
class ReplayMarket(MarketBase):
    """Plays :class:`ReplayData` on the clock, ``speed`` times faster than it happened.

    ``speed=None`` plays as fast as the clients read: no pacing, and instead
    of dropping a slow client the replay waits for it. Events keep the
    file's timestamps, so make the clock with ``origin=data.start`` to keep
    the rest of the daemon on the same time line. ``finished`` is set when
    the data is exhausted; the streams then stay open and go quiet.

    ``batch_seconds`` plays the data in batches (:meth:`ReplayData.batch_ends`)
    instead of one instant at a time: each batch plays at the time of its
    last event, which completes a bar of that length. Listeners (the paper
    venue) still hear every event, in order, and clients get the batch as
    one stream item, so a whole bar's ticks cost a single wake-up of the
    tree. Bars complete at the tick and the time they would tick by tick;
    what differs is that the ticks inside a bar reach the clients (and the
    venue) at the bar's closing instant rather than at their own.
    """

    def __init__(
        self,
        data: ReplayData,
        *,
        clock: Clock,
        speed: float | None = 1.0,
        batch_seconds: float | None = None,
        name: str = "replay",
        client_buffer: int = 256,
        history_bars: int = 500,
        bar_timeframes: Sequence[str] = DEFAULT_TIMEFRAMES,
    ) -> None:
        if speed is not None and not speed > 0:
            raise ValueError(f"replay speed must be > 0 (or None), not {speed}")
        super().__init__(
            name,
            data.symbols,
            clock,
            buffer=client_buffer,
            bar_timeframes=bar_timeframes,
            history_bars=history_bars,
        )
        self.data = data
        self.speed = speed
        self.ends = data.batch_ends(batch_seconds)
        self.replayed = 0
        self._folded = 0  # events[:_folded] are in the bars
        self.finished = trio.Event()

    def _add_bars(self, batch: Sequence[MarketEvent]) -> None:
        """Deferred: the played events are ``data.events[:replayed]`` already.

        History is asked for rarely (a strategy's warm-up), so the bars are
        built when it is, from the same events in the same order, instead of
        at every tick: the feed builds its own bars from the ticks anyway.
        """

    def _fold_bars(self) -> None:
        if self._folded < self.replayed:
            self._bars.add_all(self.data.events[self._folded : self.replayed])
            self._folded = self.replayed

    async def serve(self, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        """Play every event once, then return (the streams stay open)."""
        events = self.data.events
        speed = self.speed
        t0 = self.data.start
        m0 = self.clock.monotonic()
        task_status.started()
        i = 0
        for j in self.ends:
            if speed is None:
                await self._wait_for_clients()
                await trio.lowlevel.checkpoint()
            else:
                await trio.sleep_until(m0 + (events[j - 1].ts - t0) / speed)
            self._emit(events[i:j])
            self.replayed = j
            i = j
        self.finished.set()
