"""Crash and restart: ``tradeloop run`` killed with SIGKILL while orders are in flight.

A real process on a real data dir; orders go in through the operator API as
an operator would send them. At a seeded random moment the process is killed
outright (no cleanup runs), started again on the same data dir, left to
reconcile with the paper venue's persisted state, then stopped with SIGTERM.
Afterwards the journal and the venue must agree to the cent, and the venue
must never have seen a client order id twice (invariants 1 and 2).
"""

from __future__ import annotations

import json
import random
import signal
import socket
import subprocess
import sys
import time
import tomllib
from decimal import Decimal
from pathlib import Path

import httpx
import msgspec
import pytest

from actors.messages import AccountOpened, Fill, Order
from adapters.market import default_universe
from adapters.paper import VenueState
from runtime.journal import JournalStore
from tradeloop._journaling import JOURNAL_TYPES

SYMBOLS = ("AAPL", "MSFT")
TRADELOOP_RUN = (sys.executable, "-m", "tradeloop.cli", "run")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _config(path: Path) -> Path:
    """Quotes every 20 ms, no strategies (the orders are the operator's), no throttle."""
    path.write_text(
        "strategies = []\n"
        "[market]\n"
        f"symbols = {json.dumps(list(SYMBOLS))}\n"
        "[market.synthetic]\n"
        "tick_interval = 0.02\n"
        "[risk]\n"
        "throttle_orders = 100000\n"
        "[gateway.hub]\n"
        f"port = {_free_port()}\n"
        "[gateway.http]\n"
        f"port = {_free_port()}\n"
    )
    return path


class Daemon:
    """One ``tradeloop run`` process, its log in a file (a pipe could fill and stall it)."""

    def __init__(self, config: Path, data_dir: Path, log: Path) -> None:
        self.log = log
        self._log_file = log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tradeloop.cli",
                "run",
                "--config",
                str(config),
                "--data-dir",
                str(data_dir),
                "--seed",
                "11",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._log_file,
        )
        self._seen = 0

    def wait_for(self, event: str, timeout: float = 20.0) -> dict[str, object]:
        """The next log line (after the last one waited for) whose event is ``event``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.log.read_text().splitlines()
            for index in range(self._seen, len(lines)):
                entry: dict[str, object] = json.loads(lines[index])
                if entry["event"] == event:
                    self._seen = index + 1
                    return entry
            assert self.process.poll() is None, f"the daemon exited; see {self.log}"
            time.sleep(0.05)
        raise AssertionError(f"no {event!r} within {timeout} s; see {self.log}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self._log_file.close()


def _send_orders(client: httpx.Client, rng: random.Random, count: int) -> None:
    for n in range(count):
        response = client.post(
            "/api/orders",
            json={
                "symbol": rng.choice(SYMBOLS),
                "side": "buy" if n % 2 == 0 else "sell",
                "quantity": str(rng.randint(1, 3)),
            },
        )
        assert response.status_code == 202, response.text


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


def _check_journal_matches_venue(data_dir: Path) -> int:
    venue = msgspec.json.decode((data_dir / "paper-venue.json").read_bytes(), type=VenueState)
    account = venue.accounts["paper"]
    opened, orders, fills = _journal(data_dir)
    instruments = {p.instrument.symbol: p.instrument for p in default_universe()}

    assert [o.account for o in opened] == ["paper"], "the account is opened once"
    ids = [f.execution_id for f in fills]
    assert len(ids) == len(set(ids)), "a fill is booked once"
    assert sorted(ids) == sorted(f.execution_id for f in account.fills)
    cash = opened[0].cash
    positions: dict[str, Decimal] = {}
    for fill in fills:
        cash -= fill.side.sign * instruments[fill.symbol].notional(fill.price, fill.quantity)
        cash -= fill.commission
        positions[fill.symbol] = (
            positions.get(fill.symbol, Decimal(0)) + fill.side.sign * fill.quantity
        )
    assert cash == account.cash
    held = {s: p.quantity for s, p in account.positions.items() if p.quantity}
    assert {s: q for s, q in positions.items() if q} == held

    twice = {cid: n for cid, n in account.submissions.items() if n != 1}
    assert not twice, f"submitted more than once: {twice}"
    intents = {o.client_order_id for o in orders}
    assert set(account.orders) <= intents, "every order reached the venue after its intent"
    return len(fills)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_with_orders_in_flight_then_restart_agrees_with_the_venue(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    config = _config(tmp_path / "fast.toml")
    data_dir = tmp_path / "var"
    first = Daemon(config, data_dir, tmp_path / "first.log")
    try:
        first.wait_for("daemon ready")
        token = (data_dir / "operator_token").read_text().strip()
        http_port = tomllib.loads(config.read_text())["gateway"]["http"]["port"]
        with httpx.Client(
            base_url=f"http://127.0.0.1:{http_port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ) as client:
            _send_orders(client, rng, rng.randint(3, 8))
            # the kill lands just after the k-th order of a burst was accepted: that order and
            # the ones before it are somewhere between risk, the session, the journal and the venue
            for n in range(rng.randint(1, 6)):
                response = client.post(
                    "/api/orders",
                    json={"symbol": SYMBOLS[n % 2], "side": "buy", "quantity": "1"},
                )
                assert response.status_code == 202, response.text
            time.sleep(rng.uniform(0.0, 0.02))
            first.process.send_signal(signal.SIGKILL)
            assert first.process.wait(timeout=10) == -signal.SIGKILL
    finally:
        first.close()

    second = Daemon(config, data_dir, tmp_path / "second.log")
    try:
        second.wait_for("daemon ready")
        report = second.wait_for("reconciled")
        # missed fills are booked and unresolved orders resolved by asking the venue; no order
        # the journal did not know about (adopted) and no position left different
        assert (report["adopted"], report["differences"]) == (0, 0), report
        time.sleep(0.5)  # let anything the restart adopted settle
        second.process.send_signal(signal.SIGTERM)
        assert second.process.wait(timeout=15) == 0
    finally:
        second.close()

    booked = _check_journal_matches_venue(data_dir)
    assert booked > 0, "the run traded"
