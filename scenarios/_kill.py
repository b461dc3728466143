"""kill_restart: ``tradeloop run`` killed with SIGKILL mid-trading, restarted on its data dir.

Real processes in real time (the scenario is ``real_time``: a MockClock
cannot wait for another process). Orders go in through the operator API as
an operator would send them; just after the k-th order of a burst was
accepted (k seeded) the process is killed outright, so orders sit anywhere
between risk, the session, the journal and the venue and no cleanup runs.
The next start on the same data dir must reconcile with the paper venue's
persisted state without adopting an unknown order or leaving a position
different. Fast mode kills once; full mode kills three times in a row on the
same data dir (each restart trades on and is killed again). The last start
is stopped with SIGTERM, then the journal and the paper venue's files must agree
to the cent and the venue must never have seen a client order id twice
(invariants 1 and 2).
"""

from __future__ import annotations

import json
import random
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import trio

from actors.messages import AccountOpened, Fill, Order
from adapters.market import default_universe
from adapters.paper import read_state
from runtime.journal import JournalStore
from tradeloop._journaling import JOURNAL_TYPES

from ._checks import Check
from ._faults import FaultSchedule
from ._report import Report, merge_checks
from ._scenario import scenario_runner

__all__: list[str] = []

_SYMBOLS = ("AAPL", "MSFT")
_START_TIMEOUT = 20.0  # a cold interpreter on a loaded 2-core machine
_STOP_TIMEOUT = 15.0
_SETTLE = 0.5  # after the last restart's reconciliation, before SIGTERM
_READY_TIMEOUT = 10.0  # for the account's equity to be known after a start
_RECONCILED = ("adopted", "differences", "resolved", "missing_fills")  # the log entry's counts


class _Abort(Exception):
    """The run cannot go on (a daemon did not come up or did not stop): a failed check."""

    def __init__(self, check: str, detail: str) -> None:
        super().__init__(f"{check}: {detail}")
        self.check = check
        self.detail = detail


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _write_config(path: Path) -> int:
    """Quotes every 20 ms, no strategies (the orders are the operator's), no throttle.

    Returns the operator API's port.
    """
    http_port = _free_port()
    path.write_text(
        "strategies = []\n"
        "[market]\n"
        f"symbols = {json.dumps(list(_SYMBOLS))}\n"
        "[market.synthetic]\n"
        "tick_interval = 0.02\n"
        "[risk]\n"
        "throttle_orders = 100000\n"
        "[gateway.hub]\n"
        f"port = {_free_port()}\n"
        "[gateway.http]\n"
        f"port = {http_port}\n"
    )
    return http_port


class _Daemon:
    """One ``tradeloop run`` process; its log goes to a file (a pipe could fill and stall it)."""

    def __init__(self, process: trio.Process, log: Path) -> None:
        self.process = process
        self.log = log
        self._seen = 0

    async def _tail(self) -> str:
        lines = (await trio.Path(self.log).read_text()).splitlines()
        return " | ".join(lines[-3:])

    async def wait_for(self, event: str) -> dict[str, Any]:
        """The next log entry (after the last one waited for) whose event is ``event``."""
        with trio.move_on_after(_START_TIMEOUT):
            while True:
                text = await trio.Path(self.log).read_text()
                lines = text.splitlines()
                for index in range(self._seen, len(lines)):
                    entry: dict[str, Any] = json.loads(lines[index])
                    if entry["event"] == event:
                        self._seen = index + 1
                        return entry
                if self.process.returncode is not None:
                    raise _Abort(
                        f"the daemon logs {event!r}",
                        f"it exited with {self.process.returncode}: {await self._tail()}",
                    )
                await trio.sleep(0.05)
        tail = await self._tail()
        raise _Abort(f"the daemon logs {event!r}", f"nothing in {_START_TIMEOUT} s: {tail}")

    async def stop(self, sig: signal.Signals) -> int:
        """Send ``sig`` and wait for the exit status."""
        self.process.send_signal(sig)
        with trio.move_on_after(_STOP_TIMEOUT):
            return await self.process.wait()
        raise _Abort(f"the daemon exits on {sig.name}", f"still running after {_STOP_TIMEOUT} s")


