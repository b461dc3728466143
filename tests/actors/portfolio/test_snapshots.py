"""Start-up from a snapshot: the real journal actor, the real portfolio, virtual time."""

from __future__ import annotations

import itertools
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, closing
from decimal import Decimal as D
from pathlib import Path

import msgspec
import pytest
import trio
import trio.testing
from hypothesis import given
from hypothesis import strategies as st

from actors.messages import (
    AccountOpened,
    Fill,
    GetPortfolio,
    LedgerSnapshot,
    PortfolioSnapshot,
    SessionCalendar,
    Side,
)
from actors.portfolio import PORTFOLIO_SUBSCRIPTIONS, Accounts, portfolio_actor
from runtime import ChildSpec, Clock, Message, SupervisorSpec, Tree, open_tree
from runtime.errors import SupervisorGaveUp
from runtime.journal import (
    Append,
    LatestSnapshot,
    ReadAfter,
    Records,
    SaveSnapshot,
    Snapshot,
    SnapshotFound,
    journal_actor,
)
from tradeloop._journaling import (
    JOURNAL,
    JOURNAL_TYPES,
    PortfolioSaved,
    load_portfolio_history,
    save_portfolio,
)

from ...runtime.journal._support import tamper
from ._fills import INSTRUMENTS, T0, fill

ACCOUNTS = ("paper", "other")
OPENINGS = tuple(AccountOpened(account=a, cash=D(100_000), ts=T0) for a in ACCOUNTS)
MEMORY = 4  # a small execution memory, so forgetting crosses snapshots


def _spec(path: Path, *, portfolio: bool = True, every: int = 3) -> SupervisorSpec:
    children = [ChildSpec(name=JOURNAL, actor=journal_actor(path, JOURNAL_TYPES, io="inline"))]
    if portfolio:
        actor = portfolio_actor(
            INSTRUMENTS,
            load_history=load_portfolio_history,
            save_snapshot=save_portfolio,
            snapshot_every=every,
            execution_memory=MEMORY,
        )
        children.append(
            ChildSpec(name="portfolio", actor=actor, subscriptions=PORTFOLIO_SUBSCRIPTIONS)
        )
    return SupervisorSpec(name="root", intensity=0, children=tuple(children))


@asynccontextmanager
async def _tree(path: Path, *, portfolio: bool = True, every: int = 3) -> AsyncIterator[Tree]:
    async with open_tree(_spec(path, portfolio=portfolio, every=every), clock=Clock(T0)) as tree:
        yield tree


async def _append(tree: Tree, records: Sequence[Message]) -> None:
    if records:
        await tree.ref(JOURNAL).ask(Append(records=tuple(records)))


async def _latest(tree: Tree) -> Snapshot | None:
    found: SnapshotFound = await tree.ref(JOURNAL).ask(LatestSnapshot(name="portfolio"))
    return found.snapshot


async def _journaled(tree: Tree) -> Records:
    records: Records = await tree.ref(JOURNAL).ask(ReadAfter(types=("account_opened", "fill")))
    return records


def _replayed(records: Sequence[Message]) -> Accounts:
    """The books a full replay of ``records`` gives: the reference."""
    accounts = Accounts(INSTRUMENTS, calendar=SessionCalendar(), execution_memory=MEMORY)
    for record in records:
        assert isinstance(record, AccountOpened | Fill)
        accounts.apply(record)
    return accounts


def _ledgers(snapshots: Sequence[LedgerSnapshot]) -> dict[str, LedgerSnapshot]:
    return {s.account: msgspec.structs.replace(s, ts=0.0) for s in snapshots}


async def _check_snapshot(tree: Tree) -> int:
    """The latest snapshot summarises exactly the journal's records up to its seq."""
    snapshot = await _latest(tree)
    if snapshot is None:
        return 0
    journaled = await _journaled(tree)
    assert snapshot.seq <= journaled.last_seq
    assert isinstance(snapshot.payload, PortfolioSaved)
    upto = [r.payload for r in journaled.records if r.seq <= snapshot.seq]
    expected = [ledger.snapshot(0.0) for ledger in _replayed(upto).ledgers.values()]
    assert _ledgers(snapshot.payload.ledgers) == _ledgers(expected)
    return snapshot.seq


async def _books(tree: Tree) -> PortfolioSnapshot:
    reply: PortfolioSnapshot = await tree.ref("portfolio").ask(GetPortfolio())
    return reply


def _fills() -> st.SearchStrategy[list[Fill]]:
    one = st.builds(
        lambda n, account, symbol, side, quantity, ticks, strategy, hours: fill(
            f"E{n}",
            symbol,
            side,
            quantity,
            str(INSTRUMENTS[symbol].tick_size * ticks),
            "0.50",
            strategy=strategy,
            account=account,
            ts=T0 + hours * 3600,
        ),
        st.integers(0, 12),  # a small pool of ids: duplicates, also beyond the memory
        st.sampled_from(ACCOUNTS),
        st.sampled_from(("AAPL", "MES")),
        st.sampled_from((Side.BUY, Side.SELL)),
        st.integers(1, 20),
        st.integers(100, 400),
        st.sampled_from(("", "trend", "revert")),
        st.integers(0, 60),
    )
    return st.lists(one, max_size=30).map(lambda fs: sorted(fs, key=lambda f: f.ts))


