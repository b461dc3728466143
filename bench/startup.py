"""Start-up time of the portfolio and a broker session, with and without a snapshot.

Run: ``.venv/bin/python bench/startup.py [--fills N] [--tail N] [--seed S]``.

The journal holds, per fill, what a session writes for a filled market
order (its ``Order``, the ``Fill`` and the ``OrderUpdate`` that says filled),
over five stocks, one account. Timed in real time with the journal actor
(``io="inline"``, opened with ``verify="tail"`` so the file's own
verification is not counted):

* the portfolio: from the tree's start until it answers ``GetPortfolio``;
* the session: what its start does before it talks to the venue (read its
  snapshot and the records after it, replay them).

Three journals: no snapshot; snapshots at the end of the log (what the first
start saves); those snapshots plus ``--tail`` more fills after them. Both
save a snapshot after any replay here (the daemon's default: 50,000 records).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import trio

from actors.broker import replay_history
from actors.messages import (
    AccountOpened,
    Fill,
    GetPortfolio,
    Instrument,
    Order,
    OrderStatus,
    OrderUpdate,
    Side,
    make_client_order_id,
)
from actors.portfolio import PORTFOLIO_SUBSCRIPTIONS, portfolio_actor
from runtime import ActorContext, ChildSpec, Message, Request, SupervisorSpec, TaskStatus, open_tree
from runtime.journal import JournalStore, LatestSnapshot, ReadAfter, journal_actor
from tradeloop._journaling import (
    JOURNAL,
    JOURNAL_TYPES,
    JournalPort,
    load_portfolio_history,
    save_portfolio,
)

ACCOUNT = "paper"
STOCKS = ["AAPL", "MSFT", "NVDA", "SPY", "QQQ"]
INSTRUMENTS = {s: Instrument(symbol=s) for s in STOCKS}
T0 = 1_772_461_800.0


def _records(first: int, n: int, rng: random.Random) -> list[Message]:
    out: list[Message] = []
    for k in range(first, first + n):
        cid = make_client_order_id(ACCOUNT, k)
        symbol, side = rng.choice(STOCKS), rng.choice((Side.BUY, Side.SELL))
        quantity, price = Decimal(rng.randint(1, 50)), Decimal(rng.randint(10_000, 30_000)) / 100
        ts = T0 + k
        order = Order(
            client_order_id=cid, account=ACCOUNT, symbol=symbol, side=side, quantity=quantity, ts=ts
        )
        fill = Fill(
            execution_id=f"E{k}",
            client_order_id=cid,
            account=ACCOUNT,
            symbol=symbol,
            side=side,
            quantity=quantity,
            price=price,
            commission=Decimal("1.00"),
            ts=ts,
            strategy="trend",
        )
        filled = OrderUpdate(
            client_order_id=cid,
            account=ACCOUNT,
            symbol=symbol,
            side=side,
            status=OrderStatus.FILLED,
            quantity=quantity,
            filled_quantity=quantity,
            average_price=price,
            ts=ts,
        )
        out += [order, fill, filled]
    return out


def _write(path: Path, first: int, n: int, rng: random.Random) -> None:
    store = JournalStore.open(path, JOURNAL_TYPES, verify="tail")
    try:
        if first == 1:
            store.append([AccountOpened(account=ACCOUNT, cash=Decimal(10_000_000), ts=T0)], T0)
        for start in range(first, first + n, 10_000):
            store.append(_records(start, min(10_000, first + n - start), rng), T0)
    finally:
        store.close()


async def _runner(ctx: ActorContext, task_status: TaskStatus) -> None:
    task_status.started()
    async for request in ctx.mailbox:
        assert isinstance(request, Request)
        request.reply(await request.message())


async def _session_start() -> int:
    port = JournalPort()
    history = await port.history(ACCOUNT)
    memory = await replay_history(ACCOUNT, history.records, history.state)
    if history.records:
        await port.save(ACCOUNT, memory.state(10_000), history.seq)
    return len(history.records)


async def _measure(path: Path) -> tuple[float, float, int]:
    spec = SupervisorSpec(
        name="root",
        children=(
            ChildSpec(
                name=JOURNAL, actor=journal_actor(path, JOURNAL_TYPES, io="inline", verify="tail")
            ),
            ChildSpec(name="runner", actor=_runner),
        ),
    )
    portfolio = ChildSpec(
        name="portfolio",
        actor=portfolio_actor(
            INSTRUMENTS,
            load_history=load_portfolio_history,
            save_snapshot=save_portfolio,
            snapshot_every=1,  # as the session here: any replay is saved
        ),
        subscriptions=PORTFOLIO_SUBSCRIPTIONS,
    )
    spec_with = SupervisorSpec(name="root", children=(*spec.children, portfolio))
    async with open_tree(spec) as tree:
        run = tree.ref("runner")
        job: Callable[[], Awaitable[Any]] = _session_start
        start = time.perf_counter()
        replayed = await run.ask(job, timeout=600)
        session = time.perf_counter() - start
    start = time.perf_counter()
    async with open_tree(spec_with) as tree:
        await tree.ref("portfolio").ask(GetPortfolio(), timeout=600)
        books = time.perf_counter() - start
        for _ in range(1200):  # the portfolio's snapshot is saved in the background
            await trio.sleep(0.5)
            if not await _saving(tree):
                break
    return books, session, replayed


async def _saving(tree: Any) -> bool:
    """Whether the portfolio's snapshot of the whole log is not saved yet."""
    found = await tree.ref(JOURNAL).ask(LatestSnapshot(name="portfolio"), timeout=600)
    log = await tree.ref(JOURNAL).ask(ReadAfter(limit=0), timeout=600)
    return found.snapshot is None or found.snapshot.seq < log.last_seq


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fills", type=int, default=200_000)
    parser.add_argument("--tail", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "journal.db"
        start = time.perf_counter()
        _write(path, 1, args.fills, rng)
        print(
            f"journal: {args.fills:,} fills, {3 * args.fills + 1:,} records, "
            f"{path.stat().st_size / 1e6:.0f} MB, written in {time.perf_counter() - start:.1f} s"
        )
        size = path.stat().st_size
        rows = [("no snapshot", trio.run(_measure, path))]
        added = path.stat().st_size - size
        rows.append(("snapshot, empty tail", trio.run(_measure, path)))
        _write(path, args.fills + 1, args.tail, rng)
        rows.append((f"snapshot + {args.tail:,} fills", trio.run(_measure, path)))
        print(f"the two snapshots added {added / 1e6:.1f} MB to the file")
        print(f"{'':24}{'portfolio':>12}{'session':>12}{'session records':>18}")
        for name, (books, session, replayed) in rows:
            print(f"{name:24}{books:>11.2f}s{session:>11.2f}s{replayed:>18,}")


if __name__ == "__main__":
    main()