@asynccontextmanager
async def _open_daemon(
    config: Path, data_dir: Path, log: Path, seed: int
) -> AsyncIterator[_Daemon]:
    command = [sys.executable, "-m", "tradeloop.cli", "run", "--config", str(config)]
    command += ["--data-dir", str(data_dir), "--seed", str(seed)]
    log_file = await trio.to_thread.run_sync(log.open, "w")
    try:
        process = await trio.lowlevel.open_process(
            command, stdout=subprocess.DEVNULL, stderr=log_file
        )
        try:
            yield _Daemon(process, log)
        finally:
            with trio.move_on_after(_STOP_TIMEOUT, shield=True):
                if process.returncode is None:
                    process.kill()
                await process.wait()
    finally:
        log_file.close()


async def _until_trading(client: httpx.AsyncClient) -> None:
    """Wait until the portfolio knows the account's money: risk refuses every order before.

    Orders sent sooner were accepted by the API (202) and then refused by
    risk, so a kill could find nothing traded at all.
    """
    with trio.move_on_after(_READY_TIMEOUT):
        while True:
            response = await client.get("/api/portfolio")
            if response.status_code == 200 and Decimal(str(response.json()["equity"])) > 0:
                return
            await trio.sleep(0.02)
    raise _Abort("the account's equity became known", f"not within {_READY_TIMEOUT:g} s")


async def _send_orders(client: httpx.AsyncClient, rng: random.Random) -> tuple[int, list[str]]:
    """A seeded batch, then a burst of k buys; (orders accepted, refusals)."""
    orders = [
        (rng.choice(_SYMBOLS), "buy" if n % 2 == 0 else "sell", str(rng.randint(1, 3)))
        for n in range(rng.randint(3, 8))
    ]
    orders += [(_SYMBOLS[n % 2], "buy", "1") for n in range(rng.randint(1, 6))]
    accepted, refused = 0, []
    for symbol, side, quantity in orders:
        body = {"symbol": symbol, "side": side, "quantity": quantity}
        response = await client.post("/api/orders", json=body)
        if response.status_code == 202:
            accepted += 1
        else:
            refused.append(f"{response.status_code} {response.text[:80]}")
    return accepted, refused


def _journal(data_dir: Path) -> tuple[list[AccountOpened], list[Order], list[Fill]]:
    store = JournalStore.open(data_dir / "journal.sqlite", JOURNAL_TYPES, create=False)
    try:
        payloads = [record.payload for record in store.read(0, limit=1_000_000)]
    finally:
        store.close()
    return (
        [p for p in payloads if isinstance(p, AccountOpened)],
        [p for p in payloads if isinstance(p, Order)],
        [p for p in payloads if isinstance(p, Fill)],
    )


def _journal_against_venue(data_dir: Path) -> tuple[list[Check], int]:
    """Invariants 1 and 2 on the stopped daemon's files; (checks, fills booked)."""
    venue = read_state(data_dir / "paper-venue.json")
    account = venue.accounts["paper"]
    opened, orders, fills = _journal(data_dir)
    instruments = {p.instrument.symbol: p.instrument for p in default_universe()}
    checks: list[Check] = []

    def check(name: str, passed: bool, detail: str) -> None:
        checks.append(Check(name=name, passed=passed, detail=detail))

    accounts = [o.account for o in opened]
    check("the account is opened once", accounts == ["paper"], f"opened: {accounts}")
    ids = [f.execution_id for f in fills]
    check("a fill is booked once", len(ids) == len(set(ids)), f"{len(ids)} fills journaled")
    venue_ids = sorted(f.execution_id for f in account.fills)
    check(
        "the journal holds exactly the venue's fills",
        sorted(ids) == venue_ids,
        f"journal {len(ids)}, venue {len(venue_ids)}",
    )
    cash = opened[0].cash if opened else Decimal(0)
    positions: dict[str, Decimal] = {}
    for fill in fills:
        cash -= fill.side.sign * instruments[fill.symbol].notional(fill.price, fill.quantity)
        cash -= fill.commission
        positions[fill.symbol] = (
            positions.get(fill.symbol, Decimal(0)) + fill.side.sign * fill.quantity
        )
    check("cash agrees to the cent", cash == account.cash, f"journal {cash}, venue {account.cash}")
    booked = {s: q for s, q in positions.items() if q}
    held = {s: p.quantity for s, p in account.positions.items() if p.quantity}
    check("positions agree", booked == held, f"journal {booked}, venue {held}")
    twice = {cid: n for cid, n in account.submissions.items() if n != 1}
    check(
        "no client order id reached the venue twice",
        not twice,
        f"{len(account.submissions)} submitted; more than once: {twice}",
    )
    unknown = set(account.orders) - {o.client_order_id for o in orders}
    check(
        "every order reached the venue after its intent was journaled",
        not unknown,
        f"{len(account.orders)} at the venue; no intent: {sorted(unknown)}",
    )
    return checks, len(fills)


