"""The feed actor in a supervised tree, on the synthetic market, in virtual time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest
import trio
import trio.testing

from actors.feed import feed_actor, feed_child, feed_name
from actors.messages import Bar, Bars, GetPortfolio, MarketStale, Quote, RecentBars, Trade
from adapters.market import MarketEvent, SyntheticMarket, UnknownSymbol
from runtime import (
    ActorRestarting,
    Backoff,
    Clock,
    MailboxReader,
    Policy,
    Subscribe,
    SupervisorSpec,
    Tree,
    open_tree,
)

ORIGIN = 1_704_205_800.0  # 2024-01-02 14:30 UTC, on a minute boundary
SYMBOLS = ("AAPL", "SPY", "MES")


def _symbol(message: Any) -> str:
    return str(message.symbol)


@asynccontextmanager
async def _running(
    *, stale_after: float = 3.0
) -> AsyncIterator[tuple[SyntheticMarket, Tree, list[MarketEvent]]]:
    """The market ticking, a tree with its feed, and what the market's listener heard."""
    market = SyntheticMarket(seed=1, clock=Clock(origin=ORIGIN))
    heard: list[MarketEvent] = []
    market.add_listener(heard.append)
    spec = SupervisorSpec(
        name="root",
        backoff=Backoff(initial=1.0, multiplier=2.0, jitter=0.0),
        children=(
            SupervisorSpec(
                name="feeds",
                backoff=Backoff(initial=1.0, multiplier=2.0, jitter=0.0),
                children=(feed_child(market.client(), SYMBOLS, stale_after=stale_after),),
            ),
        ),
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)
        async with open_tree(spec, clock=market.clock) as tree:
            yield market, tree, heard
        nursery.cancel_scope.cancel()


def _drain(probe: MailboxReader) -> list[Any]:
    out: list[Any] = []
    while True:
        try:
            out.append(probe.receive_nowait())
        except trio.WouldBlock:
            return out


