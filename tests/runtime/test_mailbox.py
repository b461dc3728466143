"""Mailboxes: policies under a slow reader, order, batching, and life across restarts."""

from __future__ import annotations

from typing import Any

import pytest
import trio
import trio.testing

from runtime import (
    ChildSpec,
    Mailbox,
    Message,
    Policy,
    Registry,
    Restart,
    Subscribe,
    SupervisorSpec,
    open_tree,
)
from runtime.errors import ActorUnavailable, MailboxClosed

from ._actors import Crash, Lifelog, Note, Query, worker


class Px(Message, frozen=True, tag="px"):
    symbol: str
    n: int


class Ev(Message, frozen=True, tag="ev"):
    n: int


def _drain(mailbox: Mailbox) -> list[Any]:
    reader = mailbox.open_reader()
    out = []
    while True:
        try:
            out.append(reader.receive_nowait())
        except trio.WouldBlock:
            return out


async def test_block_policy_makes_the_sender_wait_and_never_drops(
    autojump_clock: object,
) -> None:
    mailbox = Mailbox("slow", capacity=2)
    reader = mailbox.open_reader()
    got: list[int] = []

    async def slow_reader() -> None:
        for _ in range(5):
            await trio.sleep(1.0)
            message = await reader.receive()
            got.append(message.n)

    t0 = trio.current_time()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(slow_reader)
        for n in range(5):
            await mailbox.send(Ev(n=n))
        sent_at = trio.current_time() - t0
    assert got == [0, 1, 2, 3, 4]
    # two fit at once; each later send waited for the reader to take one (at 1, 2, 3 s)
    assert sent_at == 3.0
    mailbox.send_nowait(Ev(n=9))
    mailbox.send_nowait(Ev(n=10))
    with pytest.raises(trio.WouldBlock):
        mailbox.send_nowait(Ev(n=11))
    assert mailbox.stats().peak_depth == 2


def test_conflate_keeps_the_latest_per_key_in_its_first_place() -> None:
    registry = Registry()
    mailbox = Mailbox("strategy")
    registry.subscribe(mailbox, Px, Policy.CONFLATE, capacity=10, key=lambda m: m.symbol)
    for n, symbol in enumerate(["AAPL", "MSFT", "AAPL", "AAPL", "NVDA", "MSFT"]):
        registry.publish_nowait(Px(symbol=symbol, n=n))
    assert [(m.symbol, m.n) for m in _drain(mailbox)] == [("AAPL", 3), ("MSFT", 5), ("NVDA", 4)]
    (lane,) = mailbox.stats().lanes
    assert (lane.policy, lane.conflated, lane.dropped, lane.delivered) == ("conflate", 3, 0, 3)


def test_conflate_drops_the_oldest_key_when_full() -> None:
    registry = Registry()
    mailbox = Mailbox("strategy")
    registry.subscribe(mailbox, Px, Policy.CONFLATE, capacity=2, key=lambda m: m.symbol)
    for n, symbol in enumerate(["A", "B", "C"]):
        registry.publish_nowait(Px(symbol=symbol, n=n))
    assert [m.symbol for m in _drain(mailbox)] == ["B", "C"]
    assert mailbox.stats().lanes[0].dropped == 1


def test_drop_oldest_counts_every_drop() -> None:
    registry = Registry()
    mailbox = Mailbox("hub")
    registry.subscribe(mailbox, Ev, Policy.DROP_OLDEST, capacity=3)
    for n in range(10):
        registry.publish_nowait(Ev(n=n))
    assert [m.n for m in _drain(mailbox)] == [7, 8, 9]
    stats = mailbox.stats()
    assert (stats.lanes[0].dropped, stats.lanes[0].delivered, stats.delivered) == (7, 3, 3)


def test_lanes_share_one_fifo_so_send_order_is_receive_order() -> None:
    registry = Registry()
    mailbox = Mailbox("mixed")
    registry.subscribe(mailbox, Ev, Policy.BLOCK)
    registry.subscribe(mailbox, Px, Policy.CONFLATE, key=lambda m: m.symbol)
    registry.publish_nowait(Ev(n=1))
    registry.publish_nowait(Px(symbol="A", n=2))
    registry.publish_nowait(Ev(n=3))
    registry.publish_nowait(Px(symbol="A", n=4))  # replaces n=2 in its place
    assert [m.n for m in _drain(mailbox)] == [1, 4, 3]


def test_publish_nowait_refuses_a_full_block_subscriber_and_counts_it() -> None:
    registry = Registry()
    mailbox = Mailbox("full", capacity=1)
    subscription = registry.subscribe(mailbox, Ev)
    assert registry.publish_nowait(Ev(n=1)) == 0
    assert registry.publish_nowait(Ev(n=2)) == 1
    assert (subscription.refused, mailbox.stats().refused) == (1, 1)


