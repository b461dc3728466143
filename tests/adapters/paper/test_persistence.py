"""The state file: resting orders survive a restart; a bad file is refused, never overwritten."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal as D
from pathlib import Path

import msgspec
import pytest
from trio.testing import MockClock

import runtime
from actors.messages import Fill, OrderStatus, OrderType, Side
from adapters.paper import PaperConfig, PaperStateError, PaperVenue
from adapters.paper._state import VenueState

from ._helpers import ACCOUNT, MES, ORIGIN, make_venue, order, quote


async def test_a_resting_order_survives_a_new_venue_on_the_same_file(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    path = tmp_path / "var" / "paper.json"
    first = make_venue(state_path=path)
    client = first.client(ACCOUNT)
    quote(first, "100.00", "100.02")
    await client.submit(order("b1", Side.BUY, 10))
    await client.submit(order("b2", Side.BUY, 20, order_type=OrderType.LIMIT, limit="99.00"))
    before = first.get_account(ACCOUNT)

    second = make_venue(state_path=path, cash=D(1))  # the stored account wins
    restarted = second.client(ACCOUNT)
    assert (await restarted.get_order("b2")).status is OrderStatus.ACCEPTED
    assert second.ledger(ACCOUNT).cash == before.cash
    assert second.submissions(ACCOUNT) == first.submissions(ACCOUNT)
    quote(second, "98.95", "99.00")
    resumed = await restarted.get_order("b2")
    assert (resumed.status, resumed.average_price) == (OrderStatus.FILLED, D("99.00"))
    assert [f.execution_id for f in await restarted.fills()] == ["P-1", "P-2"]
    assert path.with_name("paper.json.tmp").exists() is False


async def test_an_invalid_state_file_is_refused_with_the_field_and_kept(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    path = tmp_path / "paper.json"
    make_venue(state_path=path)
    corrupt = path.read_bytes().replace(b'"cash":"100000"', b'"cash":"lots"')
    path.write_bytes(corrupt)
    with pytest.raises(
        PaperStateError, match=r"Invalid decimal string - at `\$.accounts\[...\].cash`"
    ):
        make_venue(state_path=path)
    assert path.read_bytes() == corrupt

    path.write_bytes(b"{not json")
    with pytest.raises(PaperStateError, match=str(path)):
        make_venue(state_path=path)


async def test_state_naming_an_instrument_no_longer_configured_is_refused(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    path = tmp_path / "paper.json"
    venue = make_venue(state_path=path)
    quote(venue, "100.00", "100.02")
    venue.submit(ACCOUNT, order("b1", Side.BUY, 1, order_type=OrderType.LIMIT, limit="99.00"))
    await venue.persist()
    with pytest.raises(PaperStateError, match=r"'AAPL' is not a configured instrument"):
        PaperVenue(
            {"MES": MES},
            rng=random.Random(1),
            clock=runtime.Clock(origin=ORIGIN),
            state_path=path,
        )


async def test_nothing_leaves_the_venue_before_the_state_behind_it_is_on_disk(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    path = tmp_path / "paper.json"
    venue = make_venue(state_path=path)
    client = venue.client(ACCOUNT)
    quote(venue, "100.00", "100.02")
    await client.submit(order("b1", Side.BUY, 10, order_type=OrderType.LIMIT, limit="99.00"))
    assert "b1" in path.read_text()  # the answer came once the order was on disk
    async with client.open_updates() as updates:
        quote(venue, "98.95", "99.00")  # the resting order fills, in the event loop
        assert '"P-1"' not in path.read_text()  # the fill is not written yet
        event = await updates.__anext__()
        assert isinstance(event, Fill)
        assert event.execution_id == "P-1"
        assert '"P-1"' in path.read_text()  # read only once it was


SMALL = PaperConfig(order_history=3, fill_history=4)


async def _trade(venue: PaperVenue, orders: int, *, first: int = 1) -> None:
    """``orders`` market orders, alternately bought and sold, each filled at once."""
    client = venue.client(ACCOUNT)
    for n in range(first, first + orders):
        await client.submit(order(f"m{n}", Side.BUY if n % 2 else Side.SELL, 1))


def _books(venue: PaperVenue) -> bytes:
    """The account's books as they stand (encoded: the ledger itself keeps changing)."""
    ledger = venue.ledger(ACCOUNT)
    return msgspec.json.encode(
        (
            ledger.cash,
            ledger.realized,
            ledger.commissions,
            ledger.positions,
            ledger.orders,
            ledger.fills,
            venue.submissions(ACCOUNT),
        )
    )