async def _restarts(path: Path, fills: list[Fill], cuts: list[int], every: int) -> None:
    bounds = sorted({0, len(fills), *(min(c, len(fills)) for c in cuts)})
    chunks = [list(OPENINGS)] + [fills[a:b] for a, b in itertools.pairwise(bounds)]
    journaled: list[Message] = []
    last_snapshot = 0
    for chunk in [*chunks, []]:  # a start after every chunk, and one after the last
        async with _tree(path, every=every) as tree:
            books = await _books(tree)
            assert books == _replayed(journaled).snapshot(books.portfolio.ts)
            await trio.sleep(1)  # let the start's snapshot be saved
            seq = await _check_snapshot(tree)
            assert seq >= last_snapshot
            last_snapshot = seq
            await _append(tree, chunk)
            journaled.extend(chunk)


@given(fills=_fills(), cuts=st.lists(st.integers(0, 30), max_size=4), every=st.integers(1, 6))
def test_rebuild_from_snapshot_and_tail_equals_full_replay(
    fills: list[Fill], cuts: list[int], every: int
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        clock = trio.testing.MockClock(autojump_threshold=0)
        trio.run(_restarts, Path(directory) / "journal.db", fills, cuts, every, clock=clock)


async def test_compaction_snapshots_the_journal_not_the_live_books(
    autojump_clock: object, tmp_path: Path
) -> None:
    path = tmp_path / "journal.db"
    e1, e3, e4, e5, e6, e7, e8 = (
        fill(f"E{n}", "AAPL", Side.BUY if n % 2 else Side.SELL, n, "150.00", "1.00", ts=T0)
        for n in (1, 3, 4, 5, 6, 7, 8)
    )
    async with _tree(path, every=3) as tree:
        await _append(tree, [OPENINGS[0], e1])
        tree_books = await _books(tree)
        assert tree_books.positions == ()  # started before e1 was journaled: nothing replayed
    async with _tree(path, every=3) as tree:  # 2 records replayed: below 3, no snapshot
        await trio.sleep(1)
        assert await _latest(tree) is None
        await tree.registry.publish(e3)  # live, never journaled: the books run ahead
        await _append(tree, [e4, e5])  # journaled, never published: the books lag
        await _append(tree, [e6, e7])
        await tree.registry.publish(e6)
        await tree.registry.publish(e7)  # the third fill booked: a compaction
        await trio.sleep(1)
        snapshot = await _latest(tree)
        assert snapshot is not None
        assert snapshot.seq == 6  # opening, e1, e4 .. e7: every record up to seq 6
        assert await _check_snapshot(tree) == 6
        assert isinstance(snapshot.payload, PortfolioSaved)
        (ledger,) = snapshot.payload.ledgers
        assert ledger.executions == ("E4", "E5", "E6", "E7")  # not E3, and E1 forgotten
        live = await _books(tree)
        assert live.positions[0].quantity == D(1 + 3 - 6 + 7)  # e1, e3, e6, e7 booked live

        # at the session close the day rolls and the journal's new records are folded in
        await _append(tree, [e8])
        await trio.sleep(7 * 3600)
        assert await _check_snapshot(tree) == 7
    async with _tree(path, every=3) as tree:  # a start from the snapshot alone
        books = await _books(tree)
        journaled = [OPENINGS[0], e1, e4, e5, e6, e7, e8]
        assert books == _replayed(journaled).snapshot(books.portfolio.ts)


async def test_a_contradictory_snapshot_fails_the_start(
    autojump_clock: object, tmp_path: Path
) -> None:
    path = tmp_path / "journal.db"
    books = _replayed([OPENINGS[0], fill("E1", "AAPL", Side.BUY, 10, "150.00")])
    good = books.ledgers["paper"].snapshot(T0)
    (position, *rest) = good.positions
    bad = msgspec.structs.replace(
        good, positions=(msgspec.structs.replace(position, quantity=D(0)), *rest)
    )
    async with _tree(path, portfolio=False) as tree:
        await _append(tree, [OPENINGS[0]])
        save = SaveSnapshot(name="portfolio", payload=PortfolioSaved(ledgers=(bad,)), seq=1)
        await tree.ref(JOURNAL).ask(save)
    with pytest.raises(SupervisorGaveUp, match="is flat but carries a cost"):
        async with _tree(path):
            pass


def _tamper(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        (payload,) = conn.execute("SELECT payload FROM snapshots").fetchone()
    tamper(path, "UPDATE snapshots SET payload = ?", payload.replace(b"paper", b"papes"))


async def test_a_damaged_snapshot_is_refused_and_the_start_fails(
    autojump_clock: object, tmp_path: Path
) -> None:
    path = tmp_path / "journal.db"
    async with _tree(path, every=1) as tree:
        await _append(tree, [OPENINGS[0], fill("E1", "AAPL", Side.BUY, 10, "150.00")])
    async with _tree(path, every=1) as tree:  # replays 2 records: saves a snapshot
        await trio.sleep(1)
        assert await _latest(tree) is not None
    _tamper(path)
    with pytest.raises(SupervisorGaveUp, match="checksum mismatch"):
        async with _tree(path):
            pass
