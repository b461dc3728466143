"""The synchronous store on real SQLite files: round trips, durability, refusals."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from runtime import Message
from runtime.journal import JournalClosed, JournalError, JournalStore, Record
from runtime.journal.errors import JournalWriteFailed

from ._support import TYPES, FillRecorded, OrderIntent, Positions, fill, intent


def test_append_and_read_back_in_order(tmp_path: Path) -> None:
    store = JournalStore.open(tmp_path / "journal.db", TYPES)
    assert store.last_seq == 0
    assert store.append([fill(1), intent(1)], 1_700_000_000.5) == 2
    assert store.append([fill(2)], 1_700_000_001.0) == 3
    assert store.read() == [
        Record(seq=1, ts=1_700_000_000.5, payload=fill(1)),
        Record(seq=2, ts=1_700_000_000.5, payload=intent(1)),
        Record(seq=3, ts=1_700_000_001.0, payload=fill(2)),
    ]
    assert [r.seq for r in store.read(after=1)] == [2, 3]
    assert [r.seq for r in store.read(types=[FillRecorded])] == [1, 3]
    assert [r.seq for r in store.read(after=0, limit=2)] == [1, 2]
    assert store.read(after=3) == []
    assert store.transactions == 2
    store.close()


def test_records_survive_close_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    store = JournalStore.open(path, TYPES)
    store.append([fill(n) for n in range(1, 6)], 10.0)
    store.close()
    again = JournalStore.open(path, TYPES)
    assert again.report.records == again.report.records_checked == 5
    assert [r.payload for r in again.read()] == [fill(n) for n in range(1, 6)]
    assert again.append([fill(6)], 11.0) == 6  # the chain continues
    again.close()
    assert JournalStore.open(path, TYPES, verify="full").last_seq == 6


def test_an_append_is_on_disk_when_it_returns(tmp_path: Path) -> None:
    """Copy the file and its WAL while the writer still has it open, as a crash would leave it."""
    path = tmp_path / "journal.db"
    store = JournalStore.open(path, TYPES)
    store.append([fill(1), fill(2)], 5.0)
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    shutil.copy(path, crashed / "journal.db")
    shutil.copy(
        f"{path}-wal", crashed / "journal.db-wal"
    )  # the commit lives here until a checkpoint
    store.close()
    recovered = JournalStore.open(crashed / "journal.db", TYPES)
    assert [r.payload for r in recovered.read()] == [fill(1), fill(2)]
    recovered.close()


@pytest.mark.parametrize(("durable", "synchronous"), [(True, 2), (False, 0)])
def test_a_throwaway_journal_leaves_flushing_to_the_os(
    tmp_path: Path, durable: bool, synchronous: int
) -> None:
    """``durable=False`` is SQLite's ``synchronous=OFF`` (FULL is 2); the log is the same.

    What SQLite was told is the only observable short of cutting the power,
    so the test reads the setting off the store's own connection.
    """
    path = tmp_path / "journal.db"
    store = JournalStore.open(path, TYPES, durable=durable)
    assert store._conn is not None
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == synchronous
    store.append([fill(1), intent(1)], 5.0)
    store.close()
    reopened = JournalStore.open(path, TYPES)
    assert [r.payload for r in reopened.read()] == [fill(1), intent(1)]
    assert reopened.report.full
    reopened.close()


def test_snapshots_keep_every_version_and_answer_the_latest(tmp_path: Path) -> None:
    store = JournalStore.open(tmp_path / "journal.db", TYPES)
    assert store.latest_snapshot("portfolio") is None
    store.save_snapshot("portfolio", Positions(quantities=()), 0, 1.0)
    store.append([fill(1), fill(2)], 2.0)
    state = Positions(quantities=(("AAPL", Decimal("3")),))
    store.save_snapshot("portfolio", state, 2, 3.0)
    store.save_snapshot("other", Positions(quantities=()), 1, 4.0)
    latest = store.latest_snapshot("portfolio")
    assert latest is not None
    assert (latest.name, latest.seq, latest.ts, latest.payload) == ("portfolio", 2, 3.0, state)
    with pytest.raises(ValueError, match=r"seq 3 is not in the log \(0..2\)"):
        store.save_snapshot("portfolio", state, 3, 5.0)
    store.close()
    again = JournalStore.open(tmp_path / "journal.db", TYPES)
    assert again.report.snapshots == 3
    assert again.latest_snapshot("portfolio") == latest
    again.close()


def test_bad_requests_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    class Stranger(Message, frozen=True, tag="stranger"):
        pass

    store = JournalStore.open(tmp_path / "journal.db", TYPES)
    with pytest.raises(TypeError, match="does not hold Stranger"):
        store.append([fill(1), Stranger()], 1.0)
    with pytest.raises(ValueError, match="nothing to append"):
        store.append([], 1.0)
    with pytest.raises(ValueError, match="finite number"):
        store.append([fill(1)], float("nan"))
    with pytest.raises(TypeError, match="does not hold Stranger"):
        store.read(types=[Stranger])
    with pytest.raises(ValueError, match="after must be >= 0"):
        store.read(after=-1)
    assert (store.last_seq, store.transactions) == (0, 0)
    store.close()


def test_the_journal_types_must_be_distinct_tagged_messages(tmp_path: Path) -> None:
    class Twin(Message, frozen=True, tag="order_intent"):
        pass

    with pytest.raises(ValueError, match="share the tag 'order_intent'"):
        JournalStore.open(tmp_path / "journal.db", [OrderIntent, Twin])
    with pytest.raises(TypeError, match=r"is not a runtime\.Message subclass"):
        JournalStore.open(tmp_path / "journal.db", [int])  # type: ignore[list-item]
    assert not (tmp_path / "journal.db").exists()


def test_missing_files_and_directories_are_named(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="does not exist"):
        JournalStore.open(tmp_path / "absent.db", TYPES, create=False)
    with pytest.raises(JournalError, match=r"directory .*nowhere.* does not exist"):
        JournalStore.open(tmp_path / "nowhere" / "journal.db", TYPES)
    with pytest.raises(JournalError, match=r"cannot be read: .*Is a directory"):
        JournalStore.open(tmp_path, TYPES)


def test_a_failed_write_rolls_back_and_closes_the_store(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    store = JournalStore.open(path, TYPES)
    store.append([fill(1), fill(2)], 2.0)
    intruder = JournalStore.open(path, TYPES)
    intruder.append([fill(3)], 3.0)  # a second writer moves the head under the first
    intruder.close()
    with pytest.raises(JournalWriteFailed, match="another writer moved the head to seq 3"):
        store.append([fill(4)], 4.0)
    with pytest.raises(JournalClosed, match="a write failed"):
        store.read()
    reopened = JournalStore.open(path, TYPES)
    assert [r.payload for r in reopened.read()] == [fill(1), fill(2), fill(3)]
    reopened.close()
