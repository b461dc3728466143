"""A verified copy to recover from: backup, refusal to overwrite, restore after damage."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.journal import (
    JournalCorrupt,
    JournalError,
    JournalStore,
    backup_journal,
    restore_journal,
    verify_journal,
)

from ._support import TYPES, Positions, files, fill, flip_byte


def _live(path: Path) -> None:
    store = JournalStore.open(path, TYPES)
    store.append([fill(n) for n in range(1, 11)], 100.0)
    store.save_snapshot("portfolio", Positions(quantities=()), 10, 101.0)
    store.close()


def test_a_backup_is_a_verified_copy_and_never_overwrites(tmp_path: Path) -> None:
    live, copy = tmp_path / "journal.db", tmp_path / "backup.db"
    _live(live)
    report = backup_journal(live, copy, TYPES)
    assert (report.path, report.records, report.snapshots, report.full) == (str(copy), 10, 1, True)
    assert verify_journal(copy, TYPES).last_seq == 10
    before = files(tmp_path)
    with pytest.raises(
        JournalError, match=r"backup\.db' already exists; a backup never overwrites"
    ):
        backup_journal(live, copy, TYPES)
    assert files(tmp_path) == before


def test_a_corrupt_journal_is_not_backed_up(tmp_path: Path) -> None:
    live = tmp_path / "journal.db"
    _live(live)
    flip_byte(live, b"EXEC-000007")
    with pytest.raises(JournalCorrupt, match="seq 7: checksum mismatch"):
        backup_journal(live, tmp_path / "backup.db", TYPES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.db"]


def test_recovery_from_a_backup_keeps_the_damaged_file_aside(tmp_path: Path) -> None:
    live, copy = tmp_path / "journal.db", tmp_path / "backup.db"
    _live(live)
    backup_journal(live, copy, TYPES)
    flip_byte(live, b"EXEC-000004")
    damaged = live.read_bytes()
    with pytest.raises(JournalCorrupt, match="seq 4"):
        verify_journal(live, TYPES)

    with pytest.raises(JournalError, match="exists; restoring never overwrites it"):
        restore_journal(copy, live, TYPES)
    assert live.read_bytes() == damaged

    restored = restore_journal(copy, live, TYPES, move_aside=True)
    assert restored.moved_aside == f"{live}.aside-1"
    assert Path(restored.moved_aside).read_bytes() == damaged
    assert (restored.report.path, restored.report.last_seq) == (str(live), 10)

    store = JournalStore.open(live, TYPES)
    assert [r.payload for r in store.read()] == [fill(n) for n in range(1, 11)]
    assert store.append([fill(11)], 102.0) == 11  # trading resumes on the good copy
    snapshot = store.latest_snapshot("portfolio")
    store.close()
    assert snapshot is not None
    assert snapshot.seq == 10

    flip_byte(live, b"EXEC-000011")  # damaged again: a second restore keeps both old files
    assert restore_journal(copy, live, TYPES, move_aside=True).moved_aside == f"{live}.aside-2"
    assert Path(f"{live}.aside-1").read_bytes() == damaged


def test_a_corrupt_backup_is_not_restored(tmp_path: Path) -> None:
    live, copy = tmp_path / "journal.db", tmp_path / "backup.db"
    _live(live)
    backup_journal(live, copy, TYPES)
    flip_byte(copy, b"EXEC-000002")
    target = tmp_path / "restored.db"
    with pytest.raises(JournalCorrupt, match=r"backup\.db' is corrupt at seq 2"):
        restore_journal(copy, target, TYPES)
    assert not target.exists()
