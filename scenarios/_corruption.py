"""journal_corruption: a record damaged on disk stops the daemon; a verified copy brings it back.

It stops and starts the daemon itself, so it has its own runner: trade, take
a backup (``backup_journal``), trade on past the backup, stop, flip one byte
of a fill's payload with plain sqlite3 (as an operator with the guards
dropped would), then start again: the daemon must refuse, the typed error
must name the damaged seq (the check ``tradeloop run`` does to explain a
refusal), and no file may change. Then ``restore_journal(move_aside=True)``
and a start on the restored copy: the session reconciles what the venue did
after the backup, and the standard invariant checks run on that start.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import trio

from runtime.errors import SupervisorGaveUp
from runtime.journal import JournalCorrupt, backup_journal, restore_journal, verify_journal
from tradeloop._journaling import JOURNAL_TYPES

from ._faults import FaultSchedule
from ._harness import ORIGIN, open_simulation
from ._report import Report
from ._run import run_schedule
from ._scenario import scenario_runner

__all__ = ["directory_bytes", "fill_seqs", "flip_payload_byte"]

_GUARDS = ("records_keep", "records_stay", "snapshots_keep", "snapshots_stay")


def fill_seqs(journal: Path) -> list[int]:
    """The journal's fill records' sequence numbers, read-only."""
    conn = sqlite3.connect(f"file:{journal}?mode=ro", uri=True)
    try:
        return [seq for (seq,) in conn.execute("SELECT seq FROM records WHERE type = 'fill'")]
    finally:
        conn.close()


def directory_bytes(directory: Path) -> dict[str, bytes]:
    """Every file of ``directory`` by name, to show that nothing in it was written."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def flip_payload_byte(journal: Path, seq: int) -> None:
    """Change one byte of a record's payload with plain sqlite3, the guards dropped first."""
    conn = sqlite3.connect(journal, isolation_level=None)
    try:
        for trigger in _GUARDS:
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        (payload,) = conn.execute("SELECT payload FROM records WHERE seq = ?", (seq,)).fetchone()
        damaged = bytearray(payload)
        damaged[len(damaged) // 2] ^= 0x01
        conn.execute("UPDATE records SET payload = ? WHERE seq = ?", (bytes(damaged), seq))
    finally:
        conn.close()


def _verify_error(journal: Path) -> JournalCorrupt | None:
    try:
        verify_journal(journal, JOURNAL_TYPES, full=True)
    except JournalCorrupt as exc:
        return exc
    return None


async def _trade(seed: int, data: Path, seconds: float, origin: float) -> int:
    """Run the daemon on ``data`` with alerts flowing; the venue's fill count at the end."""
    async with open_simulation(seed, data_dir=data, origin=origin) as sim:
        sim.start_alerts(every=10.0)
        await trio.sleep(seconds)
        return len(sim.venue.ledger(sim.account).fills)


async def _refused(seed: int, data: Path, origin: float) -> str:
    """Start the daemon on ``data``; what stopped it ('' when it ran)."""
    stopped: list[str] = []
    try:
        async with open_simulation(seed, data_dir=data, origin=origin):
            await trio.sleep(60)
    except* SupervisorGaveUp as group:
        stopped.extend(str(e) for e in group.exceptions)
    return "; ".join(stopped)


@scenario_runner(
    "journal_corruption",
    "a fill's record is damaged on disk: start refuses, nothing is overwritten, a backup recovers",
)
async def journal_corruption(seed: int, fast: bool) -> Report:
    seconds = 60.0 if fast else 600.0
    # Each start on the same data begins after the last one ended, as a real
    # restart does (at one origin, the later runs' orders would predate the
    # earlier runs' and the checks would mix them up).
    starts = iter(ORIGIN + n * (seconds + 60.0) for n in range(4))
    report = Report(name="journal_corruption", seed=seed, schedule=FaultSchedule(), duration=0.0)
    with tempfile.TemporaryDirectory(prefix="tradeloop-corruption-") as scratch:
        data = Path(scratch) / "var"
        data.mkdir()
        journal = data / "journal.sqlite"
        backup = Path(scratch) / "backup.sqlite"
        await _trade(seed, data, seconds, next(starts))
        saved = await trio.to_thread.run_sync(backup_journal, journal, backup, JOURNAL_TYPES)
        fills_after_backup = await _trade(seed, data, seconds, next(starts))
        seqs = await trio.to_thread.run_sync(fill_seqs, journal)
        report.check(
            "the daemon traded past the backup",
            bool(seqs) and fills_after_backup > 0,
            f"backup holds {saved.records} records; {len(seqs)} fills journaled, "
            f"{fills_after_backup} at the venue",
        )
        if not seqs:
            return report
        damaged = seqs[-1]
        await trio.to_thread.run_sync(flip_payload_byte, journal, damaged)
        before = await trio.to_thread.run_sync(directory_bytes, data)

        refusal = await _refused(seed, data, next(starts))
        report.check("start-up on the damaged journal refused", bool(refusal), refusal[:160])
        error = await trio.to_thread.run_sync(_verify_error, journal)
        report.check(
            "the error names the damaged record",
            error is not None and error.seq == damaged and f"seq {damaged}" in str(error),
            str(error),
        )
        after = await trio.to_thread.run_sync(directory_bytes, data)
        report.check(
            "nothing was overwritten: the data directory is byte-identical",
            after == before,
            f"{len(before)} files: {', '.join(sorted(before))}",
        )

        restored = await trio.to_thread.run_sync(
            lambda: restore_journal(backup, journal, JOURNAL_TYPES, move_aside=True)
        )
        report.check(
            "the verified backup was restored, the damaged file moved aside",
            restored.moved_aside is not None and await trio.Path(restored.moved_aside).exists(),
            f"moved to {restored.moved_aside}; {restored.report.records} records",
        )
        async with open_simulation(seed, data_dir=data, origin=next(starts)) as sim:
            await sim.monitors.open_recording()
            sim.start_alerts(every=10.0)
            run = await run_schedule(sim, FaultSchedule(), seconds, name="journal_corruption")
            fills = len(sim.venue.ledger(sim.account).fills)
        report.check(
            "the restored daemon trades on",
            fills > fills_after_backup,
            f"venue fills {fills_after_backup} -> {fills}",
        )
    report.checks = run.checks + report.checks
    report.facts = {**run.facts, "damaged seq": str(damaged)}
    report.duration = seconds
    return report