async def test_a_long_lived_venue_keeps_a_bounded_history_and_writes_only_what_changed(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    config = msgspec.structs.replace(SMALL, state_compact_bytes=16_000)  # rewritten in 40 orders
    path = tmp_path / "paper.json"
    venue = make_venue(config, state_path=path)
    quote(venue, "100.00", "100.02")
    await venue.client(ACCOUNT).submit(
        order("rest", Side.BUY, 5, order_type=OrderType.LIMIT, limit="90.00")
    )
    await _trade(venue, 5)
    before = path.read_bytes()
    await _trade(venue, 1, first=6)
    # one order more (filled as it arrives): one write appended, ending with the state
    appended = path.read_bytes()[len(before) :].splitlines()
    assert path.read_bytes().startswith(before)
    assert [msgspec.json.decode(line)["type"] for line in appended] == ["fill", "order", "state"]
    sizes = []
    for n in range(7, 40):
        await _trade(venue, 1, first=n)
        sizes.append(path.stat().st_size)
    # rewritten once it reached the threshold, holding only what is kept
    assert any(b < a for a, b in itertools.pairwise(sizes))

    ledger = venue.ledger(ACCOUNT)
    assert list(ledger.orders) == ["rest", "m37", "m38", "m39"]  # open ones, and the last 3
    assert [f.client_order_id for f in ledger.fills] == ["m36", "m37", "m38", "m39"]
    assert set(venue.submissions(ACCOUNT)) == set(ledger.orders)

    again = make_venue(SMALL, state_path=path)
    assert _books(again) == _books(venue)
    assert [f.execution_id for f in again.fills(ACCOUNT, after="P-37")] == ["P-38", "P-39"]
    quote(again, "89.95", "90.00")  # the resting order still works after the restart
    assert (await again.client(ACCOUNT).get_order("rest")).status is OrderStatus.FILLED


async def test_lines_of_an_unfinished_write_are_cut_off_at_the_next_start(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    """The process died during a write: what it appended after the last state line
    never reached anyone, so it is dropped, and the next write follows the rest."""
    path = tmp_path / "paper.json"
    venue = make_venue(state_path=path)
    quote(venue, "100.00", "100.02")
    await _trade(venue, 2)
    before = _books(venue)
    counted = path.read_bytes()
    await _trade(venue, 1, first=3)
    written = path.read_bytes()[len(counted) :]
    # the third order's lines up to its last state line, then a torn line
    unfinished = written[: written.rindex(b'{"type":"state"')] + b'{"type":"fill","acc'
    path.write_bytes(counted + unfinished)

    restarted = make_venue(state_path=path)
    assert _books(restarted) == before
    assert path.read_bytes() == counted
    quote(restarted, "100.00", "100.02")
    await _trade(restarted, 1, first=3)  # never acknowledged, so m3 is new to the venue
    again = make_venue(state_path=path)
    assert list(again.ledger(ACCOUNT).orders) == ["m1", "m2", "m3"]
    assert _books(again) == _books(restarted)


async def test_a_damaged_line_is_refused_with_its_line_and_the_file_kept(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    path = tmp_path / "paper.json"
    venue = make_venue(state_path=path)
    quote(venue, "100.00", "100.02")
    await _trade(venue, 2)
    lines = path.read_bytes().split(b"\n")
    number = next(n for n, line in enumerate(lines) if line.startswith(b'{"type":"fill"'))
    lines[number] = lines[number].replace(b'"quantity":"1"', b'"quantity":"x"')
    damaged = b"\n".join(lines)
    path.write_bytes(damaged)
    with pytest.raises(PaperStateError, match=rf"line {number + 1}: Invalid decimal"):
        make_venue(state_path=path)
    assert path.read_bytes() == damaged
    path.write_bytes(b'{"type":"fill","account":"paper"}\n')
    with pytest.raises(PaperStateError, match="line 1: Object missing required field `fill`"):
        make_venue(state_path=path)


async def test_a_version_1_file_is_read_whole_and_written_anew_at_the_next_change(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    """The first form kept every order and execution in the one file."""
    memory = make_venue()
    quote(memory, "100.00", "100.02")
    await _trade(memory, 3)
    ledger = memory.ledger(ACCOUNT)
    path = tmp_path / "paper.json"
    path.write_bytes(
        msgspec.json.encode(
            VenueState(version=1, next_execution=4, next_order=4, accounts={ACCOUNT: ledger})
        )
    )
    venue = make_venue(state_path=path)
    assert _books(venue) == _books(memory)
    quote(venue, "100.00", "100.02")
    await _trade(venue, 1, first=4)
    last = msgspec.json.decode(path.read_bytes().splitlines()[-1])
    assert (last["type"], last["version"]) == ("state", 2)
    assert list(make_venue(state_path=path).ledger(ACCOUNT).orders) == ["m1", "m2", "m3", "m4"]
