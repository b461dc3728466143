"""The async journal, off the trio thread (live daemon) and inline (virtual time)."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from runtime.journal import (
    IO,
    JournalClosed,
    JournalCorrupt,
    JournalFaults,
    JournalWriteFailed,
    open_journal,
    verify_journal,
)

from ._support import TYPES, FillRecorded, Positions, fill, flip_byte, intent


@pytest.mark.parametrize("io", ["thread", "inline"])
async def test_append_read_and_snapshot(tmp_path: Path, io: IO) -> None:
    path = tmp_path / "journal.db"
    async with open_journal(path, TYPES, io=io) as journal:
        assert await journal.append([fill(1), intent(1)], 10.0) == 2
        assert journal.last_seq == 2
        await journal.save_snapshot("portfolio", Positions(quantities=()), 2, ts=11.0)
        assert [r.payload for r in await journal.read(types=[FillRecorded])] == [fill(1)]
        snapshot = await journal.latest_snapshot("portfolio")
        assert snapshot is not None
        assert (snapshot.seq, snapshot.ts) == (2, 11.0)
        assert (await journal.verify()).records == 2
    with pytest.raises(JournalClosed):
        await journal.append([fill(3)], 12.0)
    async with open_journal(path, TYPES, io=io, verify="tail") as journal:
        assert [r.seq for r in await journal.read(after=1)] == [2]


async def test_concurrent_appends_from_many_tasks_get_distinct_seqs(tmp_path: Path) -> None:
    results: list[tuple[int, int]] = []
    async with open_journal(tmp_path / "journal.db", TYPES, io="thread") as journal:

        async def writer(n: int) -> None:
            results.append((n, await journal.append([fill(n)], float(n))))

        async with trio.open_nursery() as nursery:
            for n in range(1, 21):
                nursery.start_soon(writer, n)
        records = await journal.read()
    assert sorted(seq for _, seq in results) == list(range(1, 21))
    by_seq = {r.seq: r.payload for r in records}
    assert all(by_seq[seq] == fill(n) for n, seq in results)


async def test_a_failed_write_is_reported_and_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    faults = JournalFaults()
    async with open_journal(path, TYPES, faults=faults) as journal:
        await journal.append([fill(1)], 1.0)
        faults.fail_next_writes(1, reason="disk full")
        with pytest.raises(JournalWriteFailed, match="write failed: disk full \\(injected\\)"):
            await journal.append([fill(2), fill(3)], 2.0)
        assert faults.injected == 1
        with pytest.raises(JournalClosed, match="closed: a write failed: disk full"):
            await journal.read()
    assert verify_journal(path, TYPES).last_seq == 1


async def test_a_corrupt_file_is_refused_on_open(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    async with open_journal(path, TYPES) as journal:
        await journal.append([fill(1), fill(2)], 1.0)
    flip_byte(path, b"EXEC-000002")
    with pytest.raises(JournalCorrupt, match="corrupt at seq 2: checksum mismatch"):
        async with open_journal(path, TYPES):
            raise AssertionError("a corrupt journal was opened")


async def test_an_online_backup_while_the_journal_is_open(tmp_path: Path) -> None:
    async with open_journal(tmp_path / "journal.db", TYPES) as journal:
        await journal.append([fill(n) for n in range(1, 4)], 1.0)
        report = await journal.backup(tmp_path / "backup.db")
        await journal.append([fill(4)], 2.0)
    assert report.last_seq == 3
    assert verify_journal(tmp_path / "backup.db", TYPES).last_seq == 3
