"""``tradeloop journal``: verify, export, back up and restore the journal.

All of them read the file directly (the daemon may be running: SQLite's WAL
lets a reader see a consistent state) and never change it; ``restore``
refuses to replace a journal unless told to move it aside, and the daemon
must be stopped for it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

import msgspec

from actors.messages import Fill, Instrument, InstrumentKind, SessionCalendar, Side
from runtime.journal import (
    JournalStore,
    backup_journal,
    restore_journal,
    verify_journal,
)

from ._journaling import JOURNAL_TYPES

__all__ = [
    "TRADENOTE_HEADER",
    "backup",
    "export_jsonl",
    "export_tradenote",
    "restore",
    "tradenote_rows",
    "verify",
]

TRADENOTE_HEADER = [
    "Account",
    "T/D",
    "S/D",
    "Currency",
    "Type",
    "Side",
    "Symbol",
    "Qty",
    "Price",
    "Exec Time",
    "Comm",
    "SEC",
    "TAF",
    "NSCC",
    "Nasdaq",
    "ECN Remove",
    "ECN Add",
    "Gross Proceeds",
    "Net Proceeds",
    "Clr Broker",
    "Liq",
    "Note",
]

_ENCODER = msgspec.json.Encoder(decimal_format="string")


def verify(path: Path, *, full: bool = True) -> str:
    """A one-paragraph report of a journal that passed (a failing one raises)."""
    report = verify_journal(path, JOURNAL_TYPES, full=full)
    return (
        f"journal {report.path}: OK - {report.records} records (last seq {report.last_seq}), "
        f"{report.snapshots} snapshots; every checksum and payload verified"
    )


def _records(path: Path) -> Iterator[tuple[int, float, msgspec.Struct]]:
    store = JournalStore.open(path, JOURNAL_TYPES, create=False)
    try:
        after = 0
        while True:
            page = store.read(after, limit=10_000)
            for record in page:
                yield record.seq, record.ts, record.payload
            if len(page) < 10_000:
                return
            after = page[-1].seq
    finally:
        store.close()


def export_jsonl(path: Path, out: TextIO) -> int:
    """Every record as a JSON line ``{"seq","ts","type","payload"}``; returns the count."""
    count = 0
    for seq, ts, payload in _records(path):
        body = json.loads(_ENCODER.encode(payload))
        line = {"seq": seq, "ts": ts, "type": body.get("type"), "payload": body}
        out.write(json.dumps(line, separators=(",", ":")) + "\n")
        count += 1
    return count


def tradenote_rows(
    fills: Iterable[Fill],
    instruments: dict[str, Instrument],
    calendar: SessionCalendar | None = None,
) -> list[list[str]]:
    """TradeNote's template CSV rows: one per execution, split where it flips a position.

    Side is B/S for trades that open or add long and close long, SS for a
    sell that opens or adds short and BC for a buy that covers; an execution
    that goes through zero becomes two rows.
    """
    zone = ZoneInfo((calendar or SessionCalendar()).timezone)
    position: dict[tuple[str, str], Decimal] = {}
    rows: list[list[str]] = []
    for fill in fills:
        key = (fill.account, fill.symbol)
        held = position.get(key, Decimal(0))
        instrument = instruments.get(fill.symbol, Instrument(symbol=fill.symbol))
        pieces: list[tuple[str, Decimal]] = []
        if fill.side is Side.BUY:
            cover = min(fill.quantity, max(-held, Decimal(0)))
            pieces += [("BC", cover), ("B", fill.quantity - cover)]
        else:
            close = min(fill.quantity, max(held, Decimal(0)))
            pieces += [("S", close), ("SS", fill.quantity - close)]
        position[key] = held + fill.side.sign * fill.quantity
        when = datetime.fromtimestamp(fill.ts, zone)
        for side, quantity in pieces:
            if not quantity:
                continue
            commission = fill.commission * quantity / fill.quantity
            gross = instrument.notional(fill.price, quantity) * (-fill.side.sign)
            rows.append(
                [
                    fill.account,
                    when.strftime("%m/%d/%Y"),
                    when.strftime("%m/%d/%Y"),
                    instrument.currency,
                    "future" if instrument.kind is InstrumentKind.FUTURE else "stock",
                    side,
                    fill.symbol,
                    str(quantity),
                    str(fill.price),
                    when.strftime("%H:%M:%S"),
                    str(commission),
                    *("0" for _ in range(6)),
                    str(gross),
                    str(gross - commission),
                    "",
                    "",
                    fill.execution_id,
                ]
            )
    return rows


def export_tradenote(path: Path, out: TextIO, instruments: dict[str, Instrument]) -> int:
    """Every booked execution in TradeNote's template CSV; returns the row count."""
    fills = [payload for _, _, payload in _records(path) if isinstance(payload, Fill)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TRADENOTE_HEADER)
    rows = tradenote_rows(fills, instruments)
    writer.writerows(rows)
    out.write(buffer.getvalue())
    return len(rows)


def backup(path: Path, dest: Path) -> str:
    report = backup_journal(path, dest, JOURNAL_TYPES)
    return f"backup {dest}: {report.records} records verified (last seq {report.last_seq})"


def restore(backup_path: Path, dest: Path, *, move_aside: bool) -> str:
    restored = restore_journal(backup_path, dest, JOURNAL_TYPES, move_aside=move_aside)
    aside = f"; the old journal was moved to {restored.moved_aside}" if restored.moved_aside else ""
    return (
        f"restored {dest} from {backup_path}: {restored.report.records} records verified "
        f"(last seq {restored.report.last_seq}){aside}"
    )
