"""The journal actor in a real tree under virtual time (io="inline")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing

from runtime import ActorStatus, ChildSpec, Request, Strategy, SupervisorSpec, open_tree
from runtime.errors import SupervisorGaveUp
from runtime.journal import (
    Append,
    Appended,
    GetJournalStats,
    JournalFaults,
    JournalStats,
    JournalWriteFailed,
    LatestSnapshot,
    ReadAfter,
    Records,
    SaveSnapshot,
    SnapshotFound,
    SnapshotSaved,
    journal_actor,
    verify_journal,
)

from .._actors import Lifelog, worker
from ._support import TYPES, Positions, fill, flip_byte, intent


def _tree(path: Path, log: Lifelog, faults: JournalFaults | None = None) -> SupervisorSpec:
    return SupervisorSpec(
        name="root",
        strategy=Strategy.REST_FOR_ONE,
        children=(
            ChildSpec(name="journal", actor=journal_actor(path, TYPES, io="inline", faults=faults)),
            ChildSpec(name="portfolio", actor=worker(log)),
        ),
    )


async def _stats(tree: Any) -> JournalStats:
    stats = await tree.ref("journal").ask(GetJournalStats())
    assert isinstance(stats, JournalStats)
    return stats


async def test_an_append_is_answered_once_durable(tmp_path: Path, autojump_clock: object) -> None:
    path = tmp_path / "journal.db"
    async with open_tree(_tree(path, Lifelog())) as tree:
        await trio.sleep(5.0)
        answer = await tree.ref("journal").ask(Append(records=(fill(1), intent(1))))
        assert answer == Appended(first_seq=1, last_seq=2)
        # another connection sees it at once: it is committed, not buffered
        assert verify_journal(path, TYPES).last_seq == 2
        records = await tree.ref("journal").ask(ReadAfter(after=0))
        assert isinstance(records, Records)
        assert [(r.seq, r.ts, r.payload) for r in records.records] == [
            (1, tree.clock.time(), fill(1)),
            (2, tree.clock.time(), intent(1)),
        ]
        only = await tree.ref("journal").ask(ReadAfter(types=("order_intent",)))
        assert [r.seq for r in only.records] == [2]
        assert only.last_seq == 2


async def test_waiting_appends_share_one_transaction(
    tmp_path: Path, autojump_clock: object
) -> None:
    async with open_tree(_tree(tmp_path / "journal.db", Lifelog())) as tree:
        journal = tree.ref("journal")
        before = (await _stats(tree)).transactions
        answers: dict[int, Appended] = {}

        async def ask(n: int) -> None:
            answers[n] = await journal.ask(
                Append(records=tuple(fill(10 * n + k) for k in range(n)))
            )

        async with trio.open_nursery() as nursery:
            for n in range(1, 6):
                nursery.start_soon(ask, n)
        stats = await _stats(tree)
        assert stats.transactions == before + 1
        assert (stats.last_seq, stats.records_appended) == (15, 15)
        records = {r.seq: r.payload for r in (await journal.ask(ReadAfter())).records}
        for n, appended in answers.items():
            seqs = range(appended.first_seq, appended.last_seq + 1)
            assert [records[seq] for seq in seqs] == [fill(10 * n + k) for k in range(n)]


async def test_a_read_in_a_batch_sees_the_appends_queued_before_it(
    tmp_path: Path, autojump_clock: object
) -> None:
    async with open_tree(_tree(tmp_path / "journal.db", Lifelog())) as tree:
        journal = tree.ref("journal")
        queued: list[Request[Any]] = [
            Request(Append(records=(fill(1),))),
            Request(ReadAfter()),
            Request(Append(records=(fill(2), fill(3)))),
            Request(GetJournalStats()),
        ]
        for request in queued:  # queued together, in this order, before the actor runs
            await journal.tell(request)
        first, read, second, stats = [await request.wait() for request in queued]
        assert (first, second) == (Appended(1, 1), Appended(2, 3))
        assert [r.payload for r in read.records] == [fill(1)]
        assert read.last_seq == 1
        assert stats.transactions == 2


async def test_snapshots_through_the_actor(tmp_path: Path, autojump_clock: object) -> None:
    async with open_tree(_tree(tmp_path / "journal.db", Lifelog())) as tree:
        journal = tree.ref("journal")
        await journal.ask(Append(records=(fill(1),)))
        state = Positions(quantities=(("AAPL", fill(1).quantity),))
        assert await journal.ask(SaveSnapshot(name="portfolio", payload=state, seq=1)) == (
            SnapshotSaved(seq=1)
        )
        found = await journal.ask(LatestSnapshot(name="portfolio"))
        assert isinstance(found, SnapshotFound)
        assert found.snapshot is not None
        assert (found.snapshot.seq, found.snapshot.payload) == (1, state)
        assert await journal.ask(LatestSnapshot(name="risk")) == SnapshotFound(snapshot=None)


async def test_bad_requests_fail_alone_and_the_journal_stays_up(
    tmp_path: Path, autojump_clock: object
) -> None:
    async with open_tree(_tree(tmp_path / "journal.db", Lifelog())) as tree:
        journal = tree.ref("journal")
        with pytest.raises(TypeError, match="does not hold JournalStats"):
            await journal.ask(
                Append(
                    records=(JournalStats(path="", last_seq=0, transactions=0, records_appended=0),)
                )
            )
        with pytest.raises(ValueError, match="at least one record"):
            await journal.ask(Append(records=()))
        with pytest.raises(ValueError, match="holds no type \\['fills'\\]"):
            await journal.ask(ReadAfter(types=("fills",)))
        with pytest.raises(ValueError, match="seq 4 is not in the log"):
            await journal.ask(SaveSnapshot(name="p", payload=Positions(quantities=()), seq=4))
        with pytest.raises(TypeError, match="does not serve Positions"):
            await journal.ask(Positions(quantities=()))
        assert await journal.ask(Append(records=(fill(1),))) == Appended(1, 1)
        assert [a.incarnation for a in tree.actors() if a.name == "journal"] == [1]


async def test_a_failed_write_fails_its_asks_and_restarts_the_dependents(
    tmp_path: Path, autojump_clock: object
) -> None:
    path = tmp_path / "journal.db"
    log = Lifelog()
    faults = JournalFaults()
    async with open_tree(_tree(path, log, faults)) as tree:
        journal = tree.ref("journal")
        assert await journal.ask(Append(records=(fill(1),))) == Appended(1, 1)
        faults.fail_next_writes(1)
        queued: list[Request[Any]] = [
            Request(Append(records=(fill(2),))),
            Request(Append(records=(fill(3),))),
        ]
        for request in queued:
            await journal.tell(request)
        for request in queued:  # both were in the failed transaction: neither may be acted on
            with pytest.raises(JournalWriteFailed, match="disk I/O error \\(injected\\)"):
                await request.wait()
        await trio.testing.wait_all_tasks_blocked()
        assert journal.status is ActorStatus.RUNNING
        assert [a.incarnation for a in tree.actors() if a.name == "journal"] == [2]
        assert log.starts("portfolio") == 2  # rest_for_one: what depends on it rebuilt too
        assert await journal.ask(Append(records=(fill(4),))) == Appended(2, 2)
        records = await journal.ask(ReadAfter())
        assert [r.payload for r in records.records] == [fill(1), fill(4)]


async def test_a_corrupt_journal_stops_the_tree_from_starting(
    tmp_path: Path, autojump_clock: object
) -> None:
    path = tmp_path / "journal.db"
    log = Lifelog()
    async with open_tree(_tree(path, log)) as tree:
        await tree.ref("journal").ask(Append(records=(fill(1), fill(2))))
    flip_byte(path, b"EXEC-000002")
    with pytest.raises(SupervisorGaveUp, match="corrupt at seq 2: checksum mismatch"):
        async with open_tree(_tree(path, log)):
            raise AssertionError("the tree started on a corrupt journal")
    assert log.starts("portfolio") == 1  # only the first tree's: nothing ran on bad state
