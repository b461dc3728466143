"""A session's memory from a snapshot plus the records after it, against the real journal.

The session's start and compaction read through :class:`JournalPort` inside
an actor; a small ``runner`` actor runs them there, exactly as the session
does (``history`` → ``replay_history`` → ``state`` → ``save``; ``compact``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import trio
import trio.testing
from hypothesis import given

from actors.broker import SessionMemory, replay_history
from actors.broker._history import compact
from actors.messages import (
    AccountOpened,
    Fill,
    Order,
    OrderStatus,
    OrderUpdate,
    ReconciliationReport,
    Side,
    make_client_order_id,
)
from runtime import (
    ActorContext,
    ChildSpec,
    Clock,
    Message,
    Request,
    SupervisorSpec,
    TaskStatus,
    open_tree,
)
from runtime.journal import Append, LatestSnapshot, ReadAfter, Records, SnapshotFound, journal_actor
from tradeloop._journaling import (
    JOURNAL,
    JOURNAL_TYPES,
    JournalPort,
    SessionSaved,
    read_records,
)

ACCOUNT = "paper"
OTHER = "other"
KEEP = 2  # closed orders a snapshot keeps: small, so dropping them is exercised
T0 = 1_772_461_800.0

Job = Callable[[], Awaitable[Any]]


async def _runner(ctx: ActorContext, task_status: TaskStatus) -> None:
    """Runs jobs inside the tree, where :func:`runtime.current_context` finds the journal."""
    task_status.started()
    async for request in ctx.mailbox:
        assert isinstance(request, Request)
        request.reply(await request.message())


async def _start(every: int) -> tuple[SessionMemory, int]:
    """What a session's start does: the latest snapshot, the tail, a snapshot if it was long."""
    port = JournalPort()
    history = await port.history(ACCOUNT)
    memory = await replay_history(ACCOUNT, history.records, history.state)
    if len(history.records) >= every:
        await port.save(ACCOUNT, memory.state(KEEP), history.seq)
    return memory, len(history.records)


async def _full() -> SessionMemory:
    tags = ("order", "order_update", "fill", "reconciliation_report", "account_opened")
    return await replay_history(ACCOUNT, await read_records(tags))


async def _compact() -> int | None:
    port = JournalPort()
    return await compact(ACCOUNT, port.history, port.save, KEEP)


def _trimmed(memory: SessionMemory) -> tuple[object, ...]:
    """Everything the memory holds, with terminal orders beyond ``KEEP`` forgotten."""
    memory.book.forget_closed(KEEP)  # what the live session does on every tick
    return (
        memory.book.snapshot(),
        memory.positions,
        memory.next_sequence,
        memory.fills_cursor,
        memory.last_report,
        memory.opened,
    )


def _records(draw: st.DrawFn) -> list[Message]:
    """A journal's worth of session records for two accounts, in a plausible order."""
    out: list[Message] = [AccountOpened(account=ACCOUNT, cash=Decimal(1000), ts=T0)]
    orders: list[Order] = []
    sequence = {ACCOUNT: 0, OTHER: 0}
    for step in range(draw(st.integers(0, 40))):
        ts = T0 + step
        kind = draw(st.sampled_from(("order", "update", "fill", "fill", "report")))
        if kind == "order" or not orders:
            account = draw(st.sampled_from((ACCOUNT, ACCOUNT, OTHER)))
            sequence[account] += draw(st.integers(1, 2))
            order = Order(
                client_order_id=make_client_order_id(account, sequence[account]),
                account=account,
                symbol=draw(st.sampled_from(("AAPL", "MSFT"))),
                side=draw(st.sampled_from((Side.BUY, Side.SELL))),
                quantity=Decimal(draw(st.integers(1, 5))),
                ts=ts,
            )
            orders.append(order)
            out.append(order)
            continue
        order = draw(st.sampled_from(orders))
        if kind == "update":
            status = draw(st.sampled_from(list(OrderStatus)))
            venue = draw(st.sampled_from((None, "V1", "V2")))
            out.append(_update(order, status, ts, venue))
        elif kind == "fill":
            out.append(
                Fill(
                    execution_id=f"X{draw(st.integers(0, 30))}",  # repeats: duplicates
                    client_order_id=order.client_order_id,
                    account=order.account,
                    symbol=order.symbol,
                    side=order.side,
                    quantity=Decimal(draw(st.integers(1, 3))),
                    price=Decimal("10.00"),
                    commission=Decimal(0),
                    ts=ts,
                )
            )
        else:
            out.append(
                ReconciliationReport(account=order.account, ts=ts, ok=True, fills_cursor=f"C{step}")
            )
    return out


def _update(order: Order, status: OrderStatus, ts: float, venue: str | None) -> OrderUpdate:
    return OrderUpdate(
        client_order_id=order.client_order_id,
        account=order.account,
        symbol=order.symbol,
        side=order.side,
        status=status,
        quantity=order.quantity,
        filled_quantity=Decimal(0),
        ts=ts,
        venue_order_id=venue,
    )


async def _play(path: Path, records: list[Message], cuts: list[int], every: int) -> None:
    bounds = sorted({0, len(records), *(min(c, len(records)) for c in cuts)})
    spec = SupervisorSpec(
        name="root",
        intensity=0,
        children=(
            ChildSpec(name=JOURNAL, actor=journal_actor(path, JOURNAL_TYPES, io="inline")),
            ChildSpec(name="runner", actor=_runner),
        ),
    )
    last_snapshot = 0
    for n, (a, b) in enumerate(zip(bounds, [*bounds[1:], bounds[-1]], strict=True)):
        async with open_tree(spec, clock=Clock(T0)) as tree:
            run = tree.ref("runner")
            memory, _ = await run.ask(lambda: _start(every))
            assert _trimmed(memory) == _trimmed(await run.ask(_full))
            found: SnapshotFound = await tree.ref(JOURNAL).ask(LatestSnapshot(name="session:paper"))
            if found.snapshot is not None:
                snapshot = found.snapshot
                log: Records = await tree.ref(JOURNAL).ask(ReadAfter())
                assert last_snapshot <= snapshot.seq <= log.last_seq
                last_snapshot = snapshot.seq
                # it summarises exactly the records up to its seq
                upto = [r.payload for r in log.records if r.seq <= snapshot.seq]
                assert isinstance(snapshot.payload, SessionSaved)
                restored = SessionMemory.restore(ACCOUNT, snapshot.payload.state)
                assert _trimmed(restored) == _trimmed(await replay_history(ACCOUNT, upto))
            if records[a:b]:
                await tree.ref(JOURNAL).ask(Append(records=tuple(records[a:b])))
            if n % 2:  # a compaction folds the tail into a snapshot of the journal alone
                seq = await run.ask(_compact)
                assert seq is None or seq >= last_snapshot


@given(
    records=st.composite(_records)(),
    cuts=st.lists(st.integers(0, 45), max_size=4),
    every=st.integers(1, 8),
)
def test_rebuild_from_snapshot_and_tail_equals_full_replay(
    records: list[Message], cuts: list[int], every: int
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        clock = trio.testing.MockClock(autojump_threshold=0)
        trio.run(_play, Path(directory) / "journal.db", records, cuts, every, clock=clock)
