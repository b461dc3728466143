"""Damaged files are refused with the seq and the reason, and left byte-identical."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from runtime import Message
from runtime.journal import (
    TAIL_RECORDS,
    JournalCorrupt,
    JournalError,
    JournalStore,
    verify_journal,
)

from ._support import TYPES, FillRecorded, Positions, files, fill, flip_byte, intent, tamper


def _journal(path: Path, records: int = 5) -> None:
    store = JournalStore.open(path, TYPES)
    store.append([fill(n) for n in range(1, records + 1)], 1_700_000_000.0)
    store.close()


def _refused(path: Path, *, verify: str = "full") -> JournalError:
    """Open must refuse the file and change nothing in its directory."""
    before = files(path.parent)
    with pytest.raises(JournalError) as caught:
        JournalStore.open(path, TYPES, verify="full" if verify == "full" else "tail")
    assert files(path.parent) == before
    return caught.value


def _corrupt_at(path: Path, seq: int | None, reason: str, *, verify: str = "full") -> None:
    error = _refused(path, verify=verify)
    assert isinstance(error, JournalCorrupt), error
    assert (error.seq, error.path) == (seq, str(path))
    assert reason in error.reason, error.reason
    assert str(path) in str(error)


def test_a_flipped_bit_on_disk_is_found(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    _journal(path)
    flip_byte(path, b"EXEC-000003", offset=7)
    _corrupt_at(path, 3, "checksum mismatch")
    _corrupt_at(path, 3, "checksum mismatch", verify="tail")


def test_a_payload_changed_through_sqlite_is_found(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    _journal(path)
    tamper(path, "UPDATE records SET payload = ? WHERE seq = 4", msgspec.msgpack.encode(fill(99)))
    _corrupt_at(path, 4, "checksum mismatch: the record was changed or moved")


def test_a_deleted_record_is_found(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    _journal(path)
    tamper(path, "DELETE FROM records WHERE seq = 2")
    _corrupt_at(path, 2, "missing (the next stored record is seq 3)")
    _corrupt_at(path, 2, "missing", verify="tail")


def test_a_deleted_tail_is_found(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    _journal(path)
    tamper(path, "DELETE FROM records WHERE seq >= 4")
    _corrupt_at(path, 4, "missing: the committed log ends at seq 5")


def test_reordered_records_are_found(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    _journal(path)
    tamper(path, "UPDATE records SET seq = -seq WHERE seq IN (2, 3)")
    tamper(path, "UPDATE records SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE seq < 0")
    _corrupt_at(path, 2, "checksum mismatch")


def test_a_column_of_the_wrong_type_is_named(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    _journal(path)
    tamper(path, "UPDATE records SET ts = 'noon' WHERE seq = 3")
    _corrupt_at(path, 3, "ts is text, not a number")
    tamper(path, "UPDATE records SET ts = 1.0, payload = 'text' WHERE seq = 3")
    _corrupt_at(path, 3, "payload is text, not a blob")


def test_a_truncated_file_is_refused_saying_how_much_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    _journal(path, records=3000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _corrupt_at(path, None, f"truncated: {len(data) // 2} bytes, the header says")
    path.write_bytes(data[:50])
    _corrupt_at(path, None, "truncated to 50 bytes, inside the file header")


def test_files_that_are_not_journals_are_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(bytes(range(256)) * 64)
    assert "garbage.db' is not a journal: not an SQLite database" in str(_refused(garbage))
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert "is an empty file" in str(_refused(empty))
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE records (x)")
    conn.close()
    assert "an SQLite database of another application" in str(_refused(foreign))
    assert not isinstance(_refused(foreign), JournalCorrupt)


def test_an_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    _journal(path)
    tamper(path, "PRAGMA user_version = 2")
    error = _refused(path)
    assert not isinstance(error, JournalCorrupt)
    assert "schema version 2; this build reads version 1 only" in str(error)


def test_a_record_of_a_type_the_reader_does_not_hold_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    store = JournalStore.open(path, TYPES)
    store.append([fill(1), intent(2)], 1.0)
    store.close()
    with pytest.raises(JournalCorrupt, match="seq 2: type 'order_intent' is not one this journal"):
        verify_journal(path, [FillRecorded, Positions])


def test_a_payload_that_does_not_decode_is_refused_even_with_a_good_checksum(
    tmp_path: Path,
) -> None:
    class OldFill(Message, frozen=True, tag="fill_recorded"):  # an older schema, same tag
        exec_id: str
        quantity: int

    path = tmp_path / "journal.db"
    store = JournalStore.open(path, [OldFill])
    store.append([OldFill(exec_id="E1", quantity=3)], 1.0)
    store.close()
    with pytest.raises(JournalCorrupt, match="seq 1: payload does not decode as 'fill_recorded'"):
        verify_journal(path, TYPES)


def test_a_damaged_snapshot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    store = JournalStore.open(path, TYPES)
    store.append([fill(1)], 1.0)
    store.save_snapshot("portfolio", Positions(quantities=(("AAPL", Decimal(1)),)), 1, 2.0)
    store.close()
    tamper(path, "UPDATE snapshots SET seq = 0")
    error = _refused(path)
    assert isinstance(error, JournalCorrupt)
    assert (error.what, error.seq) == ("snapshot", 1)
    assert "'portfolio' at seq 0: checksum mismatch" in error.reason


def test_damage_while_open_is_refused_when_read(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    store = JournalStore.open(path, TYPES)
    store.append([fill(n) for n in range(1, 4)], 1.0)
    tamper(path, "UPDATE records SET ts = 2.0 WHERE seq = 2")
    assert [r.seq for r in store.read(limit=1)] == [1]
    with pytest.raises(JournalCorrupt, match="seq 2: checksum mismatch"):
        store.read()
    with pytest.raises(JournalCorrupt, match="seq 2: checksum mismatch"):
        store.verify()
    store.close()


def test_tail_verification_rehashes_the_tail_and_counts_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    _journal(path, records=TAIL_RECORDS + 10)
    tail = JournalStore.open(path, TYPES, verify="tail")
    assert (tail.report.records_checked, tail.report.full) == (TAIL_RECORDS, False)
    tail.close()
    tamper(path, "DELETE FROM records WHERE seq = 3")  # before the tail: found by the count
    _corrupt_at(path, 3, "missing: 1 of the committed seq 1..1034 are gone", verify="tail")
    _corrupt_at(path, 3, "missing (the next stored record is seq 4)")
