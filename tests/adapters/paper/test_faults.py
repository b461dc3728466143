"""Every fault kind, as the broker session will meet it."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
import trio
from trio.testing import MockClock

import runtime
from actors.messages import OrderStatus, OrderType, Side
from adapters.broker import BrokerRejected, BrokerTimeout, BrokerUnavailable, OrderNotFound
from adapters.paper import (
    DuplicateUpdates,
    FaultPlan,
    Outage,
    PaperConfig,
    Reject,
    ReorderUpdates,
    StopPartial,
    Timeout,
    load_fault_plan,
)
from runtime.errors import ConfigError

from ._helpers import ACCOUNT, make_venue, order, quote
from .test_stream import describe


async def test_an_outage_refuses_requests_and_drops_streams_until_it_ends(
    autojump_clock: MockClock,
) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    async with client.open_updates() as updates:
        venue.faults.schedule(Outage(start=1, end=31))
        await trio.sleep(1)
        with pytest.raises(BrokerUnavailable, match="outage"):
            await client.submit(order("b1", Side.BUY, 1))
        quote(venue, "100.00", "100.02")
        with pytest.raises(BrokerUnavailable, match="outage"):
            await anext(updates)
    with pytest.raises(BrokerUnavailable):
        async with client.open_updates():
            pass  # pragma: no cover - opening the stream is refused
    assert venue.submissions(ACCOUNT) == {}
    await trio.sleep(30)
    assert (await client.submit(order("b1", Side.BUY, 1))).status is OrderStatus.FILLED


async def test_a_lost_ack_leaves_the_order_at_the_venue_though_the_client_timed_out(
    autojump_clock: MockClock,
) -> None:
    venue = make_venue(PaperConfig(faults=FaultPlan(rules=(Timeout(next_n=1),))))
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    start = trio.current_time()
    with pytest.raises(BrokerTimeout, match="reply was lost"):
        await client.submit(order("b1", Side.BUY, 1))
    assert trio.current_time() - start >= venue.config.request_timeout
    assert (await client.get_order("b1")).status is OrderStatus.FILLED
    assert venue.submissions(ACCOUNT) == {"b1": 1}
    assert venue.faults.injected == {"timeout:lost_ack": 1}


async def test_a_timeout_before_the_venue_leaves_no_order(autojump_clock: MockClock) -> None:
    plan = FaultPlan(rules=(Timeout(next_n=1, mode="timeout_before"),))
    venue = make_venue(PaperConfig(faults=plan))
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    with pytest.raises(BrokerTimeout, match="request was lost"):
        await client.submit(order("b1", Side.BUY, 1))
    with pytest.raises(OrderNotFound):
        await client.get_order("b1")
    assert venue.submissions(ACCOUNT) == {}


async def test_an_injected_rejection_changes_nothing(autojump_clock: MockClock) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    venue.faults.schedule(Reject(next_n=1, reason="throttled", operations=frozenset({"cancel"})))
    await client.submit(order("b1", Side.BUY, 10, order_type=OrderType.LIMIT, limit="99.00"))
    with pytest.raises(BrokerRejected, match="throttled"):
        await client.cancel("b1")
    assert (await client.get_order("b1")).status is OrderStatus.ACCEPTED
    assert (await client.cancel("b1")).status is OrderStatus.CANCELED


async def test_probabilistic_faults_replay_from_the_seed(autojump_clock: MockClock) -> None:
    plan = FaultPlan(rules=(Timeout(probability=0.5, operations=frozenset({"get_account"})),))

    async def pattern(seed: int) -> list[bool]:
        client = make_venue(PaperConfig(faults=plan), seed=seed).client(ACCOUNT)
        outcomes = []
        for _ in range(20):
            try:
                await client.get_account()
            except BrokerTimeout:
                outcomes.append(False)
            else:
                outcomes.append(True)
        return outcomes

    first = await pattern(11)
    assert first == await pattern(11)
    assert True in first
    assert False in first


async def test_updates_can_arrive_duplicated(autojump_clock: MockClock) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    venue.faults.schedule(DuplicateUpdates(probability=1.0))
    async with client.open_updates() as updates:
        await client.submit(order("b1", Side.BUY, 1))
        events = [describe(await anext(updates)) for _ in range(6)]
    assert events == [
        ("update", "accepted"),
        ("update", "accepted"),
        ("fill", "P-1"),
        ("fill", "P-1"),
        ("update", "filled"),
        ("update", "filled"),
    ]


async def test_updates_can_arrive_out_of_order(autojump_clock: MockClock) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    venue.faults.schedule(ReorderUpdates(probability=1.0))
    async with client.open_updates() as updates:
        await client.submit(order("b1", Side.BUY, 1))
        first = [describe(await anext(updates)) for _ in range(2)]
        quote(venue, "100.00", "100.02")  # the next market event releases what was held
        last = describe(await anext(updates))
    assert first == [("fill", "P-1"), ("update", "accepted")]
    assert last == ("update", "filled")


async def test_a_stopped_partial_execution_stays_partially_filled(
    autojump_clock: MockClock,
) -> None:
    venue = make_venue()
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    venue.faults.schedule(StopPartial(symbol="AAPL", fraction=D("0.3")))
    stuck = await client.submit(order("b1", Side.BUY, 10))
    assert (stuck.status, stuck.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, D(3))
    quote(venue, "100.00", "100.02")
    assert (await client.get_order("b1")).filled_quantity == D(3)
    assert (await client.submit(order("b2", Side.BUY, 10))).status is OrderStatus.FILLED
    canceled = await client.cancel("b1")
    assert (canceled.status, canceled.filled_quantity) == (OrderStatus.CANCELED, D(3))


async def test_a_fault_plan_loads_from_toml_and_json_and_bad_keys_are_named(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    toml = tmp_path / "faults.toml"
    toml.write_text(
        '[[rules]]\nkind = "outage"\nstart = 10\nend = 40.5\n\n'
        '[[rules]]\nkind = "timeout"\nmode = "timeout_before"\nprobability = 0.2\n'
        'operations = ["submit", "cancel"]\n\n'
        '[[rules]]\nkind = "stop_partial"\nfraction = 0.25\n'
    )
    plan = load_fault_plan(toml)
    assert plan.rules == (
        Outage(start=10, end=40.5),
        Timeout(mode="timeout_before", probability=0.2, operations=frozenset({"submit", "cancel"})),
        StopPartial(fraction=D("0.25")),
    )
    json = tmp_path / "faults.json"
    json.write_text('{"rules": [{"kind": "reject", "next_n": 2, "reason": "busy"}]}')
    assert load_fault_plan(json).rules == (Reject(next_n=2, reason="busy"),)

    toml.write_text('[[rules]]\nkind = "outage"\nstart = 10\nende = 40\n')
    with pytest.raises(ConfigError, match="rules"):
        load_fault_plan(toml)
    json.write_text('{"rules": [{"kind": "timeout"}]}')
    with pytest.raises(ConfigError, match="give a probability or next_n"):
        load_fault_plan(json)
    json.write_text('{"rules": [{"kind": "outage", "start": 5, "end": 5}]}')
    with pytest.raises(ConfigError, match=r"end 5\.0 is not after start 5\.0"):
        load_fault_plan(json)


def test_the_venue_config_decodes_from_toml_and_refuses_bad_figures() -> None:
    config = runtime.decode_config(
        "participation = 0.1\nallow_short = false\n[commission]\nper_share = 0.004\n"
        '[future_margins]\nMES = 1800\n[[faults.rules]]\nkind = "outage"\nstart = 60\nend = 90\n',
        PaperConfig,
    )
    assert (config.participation, config.commission.per_share) == (D("0.1"), D("0.004"))
    assert config.initial_margin("MES") == D(1800)
    assert config.initial_margin("ES") == D(1500)
    assert config.faults.rules == (Outage(start=60, end=90),)
    with pytest.raises(ConfigError, match=r"participation 1\.5 is not in"):
        runtime.decode_config("participation = 1.5\n", PaperConfig)
    with pytest.raises(ConfigError, match=r"slippage\.base_bp"):
        runtime.decode_config("[slippage]\nbase_bp = 2\n", PaperConfig)
