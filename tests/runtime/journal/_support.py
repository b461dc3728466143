"""Journal test support: realistic message types and ways to damage a file.

The damage helpers play the outside world (a disk flipping a bit, an operator
editing the file with sqlite3, a half-copied file); they are synchronous
because they stand for things that happen outside the daemon.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

from runtime import Message


class FillRecorded(Message, frozen=True, tag="fill_recorded"):
    exec_id: str
    symbol: str
    side: str
    quantity: Decimal
    price: Decimal


class OrderIntent(Message, frozen=True, tag="order_intent"):
    client_order_id: str
    symbol: str
    quantity: Decimal


class Positions(Message, frozen=True, tag="positions"):
    """A portfolio state, saved as a snapshot."""

    quantities: tuple[tuple[str, Decimal], ...]


TYPES: tuple[type[Message], ...] = (FillRecorded, OrderIntent, Positions)


def fill(n: int, symbol: str = "AAPL") -> FillRecorded:
    return FillRecorded(
        exec_id=f"EXEC-{n:06d}",
        symbol=symbol,
        side="buy" if n % 2 else "sell",
        quantity=Decimal(n),
        price=Decimal("187.25") + Decimal(n) / 100,
    )


def intent(n: int) -> OrderIntent:
    return OrderIntent(client_order_id=f"CID-{n:06d}", symbol="MSFT", quantity=Decimal("2.5"))


def tamper(path: Path, sql: str, *params: object) -> None:
    """Change the file with plain sqlite3, the append-only guards removed first."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for trigger in ("records_keep", "records_stay", "snapshots_keep", "snapshots_stay"):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.execute(sql, params)
    finally:
        conn.close()


def flip_byte(path: Path, needle: bytes, offset: int = 0, mask: int = 0x01) -> None:
    """Flip bits in the file itself, at ``needle`` (which must occur once) plus ``offset``."""
    data = bytearray(path.read_bytes())
    at = data.find(needle)
    assert at >= 0, f"{needle!r} is not in the file"
    assert data.find(needle, at + 1) < 0, f"{needle!r} occurs more than once"
    data[at + offset] ^= mask
    path.write_bytes(bytes(data))


def files(directory: Path) -> dict[str, bytes]:
    """Every file in ``directory`` with its bytes: to show a refused open changed nothing."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}