async def test_it_publishes_quotes_trades_and_exact_bars(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with _running() as (market, tree, heard):
        probe = tree.inbox(
            "probe",
            Subscribe(Quote, Policy.CONFLATE, key=_symbol),
            Subscribe(Trade, Policy.DROP_OLDEST, capacity=100_000),
            Subscribe(Bar),
            Subscribe(MarketStale),
        )
        assert feed_name(market.client()) == "feed-synthetic"
        await trio.sleep(124.5)
        got = _drain(probe)
    assert got[0] == MarketStale(
        source="synthetic", symbols=SYMBOLS, stale=False, ts=ORIGIN + 1, reason="data is flowing"
    )
    quotes = [m for m in got if isinstance(m, Quote)]
    assert sorted(q.symbol for q in quotes) == sorted(SYMBOLS)  # conflated: the latest of each
    assert all(q.ts == ORIGIN + 124 for q in quotes)
    trades = [m for m in got if isinstance(m, Trade)]
    # every print from the first tick after it connected
    printed = [e for e in heard if isinstance(e, Trade) and e.symbol in SYMBOLS and e.ts > ORIGIN]
    assert trades == printed
    bars = [m for m in got if isinstance(m, Bar)]
    assert {(b.symbol, b.timeframe, b.ts - ORIGIN) for b in bars} == {
        (s, "1m", t) for s in SYMBOLS for t in (0.0, 60.0)
    }
    # the second minute was seen whole: the same bar as the market's own
    for symbol in SYMBOLS:
        second = [b for b in bars if b.symbol == symbol][1]
        assert second == market.bars.history(symbol, "1m", 2)[1]


async def test_it_goes_stale_when_the_source_stalls_and_fresh_when_data_returns(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with _running(stale_after=3.0) as (market, tree, _):
        probe = tree.inbox("probe", Subscribe(MarketStale))
        await trio.sleep(10.5)
        market.stall(8.0)  # ticks 11 to 18 are not sent
        seen = []
        for _ in range(3):
            message = await probe.receive()
            seen.append((message.ts - ORIGIN, message.stale, message.reason))
    assert seen == [
        (1.0, False, "data is flowing"),
        (13.0, True, "no data for 3 s"),  # the last tick sent was at 10
        (19.0, False, "data is flowing"),
    ]


async def test_a_disconnect_makes_it_stale_and_its_supervisor_reconnects_with_backoff(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with _running() as (market, tree, _):
        probe = tree.inbox("probe", Subscribe(MarketStale), Subscribe(ActorRestarting))
        await trio.sleep(10.5)
        market.disconnect(5.0)  # unreachable until 15.5
        await trio.sleep(20)
        got = _drain(probe)
        info = next(a for a in tree.actors() if a.name == "feed-synthetic")
    stale = [(m.ts - ORIGIN, m.stale, m.reason) for m in got if isinstance(m, MarketStale)]
    assert stale == [
        (1.0, False, "data is flowing"),
        (10.5, True, "market 'synthetic' disconnected for 5 s"),  # said once, not per retry
        (18.0, False, "data is flowing"),
    ]
    restarts = [m for m in got if isinstance(m, ActorRestarting)]
    assert [(m.actor, m.ts - ORIGIN, m.delay) for m in restarts] == [
        ("feed-synthetic", 10.5, 1.0),
        ("feed-synthetic", 11.5, 2.0),  # still unreachable: it backs off
        ("feed-synthetic", 13.5, 4.0),
    ]
    assert "unreachable" in restarts[1].cause
    assert (info.incarnation, info.status) == (4, "running")  # the 4th connected at 17.5


async def test_it_answers_recent_bars_from_the_source(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with _running() as (market, tree, _):
        await trio.sleep(185)
        feed = tree.ref("feed-synthetic")
        answer = await feed.ask(RecentBars(symbol="SPY", timeframe="1m", count=2))
        assert answer == Bars(
            symbol="SPY", timeframe="1m", bars=market.bars.history("SPY", "1m", 2)
        )
        assert [b.ts - ORIGIN for b in answer.bars] == [60.0, 120.0]
        with pytest.raises(UnknownSymbol, match="feed-synthetic does not carry 'NVDA'"):
            await feed.ask(RecentBars(symbol="NVDA"))
        with pytest.raises(UnknownSymbol, match="timeframe '15m' is not aggregated"):
            await feed.ask(RecentBars(symbol="SPY", timeframe="15m"))
        with pytest.raises(TypeError, match="a feed answers RecentBars, not GetPortfolio"):
            await feed.ask(GetPortfolio())


def test_wiring_mistakes_fail_when_the_tree_is_built() -> None:
    with pytest.raises(ValueError, match="stale_after must be > 0"):
        feed_actor(_NoSource(), SYMBOLS, stale_after=0)
    with pytest.raises(ValueError, match="timeframe 'hourly' is not a count and a unit"):
        feed_child(_NoSource(), SYMBOLS, bar_timeframes=("1m", "hourly"))


class _NoSource:
    """Only wiring is checked: nothing connects to it."""

    name = "none"

    def open_stream(self, symbols: Any) -> Any:
        raise AssertionError("not connected in this test")

    async def history(self, symbol: str, timeframe: str, count: int) -> Any:
        raise AssertionError("not asked in this test")


class _OnePrintSource:
    """A source that sends one batch (a bad print among good ones), then stays open."""

    name = "prints"

    def __init__(self, batch: list[MarketEvent]) -> None:
        self.batch = batch
        self.go = trio.Event()  # set once the test's probe listens

    @asynccontextmanager
    async def open_stream(self, symbols: Any) -> AsyncIterator[AsyncIterator[list[MarketEvent]]]:
        async def events() -> AsyncIterator[list[MarketEvent]]:
            await self.go.wait()
            yield self.batch
            await trio.sleep_forever()

        yield events()

    async def history(self, symbol: str, timeframe: str, count: int) -> list[Bar]:
        return []


async def test_insane_market_data_is_refused_at_the_edge(autojump_clock: object) -> None:
    """Insane market data never reaches subscribers (breakers, venue, strategies).

    NaN, negative or crossed prices and negative sizes are dropped at the edge.
    """
    D = Decimal
    good = Quote(
        symbol="AAPL", ts=ORIGIN, bid=D("100"), ask=D("100.01"), bid_size=D(5), ask_size=D(5)
    )
    batch: list[MarketEvent] = [
        Quote(symbol="AAPL", ts=ORIGIN, bid=D("NaN"), ask=D("100"), bid_size=D(5), ask_size=D(5)),
        Quote(symbol="AAPL", ts=ORIGIN, bid=D("101"), ask=D("100"), bid_size=D(5), ask_size=D(5)),
        Quote(symbol="AAPL", ts=ORIGIN, bid=D("100"), ask=D("101"), bid_size=D(-5), ask_size=D(5)),
        Quote(symbol="AAPL", ts=ORIGIN, bid=D("100"), ask=D("101"), bid_size=D(5), ask_size=D(-5)),
        Trade(symbol="AAPL", ts=ORIGIN, price=D("-1"), size=D(1)),
        Trade(symbol="AAPL", ts=ORIGIN, price=D("100"), size=D("Infinity")),
        good,
    ]
    source = _OnePrintSource(batch)
    spec = SupervisorSpec(name="root", children=(feed_child(source, ("AAPL",)),))
    async with open_tree(spec, clock=Clock(origin=ORIGIN)) as tree:
        probe = tree.inbox("probe", Subscribe(Quote), Subscribe(Trade))
        source.go.set()
        with trio.fail_after(5):
            assert await probe.receive() == good
        await trio.sleep(1)
        assert _drain(probe) == []
