"""Replay: validated CSV rows, played on the clock through the same interface."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import trio
import trio.testing

from actors.messages import Bar, Quote, Trade
from adapters.market import (
    SAMPLE_QUOTES,
    BarAggregator,
    MarketEvent,
    ReplayDataError,
    ReplayMarket,
    read_replay_csv,
)
from adapters.market._sample import render_sample
from runtime import Clock

QUOTES = "ts,symbol,bid,ask,bid_size,ask_size\n"
BARS = "ts,symbol,open,high,low,close,volume\n"


def test_the_shipped_sample_is_valid_and_reproducible() -> None:
    data = read_replay_csv(SAMPLE_QUOTES)
    assert data.symbols == ("AAPL", "MES", "SPY")
    assert len(data.events) == 300
    assert all(isinstance(event, Quote) for event in data.events)
    assert render_sample() == SAMPLE_QUOTES.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        (QUOTES + "1,AAPL,1.00,1.01,1,1\n2,AAPL,abc,1.01,1,1\n", "3: column 'bid'", "decimal"),
        (QUOTES + "1,AAPL,1.01,1.01,1,1\n", "2: column 'ask'", "must be above bid"),
        (QUOTES + "1,AAPL,-1,1.01,1,1\n", "2: column 'bid'", "not a positive number"),
        (QUOTES + "1,AAPL,1,1.01,NaN,1\n", "2: column 'bid_size'", "not a non-negative"),
        (QUOTES + "5,AAPL,1,2,1,1\n4,AAPL,1,2,1,1\n", "3: column 'ts'", "time goes back"),
        (QUOTES + "1,aapl,1,2,1,1\n", "2: column 'symbol'", "regex"),
        (QUOTES + "\n1,AAPL,1,2,1\n", "3", "expected 6 fields, got 5"),
        (QUOTES + "2024-01-02T14:30:00,AAPL,1,2,1,1\n", "2: column 'ts'", "no UTC offset"),
        (QUOTES + "yesterday,AAPL,1,2,1,1\n", "2: column 'ts'", "neither epoch seconds"),
        ("ts,symbol,price\n", "1", "neither quotes"),
        ("", "1", "the file is empty"),
        (BARS + "60,ES,10,9,8,9,100\n", "2: column 'high'", "high 9 is below"),
        (BARS + "60,ES,10,12,10.5,11,100\n", "2: column 'low'", "low 10.5 is above"),
        (BARS + "90,ES,10,12,9,11,100\n", "2: column 'ts'", "not on a 60 s bar boundary"),
    ],
)
def test_a_bad_row_is_refused_naming_file_line_and_column(
    tmp_path: Path, text: str, where: str, reason: str
) -> None:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReplayDataError) as caught:
        read_replay_csv(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{where}")
    assert reason in message


async def _play(market: ReplayMarket, seconds: float) -> list[tuple[float, MarketEvent]]:
    heard: list[tuple[float, MarketEvent]] = []
    market.add_listener(lambda event: heard.append((trio.current_time(), event)))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(market.serve)
        with trio.move_on_after(seconds):
            await market.finished.wait()
        nursery.cancel_scope.cancel()
    return heard


@pytest.mark.parametrize("speed", [1.0, 10.0])
async def test_the_replay_keeps_time_at_its_speed(
    autojump_clock: trio.testing.MockClock, speed: float
) -> None:
    data = await trio.to_thread.run_sync(read_replay_csv, SAMPLE_QUOTES)
    market = ReplayMarket(data, clock=Clock(origin=data.start), speed=speed)
    start = trio.current_time()
    heard = await _play(market, 1000)
    assert [event for _, event in heard] == list(data.events)
    for at, event in heard:
        assert at - start == pytest.approx((event.ts - data.start) / speed)
    assert market.replayed == 300
    spy = await market.client().history("SPY", "1m", 5)
    assert [bar.ts - data.start for bar in spy] == [0.0]  # the second minute is still open


async def test_bars_replay_as_trades_that_rebuild_the_same_bars(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    path = tmp_path / "bars.csv"
    rows = [
        "2024-01-02T14:30:00+00:00,ES,4800.25,4803.00,4799.50,4802.75,1201",
        "2024-01-02T14:31:00+00:00,ES,4802.75,4803.25,4797.00,4797.25,80",
        "2024-01-02T14:32:00+00:00,ES,4797.25,4797.25,4797.25,4797.25,0",
    ]
    await trio.Path(path).write_text(BARS + "\n".join(rows) + "\n", encoding="utf-8")
    data = await trio.to_thread.run_sync(read_replay_csv, path)
    market = ReplayMarket(data, clock=Clock(origin=data.start), speed=None)
    heard = await _play(market, 1)
    assert all(isinstance(event, Trade) for _, event in heard)
    assert len(heard) == 12
    client = market.client()
    rebuilt = [*await client.history("ES", "1m", 10), market.bars.current("ES", "1m")]
    expected = []
    for row in rows:
        _, _, o, h, lo, c, v = row.split(",")
        expected.append((Decimal(o), Decimal(h), Decimal(lo), Decimal(c), Decimal(v)))
    assert [(b.open, b.high, b.low, b.close, b.volume) for b in rebuilt if b] == expected
    assert [b.ts - data.start for b in rebuilt if isinstance(b, Bar)] == [0.0, 60.0, 120.0]


async def test_an_unpaced_replay_waits_for_a_slow_client_instead_of_dropping_it(
    autojump_clock: trio.testing.MockClock,
) -> None:
    data = await trio.to_thread.run_sync(read_replay_csv, SAMPLE_QUOTES)
    market = ReplayMarket(data, clock=Clock(origin=data.start), speed=None, client_buffer=2)
    got: list[MarketEvent] = []
    async with (
        trio.open_nursery() as nursery,
        market.client().open_stream(["SPY", "MES"]) as stream,
    ):
        nursery.start_soon(market.serve)
        async for batch in stream:
            got.extend(batch)
            await trio.sleep(1)  # much slower than the replay could go
            if len(got) == 200:
                break
        assert market.finished.is_set()
        assert market.connected == 1  # never dropped
    assert got == [e for e in data.events if e.symbol in ("SPY", "MES")]


async def test_batched_replay_plays_each_bar_at_the_tick_that_completes_it(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """Every tick that completes a bar ends a batch, which plays at that tick's time."""
    data = await trio.to_thread.run_sync(read_replay_csv, SAMPLE_QUOTES)
    market = ReplayMarket(data, clock=Clock(origin=data.start), batch_seconds=10)
    start = trio.current_time()
    heard = await _play(market, 1000)
    assert [event for _, event in heard] == list(data.events)
    bars = BarAggregator(("10s",))
    completing = {i for i, event in enumerate(data.events) if bars.add(event)}
    ends = market.ends
    assert len(ends) < len(data.events) / 5
    for i in completing:
        last = next(end - 1 for end in ends if end > i)
        assert data.events[last].ts == data.events[i].ts  # the batch ends at that instant
    for i, (at, _) in enumerate(heard):
        last = next(end - 1 for end in ends if end > i)
        assert at - start == pytest.approx(data.events[last].ts - data.start)
    assert market.replayed == 300