async def test_a_busy_reader_yields_every_batch(autojump_clock: object) -> None:
    """Receiving from a full mailbox never starves the other tasks."""
    mailbox = Mailbox("busy", capacity=1000, batch=10)
    for n in range(1000):
        mailbox.send_nowait(Ev(n=n))
    reader = mailbox.open_reader()
    ticks = 0

    async def other() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await trio.lowlevel.checkpoint()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(other)
        for _ in range(1000):
            await reader.receive()
        nursery.cancel_scope.cancel()
    assert ticks >= 1000 // 10 - 1


async def test_receive_batch_takes_what_is_buffered(autojump_clock: object) -> None:
    mailbox = Mailbox("batch", batch=4)
    reader = mailbox.open_reader()
    for n in range(6):
        mailbox.send_nowait(Ev(n=n))
    assert [m.n for m in await reader.receive_batch()] == [0, 1, 2, 3]
    assert [m.n for m in await reader.receive_batch()] == [4, 5]


def test_a_revoked_reader_cannot_steal_from_its_successor() -> None:
    mailbox = Mailbox("box")
    old = mailbox.open_reader()
    new = mailbox.open_reader()
    mailbox.send_nowait(Ev(n=1))
    with pytest.raises(MailboxClosed):
        old.receive_nowait()
    assert new.receive_nowait() == Ev(n=1)


def test_a_closed_mailbox_refuses_senders() -> None:
    mailbox = Mailbox("gone")
    mailbox.send_nowait(Ev(n=1))
    mailbox.close()
    with pytest.raises(ActorUnavailable, match="'gone' is unavailable: its mailbox is closed"):
        mailbox.send_nowait(Ev(n=2))
    assert len(mailbox) == 0


def test_bad_mailbox_and_lane_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="capacity must be at least 1"):
        Mailbox("m", capacity=0)
    with pytest.raises(ValueError, match="conflate needs a key function"):
        Mailbox("m").lane("l", Policy.CONFLATE, 4)


# -- across restarts ----------------------------------------------------------------------


async def test_messages_buffered_during_a_crash_reach_the_next_incarnation(
    autojump_clock: object,
) -> None:
    log = Lifelog()
    spec = SupervisorSpec(name="root", children=(ChildSpec(name="w", actor=worker(log)),))
    async with open_tree(spec) as tree:
        w = tree.ref("w")
        # sent in one go, without a scheduler pass: all buffered behind the crash
        w.tell_nowait(Note(n=1))
        w.tell_nowait(Crash())
        w.tell_nowait(Note(n=2))
        w.tell_nowait(Note(n=3))
        await trio.testing.wait_all_tasks_blocked()
        assert log.starts("w") == 2
        assert await w.ask(Query()) == (1, 2, 3)


async def test_subscriptions_survive_restarts(autojump_clock: object) -> None:
    log = Lifelog()
    spec = SupervisorSpec(
        name="root",
        children=(
            ChildSpec(
                name="w",
                actor=worker(log),
                restart=Restart.PERMANENT,
                subscriptions=(Subscribe(Note),),
            ),
        ),
    )
    async with open_tree(spec) as tree:
        await tree.registry.publish(Note(n=1))
        await tree.ref("w").tell(Crash())
        await tree.registry.publish(Note(n=2))
        await trio.testing.wait_all_tasks_blocked()
        assert await tree.ref("w").ask(Query()) == (1, 2)


async def test_a_reaction_never_overtakes_what_it_reacts_to(autojump_clock: object) -> None:
    """Publishing never yields between subscribers with room, even when a batch is due.

    ``first`` reacts to each Ev by publishing a Px that ``second`` also hears:
    ``second`` must hear every Ev before the Px it caused (a fill before the
    position it produced), though every send to ``first`` ends its batch.
    """
    registry = Registry()
    first = Mailbox("first", batch=1)
    second = Mailbox("second", capacity=1000)
    registry.subscribe(first, Ev)
    registry.subscribe(second, Ev)
    registry.subscribe(second, Px)
    reader = first.open_reader()

    async def react() -> None:
        while True:
            for event in await reader.receive_batch(limit=1000):
                await registry.publish(Px(symbol="A", n=event.n))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(react)
        for n in range(100):
            await registry.publish(Ev(n=n))
        await trio.testing.wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    heard = [(type(m).__name__, m.n) for m in _drain(second)]
    assert sorted(heard) == sorted((kind, n) for n in range(100) for kind in ("Ev", "Px"))
    assert all(heard.index(("Ev", n)) < heard.index(("Px", n)) for n in range(100))


async def test_a_busy_publisher_yields_every_batch(autojump_clock: object) -> None:
    registry = Registry()
    mailbox = Mailbox("roomy", capacity=10_000)
    registry.subscribe(mailbox, Ev)
    ticks = 0

    async def other() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await trio.lowlevel.checkpoint()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(other)
        for n in range(6400):
            await registry.publish(Ev(n=n))
        nursery.cancel_scope.cancel()
    assert ticks >= 6400 // 64 - 1
