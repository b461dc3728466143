"""The state file: resting orders survive a restart; a bad file is refused, never overwritten."""

from __future__ import annotations

import random
from decimal import Decimal as D
from pathlib import Path

import pytest
from trio.testing import MockClock

import runtime
from actors.messages import Fill, OrderStatus, OrderType, Side
from adapters.paper import PaperStateError, PaperVenue

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
