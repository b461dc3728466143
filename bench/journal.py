"""Journal throughput and recovery time on a real file.

Run: ``.venv/bin/python bench/journal.py [--records N] [--batch B] [--dir DIR]``.

Two phases, in real time through the async journal the daemon uses
(``io="thread"``: every call on the journal's worker thread):

* **append**: N small fill records (Decimal quantity and price), in batches
  of B per transaction as the actor's group commit writes them under load;
  every transaction is durable (WAL, ``synchronous=FULL``) before the next.
* **recovery**: close, then reopen with full verification (every record
  re-hashed along the chain and decoded) and read the whole log back, which
  is what a restarting daemon does before it trades again. Then the same
  with a tail-verified reopen: the read re-hashes and decodes every record it
  returns anyway, so tail + read still checks everything it hands back.

The target is a recovery of 1,000,000 records in under 10 s.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import trio

from runtime import Message
from runtime.journal import Verify, open_journal


class BenchFill(Message, frozen=True, tag="bench_fill"):
    exec_id: str
    symbol: str
    quantity: Decimal
    price: Decimal


TYPES = (BenchFill,)
SYMBOLS = ("AAPL", "MSFT", "NVDA", "SPY", "QQQ", "MES")


def _fill(n: int) -> BenchFill:
    return BenchFill(
        exec_id=f"EX{n:09d}",
        symbol=SYMBOLS[n % len(SYMBOLS)],
        quantity=Decimal(n % 100 + 1),
        price=Decimal("187.25") + Decimal(n % 1000) / 100,
    )


async def append_phase(path: Path, records: int, batch: int) -> float:
    """Seconds spent in ``append`` (building the messages is not counted)."""
    spent = 0.0
    async with open_journal(path, TYPES) as journal:
        for first in range(0, records, batch):
            messages = [_fill(n) for n in range(first, min(first + batch, records))]
            start = time.perf_counter()
            await journal.append(messages, time.time())
            spent += time.perf_counter() - start
    return spent


async def recovery_phase(path: Path, records: int, verify: Verify) -> tuple[float, float]:
    """Seconds to open (verifying as told) and to read every record back."""
    start = time.perf_counter()
    async with open_journal(path, TYPES, verify=verify) as journal:
        opened = time.perf_counter()
        log = await journal.read()
        read = time.perf_counter()
    if len(log) != records or log[-1].payload != _fill(records - 1):
        raise SystemExit(f"recovery read {len(log)} records, expected {records}")
    return opened - start, read - opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=256, help="records per transaction")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as directory:
        path = Path(directory) / "journal.db"
        appended = trio.run(append_phase, path, args.records, args.batch)
        size = os.path.getsize(path)
        verify, read = trio.run(recovery_phase, path, args.records, "full")
        tail, tail_read = trio.run(recovery_phase, path, args.records, "tail")
    commits = -(-args.records // args.batch)
    print(f"journal: {args.records:,} records in {commits:,} transactions of {args.batch}")
    print(f"  file          {size / 1e6:8.1f} MB ({size / args.records:.0f} B/record)")
    print(
        f"  append        {appended:8.2f} s   {args.records / appended:12,.0f} records/s"
        f"   {commits / appended:8,.0f} commits/s"
    )
    print(f"  recovery      {verify + read:8.2f} s   (target < 10 s for 1,000,000 records)")
    print(f"    open+verify {verify:8.2f} s   {args.records / verify:12,.0f} records/s (full)")
    print(f"    read all    {read:8.2f} s   {args.records / read:12,.0f} records/s")
    print("  recovery, tail-verified open (the read still re-hashes what it returns):")
    print(
        f"    open (tail) {tail:8.2f} s   + read all {tail_read:.2f} s = {tail + tail_read:.2f} s"
    )


if __name__ == "__main__":
    main()
