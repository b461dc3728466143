"""Bars from ticks: exact OHLCV, emitted when a bar completes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actors.messages import Bar, Quote, Trade
from adapters.market import BarAggregator, UnknownSymbol, timeframe_seconds

T0 = 1_704_153_600  # 2024-01-02 00:00 UTC, a boundary of every timeframe


def _direct(trades: list[Trade], timeframe: str) -> list[Bar]:
    """OHLCV per bucket, computed straight from the trades."""
    length = timeframe_seconds(timeframe)
    buckets: dict[int, list[Trade]] = {}
    for trade in trades:
        buckets.setdefault(int(trade.ts // length) * length, []).append(trade)
    return [
        Bar(
            symbol="X",
            ts=float(start),
            timeframe=timeframe,
            open=group[0].price,
            high=max(t.price for t in group),
            low=min(t.price for t in group),
            close=group[-1].price,
            volume=sum((t.size for t in group), Decimal(0)),
        )
        for start, group in sorted(buckets.items())
    ]


trades_strategy = st.lists(
    st.tuples(
        st.floats(0, 900, allow_nan=False),  # seconds to the next trade
        st.integers(1, 100_000),  # price in cents
        st.integers(1, 5_000),  # size
    ),
    min_size=1,
    max_size=200,
)


@given(steps=trades_strategy)
def test_aggregated_bars_are_the_ohlcv_of_their_trades(steps: list[tuple[float, int, int]]) -> None:
    aggregator = BarAggregator(("1m", "5m", "1h", "1d"))
    trades: list[Trade] = []
    ts = float(T0)
    for gap, cents, size in steps:
        ts += gap
        trades.append(Trade(symbol="X", ts=ts, price=Decimal(cents) / 100, size=Decimal(size)))
    emitted = aggregator.add_all(trades)
    for timeframe in aggregator.timeframes:
        expected = _direct(trades, timeframe)
        # every bar but the last is complete and was emitted; the last is still open
        assert [b for b in emitted if b.timeframe == timeframe] == expected[:-1]
        assert aggregator.current("X", timeframe) == expected[-1]
        assert aggregator.history("X", timeframe, 1000) == tuple(expected[:-1])
    # bars close in order: never one of a later start before one of an earlier start
    for timeframe in aggregator.timeframes:
        starts = [b.ts for b in emitted if b.timeframe == timeframe]
        assert starts == sorted(starts)


def _quote(ts: float, bid: str, ask: str) -> Quote:
    one = Decimal(1)
    return Quote(symbol="X", ts=ts, bid=Decimal(bid), ask=Decimal(ask), bid_size=one, ask_size=one)


def test_quotes_make_a_bar_only_where_nothing_traded() -> None:
    aggregator = BarAggregator(("1m",))
    aggregator.add(_quote(T0 + 1, "10.00", "10.02"))
    aggregator.add(_quote(T0 + 2, "10.04", "10.06"))
    aggregator.add(_quote(T0 + 3, "9.98", "10.00"))
    aggregator.add(_quote(T0 + 4, "10.00", "10.02"))
    aggregator.add(_quote(T0 + 61, "10.00", "10.02"))  # a minute with trades follows
    aggregator.add(Trade(symbol="X", ts=T0 + 62, price=Decimal("10.50"), size=Decimal(3)))
    aggregator.add(_quote(T0 + 63, "11.00", "11.02"))
    assert [b.ts - T0 for b in aggregator.add(_quote(T0 + 200, "10.00", "10.02"))] == [60.0]
    quoted, traded = aggregator.history("X", "1m", 2)
    assert (quoted.open, quoted.high, quoted.low, quoted.close, quoted.volume) == (
        Decimal("10.01"),
        Decimal("10.05"),
        Decimal("9.99"),
        Decimal("10.01"),
        Decimal(0),
    )
    assert (traded.open, traded.high, traded.low, traded.close, traded.volume) == (
        Decimal("10.50"),
        Decimal("10.50"),
        Decimal("10.50"),
        Decimal("10.50"),
        Decimal(3),
    )


def test_late_events_are_ignored_for_every_timeframe_and_history_is_bounded() -> None:
    aggregator = BarAggregator(("1m", "5m"), history=2)
    for minute in range(5):
        aggregator.add(Trade(symbol="X", ts=T0 + 60 * minute, price=Decimal(1), size=Decimal(1)))
    assert aggregator.add(Trade(symbol="X", ts=T0 + 30, price=Decimal(9), size=Decimal(1))) == []
    assert aggregator.late == 1
    assert [b.ts - T0 for b in aggregator.history("X", "1m", 10)] == [120.0, 180.0]
    five = aggregator.current("X", "5m")
    assert five is not None
    assert (five.high, five.volume) == (Decimal(1), Decimal(5))


def test_bad_timeframes_are_refused() -> None:
    with pytest.raises(ValueError, match="timeframe '1w' is not a count and a unit"):
        BarAggregator(("1m", "1w"))
    with pytest.raises(UnknownSymbol, match="timeframe '15m' is not aggregated"):
        BarAggregator().history("X", "15m", 1)
    assert BarAggregator().history("NOPE", "1m", 5) == ()
    assert [timeframe_seconds(tf) for tf in ("30s", "1m", "5m", "1h", "1d")] == [
        30,
        60,
        300,
        3600,
        86400,
    ]


def _reference(events: list[Quote | Trade], timeframe: str, late: set[int]) -> list[Bar]:
    """Each bucket's bar straight from its events: trades if any, else the quotes' mids."""
    length = timeframe_seconds(timeframe)
    buckets: dict[int, list[Quote | Trade]] = {}
    for i, event in enumerate(events):
        if i not in late:
            buckets.setdefault(int(event.ts // length) * length, []).append(event)
    bars: list[Bar] = []
    for start, group in sorted(buckets.items()):
        trades = [e for e in group if isinstance(e, Trade)]
        prices = [t.price for t in trades] or [e.mid for e in group if isinstance(e, Quote)]
        bars.append(
            Bar(
                symbol="X",
                ts=float(start),
                timeframe=timeframe,
                open=prices[0],
                high=max(prices),
                low=min(prices),
                close=prices[-1],
                volume=sum((t.size for t in trades), Decimal(0)),
            )
        )
    return bars


events_strategy = st.lists(
    st.tuples(
        st.floats(-120, 400, allow_nan=False),  # seconds to the next event: late ones too
        st.booleans(),  # a trade, else a quote
        st.integers(100, 10_000),  # price (the bid of a quote) in cents
        st.integers(1, 5_000),  # size
        st.booleans(),  # look at the open bars after this event
    ),
    min_size=1,
    max_size=150,
)


@given(steps=events_strategy)
def test_mixed_quotes_and_trades_make_the_bars_of_their_buckets(
    steps: list[tuple[float, bool, int, int, bool]],
) -> None:
    timeframes = ("1m", "2m", "5m", "45s", "1h")  # 45 s bars end between the minutes
    aggregator = BarAggregator(timeframes)
    events: list[Quote | Trade] = []
    late: set[int] = set()
    emitted: list[Bar] = []
    ts, newest = float(T0), float(T0)
    for gap, is_trade, cents, size, look in steps:
        ts = max(float(T0), ts + gap)
        price = Decimal(cents) / 100
        event: Quote | Trade = (
            Trade(symbol="X", ts=ts, price=price, size=Decimal(size))
            if is_trade
            else _quote(ts, str(price), str(price + Decimal("0.03")))
        )
        if events:
            floor = max(int(newest // n) * n for n in map(timeframe_seconds, timeframes))
            if ts < floor:
                late.add(len(events))
        if len(events) not in late:
            newest = max(newest, ts)
        events.append(event)
        emitted.extend(aggregator.add(event))
        if look:
            aggregator.current("X", "1m")  # looking at an open bar changes nothing
    assert aggregator.late == len(late)
    for timeframe in timeframes:
        expected = _reference(events, timeframe, late)
        assert [b for b in emitted if b.timeframe == timeframe] == expected[:-1]
        assert aggregator.current("X", timeframe) == expected[-1]
