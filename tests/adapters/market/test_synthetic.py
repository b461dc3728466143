"""The synthetic market: seeded, on the grid, shockable, and fair to its clients."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal

import msgspec
import pytest
import trio
import trio.testing

from actors.messages import Instrument, Quote, Trade
from adapters.market import (
    FeedDisconnected,
    MarketEvent,
    Regime,
    SymbolProfile,
    SyntheticConfig,
    SyntheticMarket,
    UnknownSymbol,
    default_universe,
)
from runtime import Clock

ORIGIN = 1_704_205_800.0  # 2024-01-02 14:30 UTC


def _flat(symbol: str = "FLAT", price: str = "100.00") -> SymbolProfile:
    """A symbol that does not wander: only shocks move it."""
    return SymbolProfile(instrument=Instrument(symbol=symbol), price=Decimal(price), volatility=0.0)


async def _record(
    seed: int,
    seconds: float,
    universe: Sequence[SymbolProfile] | None = None,
    config: SyntheticConfig | None = None,
) -> list[MarketEvent]:
    market = SyntheticMarket(universe, config, seed=seed, clock=Clock(origin=ORIGIN))
    events: list[MarketEvent] = []
    market.add_listener(events.append)
    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)
        await trio.sleep(seconds - 0.5)
        nursery.cancel_scope.cancel()
    return events


async def test_the_same_seed_gives_the_same_ticks(autojump_clock: trio.testing.MockClock) -> None:
    first = await _record(42, 300)
    assert first == await _record(42, 300)
    assert first != await _record(43, 300)
    assert {e.symbol for e in first} == {"AAPL", "MSFT", "NVDA", "SPY", "QQQ", "MES"}
    assert sum(isinstance(e, Quote) for e in first) == 300 * 6  # a quote per symbol per tick


async def test_a_symbol_moves_the_same_whatever_else_is_listed(
    autojump_clock: trio.testing.MockClock,
) -> None:
    alone = await _record(5, 60, [p for p in default_universe() if p.symbol == "NVDA"])
    listed = await _record(5, 60)
    assert alone == [e for e in listed if e.symbol == "NVDA"]


async def test_prices_are_on_the_tick_grid_and_quotes_never_cross(
    autojump_clock: trio.testing.MockClock,
) -> None:
    wild = SyntheticConfig(regimes=(Regime(name="wild", vol_scale=20.0),), trade_probability=0.9)
    instruments = {p.symbol: p.instrument for p in default_universe()}
    events = await _record(3, 600, config=wild)
    last: dict[str, Quote] = {}
    trades = 0
    for event in events:
        instrument = instruments[event.symbol]
        if isinstance(event, Quote):
            assert instrument.is_on_tick(event.bid)
            assert instrument.is_on_tick(event.ask)
            assert Decimal(0) < event.bid < event.ask
            assert event.bid_size > 0
            assert event.ask_size > 0
            assert instrument.is_whole_lots(event.bid_size)
            last[event.symbol] = event
        else:
            assert isinstance(event, Trade)
            quote = last[event.symbol]  # trades follow their tick's quote
            assert (quote.ts, True) == (event.ts, event.price in (quote.bid, quote.ask))
            assert event.size > 0
            trades += 1
    assert trades > 0.8 * 600 * 6
    mes = [e.bid for e in events if isinstance(e, Quote) and e.symbol == "MES"]
    assert len(set(mes)) > 50  # it did move, in quarter points
    assert all(bid % Decimal("0.25") == 0 for bid in mes)


async def test_a_shock_drops_by_the_amount_within_the_window_then_recovers_partly(
    autojump_clock: trio.testing.MockClock,
) -> None:
    market = SyntheticMarket([_flat(), _flat("CALM", "50.00")], seed=1, clock=Clock(origin=ORIGIN))
    mids: dict[float, Decimal] = {}
    calm: set[Decimal] = set()

    def listen(event: MarketEvent) -> None:
        if isinstance(event, Quote):
            if event.symbol == "FLAT":
                mids[event.ts - shock_at] = event.mid
            else:
                calm.add(event.mid)

    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)
        await trio.sleep(9.5)
        shock_at = market.clock.time()
        market.add_listener(listen)
        market.shock("FLAT", drop=0.20, over=30.0, recover=0.5, recover_over=60.0)
        await trio.sleep(200)
        nursery.cancel_scope.cancel()

    # the bid is the fair value's nearest tick, the ask one tick up: mids within a tick of it
    def fair(t: float) -> float:
        return 100 * (1 - 0.2 * t / 30) if t < 30 else 80 + 20 * 0.5 * min(t - 30, 60) / 60

    for t, mid in mids.items():
        assert float(mid) == pytest.approx(fair(t), abs=0.01 + 1e-9), t
    assert min(mids, key=lambda t: mids[t]) == 30.5  # the bottom, at the end of the drop
    assert min(mids.values()) < Decimal("80.1")
    assert len({mid for t, mid in mids.items() if t > 90}) == 1  # 90 now, and it stays
    assert calm == {Decimal("50.005")}  # other symbols are untouched


async def test_a_shock_on_a_moving_symbol_still_drops_by_about_the_amount(
    autojump_clock: trio.testing.MockClock,
) -> None:
    market = SyntheticMarket(seed=11, clock=Clock(origin=ORIGIN))
    nvda: list[tuple[float, float]] = []
    market.add_listener(
        lambda e: (
            nvda.append((e.ts, float(e.mid)))
            if isinstance(e, Quote) and e.symbol == "NVDA"
            else None
        )
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)
        await trio.sleep(60.5)
        before = market.fair_value("NVDA")
        shock = market.shock("NVDA")  # the defaults: 20 % over 30 s, half back over 60 s
        await trio.sleep(120)
        nursery.cancel_scope.cancel()
    window = [mid for ts, mid in nvda if shock.start <= ts <= shock.start + shock.over + 1]
    assert min(window) / before == pytest.approx(0.80, abs=0.01)
    after = [mid for ts, mid in nvda if ts >= shock.end]
    assert after[-1] / before == pytest.approx(0.90, abs=0.02)


async def test_regimes_switch_and_change_how_prices_move(
    autojump_clock: trio.testing.MockClock,
) -> None:
    config = SyntheticConfig(
        regimes=(Regime(name="still", vol_scale=0.0), Regime(name="wild", vol_scale=20.0)),
        regime_switch_probability=0.05,
    )
    profile = SymbolProfile(
        instrument=Instrument(symbol="X"), price=Decimal("100.00"), volatility=0.5
    )
    market = SyntheticMarket([profile], config, seed=9, clock=Clock(origin=ORIGIN))
    seen: list[tuple[str, Decimal]] = []
    market.add_listener(
        lambda e: seen.append((market.regime("X").name, e.bid)) if isinstance(e, Quote) else None
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)
        await trio.sleep(399.5)
        nursery.cancel_scope.cancel()
    regimes = [name for name, _ in seen]
    switches = sum(a != b for a, b in itertools.pairwise(regimes))
    assert 5 <= switches <= 40  # about 0.05 × 400
    still_moves = [b != a for (_, a), (r, b) in itertools.pairwise(seen) if r == "still"]
    wild_moves = [b != a for (_, a), (r, b) in itertools.pairwise(seen) if r == "wild"]
    assert still_moves
    assert not any(still_moves)
    assert sum(wild_moves) > 0.8 * len(wild_moves)


async def test_listeners_see_every_tick_and_a_slow_client_is_dropped_not_waited_for(
    autojump_clock: trio.testing.MockClock,
) -> None:
    market = SyntheticMarket(
        config=SyntheticConfig(client_buffer=4), seed=2, clock=Clock(origin=ORIGIN)
    )
    heard: list[MarketEvent] = []
    remove = market.add_listener(heard.append)
    fast: list[MarketEvent] = []
    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)

        async def read_fast() -> None:
            async with market.client("fast").open_stream(["AAPL", "MES"]) as stream:
                async for batch in stream:
                    fast.extend(batch)

        nursery.start_soon(read_fast)
        async with market.client("slow").open_stream(["AAPL"]) as slow:
            await trio.sleep(49.5)  # never reads
            assert market.ticks == 50  # the market went on without it
            with pytest.raises(FeedDisconnected, match="'slow' fell 4 batches behind"):
                await slow.__anext__()
        assert market.connected == 1
        remove()
        await trio.sleep(5)
        nursery.cancel_scope.cancel()
    assert len([e for e in heard if isinstance(e, Quote)]) == 50 * 6  # nothing since remove()
    # the fast client connected after the first tick and got every tick after it
    assert fast[0].ts == ORIGIN + 1
    heard_since = [e for e in heard if e.symbol in ("AAPL", "MES") and e.ts >= ORIGIN + 1]
    assert fast[: len(heard_since)] == heard_since
    assert len({e.ts for e in fast}) == 54


async def test_disconnect_drops_streams_and_refuses_connections_for_a_while(
    autojump_clock: trio.testing.MockClock,
) -> None:
    market = SyntheticMarket(seed=4, clock=Clock(origin=ORIGIN))
    client = market.client()
    heard: list[MarketEvent] = []
    market.add_listener(heard.append)
    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)
        async with client.open_stream(["SPY"]) as stream:
            assert {e.symbol for e in await stream.__anext__()} == {"SPY"}
            market.disconnect(10.0)
            with pytest.raises(FeedDisconnected, match="disconnected for 10 s"):
                await stream.__anext__()
        with pytest.raises(FeedDisconnected, match="unreachable"):
            await client.history("SPY", "1m", 5)
        with pytest.raises(FeedDisconnected, match="unreachable"):
            async with client.open_stream(["SPY"]):
                pass  # pragma: no cover - never connects
        ticks = len(heard)
        await trio.sleep(10)
        assert len(heard) > ticks  # listeners (the venue) kept hearing the market
        async with client.open_stream(["SPY"]) as stream:
            batch = await stream.__anext__()
            assert batch[0].ts >= market.clock.time() - 1
        nursery.cancel_scope.cancel()


async def test_a_stall_keeps_the_stream_open_but_silent(
    autojump_clock: trio.testing.MockClock,
) -> None:
    market = SyntheticMarket(seed=4, clock=Clock(origin=ORIGIN))
    arrivals: list[float] = []
    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)
        async with market.client().open_stream(["QQQ"]) as stream:
            nursery.start_soon(_stall_later, market)
            with trio.move_on_after(30):
                async for _batch in stream:
                    arrivals.append(trio.current_time())
        nursery.cancel_scope.cancel()
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert max(gaps) == 8.0  # a stall of 7.5 s from a half tick swallows 7 ticks
    assert gaps.count(1.0) == len(gaps) - 1


async def _stall_later(market: SyntheticMarket) -> None:
    await trio.sleep(5.5)
    market.stall(7.5)


async def test_unknown_symbols_are_refused_and_history_is_kept(
    autojump_clock: trio.testing.MockClock,
) -> None:
    market = SyntheticMarket(seed=4, clock=Clock(origin=ORIGIN))
    client = market.client("strategy-warmup")
    with pytest.raises(UnknownSymbol, match="does not carry TSLA"):
        async with client.open_stream(["AAPL", "TSLA"]):
            pass  # pragma: no cover - refused
    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)
        await trio.sleep(3 * 60 + 0.5)
        nursery.cancel_scope.cancel()
    bars = await client.history("AAPL", "1m", 10)
    assert [bar.ts - ORIGIN for bar in bars] == [0.0, 60.0, 120.0]
    assert all(bar.volume > 0 and bar.low <= bar.close <= bar.high for bar in bars)
    assert await client.history("AAPL", "5m", 10) == ()
    with pytest.raises(UnknownSymbol, match="timeframe '2m' is not aggregated"):
        await client.history("AAPL", "2m", 1)


def test_a_bad_config_is_refused_with_the_reason() -> None:
    with pytest.raises(msgspec.ValidationError, match="tick_interval must be > 0"):
        msgspec.convert({"tick_interval": 0}, SyntheticConfig)
    with pytest.raises(msgspec.ValidationError, match="Object contains unknown field `tick`"):
        msgspec.convert({"tick": 1}, SyntheticConfig)
    with pytest.raises(ValueError, match=r"price 100\.001 must be positive and on the tick grid"):
        _flat(price="100.001")