async def _run(root: Path, seed: int, kills: int, report: Report) -> None:
    rng = random.Random(seed)
    config = root / "fast.toml"
    data_dir = root / "var"
    http_port = await trio.to_thread.run_sync(_write_config, config)
    rounds: list[list[Check]] = []
    accepted, refused = 0, []
    for run in range(kills + 1):
        checks: list[Check] = []
        async with _open_daemon(config, data_dir, root / f"run{run}.log", seed) as daemon:
            await daemon.wait_for("daemon ready")
            if run > 0:
                # missed fills are booked and unresolved orders resolved by asking the venue; no
                # order the journal did not know about (adopted) and no position left different
                seen = await daemon.wait_for("reconciled")
                checks.append(
                    Check(
                        name="each restart reconciles: nothing adopted, no difference",
                        passed=(seen["adopted"], seen["differences"]) == (0, 0),
                        detail=f"restart {run}: "
                        + ", ".join(f"{k} {seen.get(k)}" for k in _RECONCILED),
                    )
                )
            if run == kills:
                await trio.sleep(_SETTLE)  # let anything the restart resolved settle
                status = await daemon.stop(signal.SIGTERM)
                checks.append(
                    Check(
                        name="the last start stops cleanly on SIGTERM",
                        passed=status == 0,
                        detail=f"exit status {status}",
                    )
                )
            else:
                token = (await trio.Path(data_dir / "operator_token").read_text()).strip()
                async with httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{http_port}",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=10,
                ) as client:
                    await _until_trading(client)
                    sent, refusals = await _send_orders(client, rng)
                accepted += sent
                refused += refusals
                await trio.sleep(rng.uniform(0.0, 0.02))
                status = await daemon.stop(signal.SIGKILL)
                checks.append(
                    Check(
                        name="the daemon was killed with orders in flight",
                        passed=status == -signal.SIGKILL,
                        detail=f"kill {run + 1}: exit status {status} after {accepted} orders",
                    )
                )
        rounds.append(checks)
    report.checks += merge_checks(rounds)
    report.check(
        "the operator API accepted every order",
        not refused,
        f"{accepted} accepted; refused: {refused[:3]}",
    )
    venue_checks, booked = await trio.to_thread.run_sync(_journal_against_venue, data_dir)
    report.checks += venue_checks
    report.check("the run traded", booked > 0, f"{booked} fills booked")
    report.facts = {"kills": str(kills), "orders": str(accepted), "fills": str(booked)}


@scenario_runner(
    "kill_restart",
    "SIGKILL mid-trading, restart on the data dir: journal and venue agree, no order doubled",
    real_time=True,
)
async def kill_restart(seed: int, fast: bool) -> Report:
    kills = 1 if fast else 3
    report = Report(name="kill_restart", seed=seed, schedule=FaultSchedule(), duration=0.0)
    with tempfile.TemporaryDirectory(prefix="tradeloop-kill-") as scratch:
        try:
            await _run(Path(scratch), seed, kills, report)
        except _Abort as abort:
            report.check(abort.check, False, abort.detail)
    return report
