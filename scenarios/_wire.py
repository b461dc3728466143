"""The outside wire: monitoring events over the hub, and TradingView webhooks over HTTP.

Each scenario connects real clients to the daemon's own servers (the hub's
WebSocket, the http actor's HTTP port) and checks what crossed the wire
against the daemon's books: every client saw the same events in ``seq``
order, a resumed client missed nothing, a webhook storm turned into exactly
one order per distinct alert. Sockets are real while the clock is virtual;
as in :mod:`._monitor`, loopback I/O completes between clock jumps, and HTTP
waits are bounded in virtual time rather than by httpx's own timeouts.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import httpx
import trio
from trio_websocket import ConnectionClosed

from actors.gateway import EVENT_TYPES, GetListenAddress, ListenAddress, open_hub_client
from actors.messages import (
    BreakerState,
    BreakerStatus,
    GetBreakers,
    ResetBreaker,
    ResetResult,
    SignalAction,
    TripBreaker,
)

from ._checks import portfolio
from ._harness import OPERATOR_TOKEN, WEBHOOK_SECRET, Simulation
from ._monitor import Recording
from ._report import Report
from ._scenario import scenario

__all__: list[str] = []

_CLIENTS = 3


async def _trade_round(sim: Simulation, tag: str) -> None:
    """Open, add to and close positions in two symbols through the alert strategy."""
    steps = (
        ("SPY", SignalAction.BUY, 10),
        ("QQQ", SignalAction.BUY, 5),
        ("SPY", SignalAction.BUY, 4),
        ("QQQ", SignalAction.SELL, 2),
        ("SPY", SignalAction.CLOSE, 14),
    )
    for number, (symbol, action, quantity) in enumerate(steps):
        await sim.alert(symbol, action, f"{tag}-{number}", Decimal(quantity))
        await trio.sleep(6)


async def _clients(sim: Simulation, prefix: str) -> list[Recording]:
    return [await sim.monitors.open_recording(f"{prefix}-{i}") for i in range(_CLIENTS)]


def _events(recording: Recording) -> list[dict[str, Any]]:
    return [f for f in recording.frames if f.get("type") in EVENT_TYPES]


def reaches_every_client(
    report: Report, recordings: Sequence[Recording], kind: str, *, minimum: int
) -> list[list[dict[str, Any]]]:
    """Check ``kind`` reached every client in seq order, the same events to each.

    Compared over the seq range every client was connected for (from the
    latest first event to the earliest last one), so a client that joined a
    moment later is not counted short. Returns each client's frames of
    ``kind`` in that range.
    """
    per_client = [_events(r) for r in recordings]
    if not all(per_client):
        report.check(f"{kind} reached every client", False, "a client received no events")
        return [[] for _ in recordings]
    low = max(events[0]["seq"] for events in per_client)
    high = min(events[-1]["seq"] for events in per_client)
    disorder = [
        r.name
        for r in recordings
        if any(b["seq"] <= a["seq"] for a, b in itertools.pairwise(r.of_type(kind)))
    ]
    report.check(
        f"{kind} arrived in seq order at every client",
        not disorder,
        f"out of order at {disorder}" if disorder else f"{len(recordings)} clients",
    )
    shared = [[f for f in r.of_type(kind) if low <= f["seq"] <= high] for r in recordings]
    seqs = [[f["seq"] for f in frames] for frames in shared]
    counts = [len(s) for s in seqs]
    report.check(
        f"every client got the same {kind} events (equal counts, same seqs)",
        all(s == seqs[0] for s in seqs) and counts[0] >= minimum,
        f"counts {counts} over seq {low}..{high} (want >= {minimum})",
    )
    return shared


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


@scenario(
    "ws_position_updates",
    "position updates reach every connected client in seq order and end at the books",
    fast_duration=120.0,
    duration=240.0,
)
async def ws_position_updates(sim: Simulation, report: Report, fast: bool) -> None:
    recordings = await _clients(sim, "positions")
    await trio.sleep(5)
    await _trade_round(sim, "pos")
    await trio.sleep(20)
    shared = reaches_every_client(report, recordings, "position_update", minimum=5)
    snapshot = await portfolio(sim)
    books = {p.symbol: p.quantity for p in snapshot.positions} if snapshot else {}
    last: dict[str, Decimal] = {}
    for frame in shared[0]:
        data = frame["data"]
        if not data.get("strategy"):
            last[data["symbol"]] = _decimal(data["quantity"])
    seen = {s: q for s, q in last.items() if q}
    held = {s: q for s, q in books.items() if q}
    report.check(
        "the last net position update per symbol equals the portfolio's position",
        seen == held and set(last) >= {"SPY", "QQQ"},
        f"wire {last}, books {books}",
    )


@scenario(
    "ws_trade_notifications",
    "every venue fill reaches every connected client once, in seq order",
    fast_duration=120.0,
    duration=240.0,
)
async def ws_trade_notifications(sim: Simulation, report: Report, fast: bool) -> None:
    recordings = await _clients(sim, "trades")
    await trio.sleep(5)
    await _trade_round(sim, "trade")
    await trio.sleep(20)
    reaches_every_client(report, recordings, "trade_executed", minimum=5)
    venue = sorted(f.execution_id for f in sim.venue.ledger(sim.account).fills)
    wrong: list[str] = []
    for recording in recordings:
        ids = sorted(f["data"]["execution_id"] for f in recording.of_type("trade_executed"))
        if ids != venue:
            wrong.append(f"{recording.name}: {len(ids)} ids")
    report.check(
        "each client saw every venue fill exactly once",
        not wrong and bool(venue),
        "; ".join(wrong) or f"{len(venue)} fills to {len(recordings)} clients",
    )


@scenario(
    "ws_portfolio_stream",
    "portfolio updates reach every connected client, at least one every second",
    fast_duration=120.0,
    duration=240.0,
)
async def ws_portfolio_stream(sim: Simulation, report: Report, fast: bool) -> None:
    recordings = await _clients(sim, "portfolio")
    await trio.sleep(5)
    await _trade_round(sim, "pf")
    await trio.sleep(20)
    span = 50.0
    reaches_every_client(report, recordings, "portfolio_update", minimum=int(span))
    gaps = []
    for recording in recordings:
        stamps = [f["ts"] for f in recording.of_type("portfolio_update")]
        gaps.append(max((b - a for a, b in itertools.pairwise(stamps)), default=float("inf")))
    report.check(
        "a portfolio update at least every second at every client",
        all(gap <= 1.0 + 1e-6 for gap in gaps),
        f"largest gaps {[round(g, 3) for g in gaps]} s",
    )
    snapshot = await portfolio(sim)
    last = recordings[0].of_type("portfolio_update")[-1]["data"]
    report.check(
        "the latest update's equity is cash + positions exactly, as in the books",
        snapshot is not None
        and _decimal(last["equity"]) == _decimal(last["cash"]) + _decimal(last["positions_value"])
        and _decimal(last["cash"]) == snapshot.portfolio.cash,
        f"wire cash {last['cash']}, books {snapshot.portfolio.cash if snapshot else None}",
    )


@scenario(
    "ws_alerts",
    "breaker alerts (an operator trip and its reset) reach every connected client in order",
    fast_duration=120.0,
    duration=240.0,
)
async def ws_alerts(sim: Simulation, report: Report, fast: bool) -> None:
    recordings = await _clients(sim, "alerts")
    breakers = sim.tree.ref("breakers")
    await trio.sleep(10)
    for name in ("manual", "daily_loss"):
        await breakers.ask(TripBreaker(name=name, reason="scenario: ws alerts"))
        await trio.sleep(2)
    status = await breakers.ask(GetBreakers())
    assert isinstance(status, BreakerStatus)
    codes = {b.name: b.reset_code for b in status.breakers if b.state is BreakerState.TRIPPED}
    resets = []
    for name in ("daily_loss", "manual"):
        result = await breakers.ask(ResetBreaker(name=name, code=codes.get(name) or ""))
        assert isinstance(result, ResetResult)
        resets.append(result.reset)
        await trio.sleep(2)
    report.check("both breakers tripped and reset", all(resets), str(resets))
    await trio.sleep(10)
    shared = reaches_every_client(report, recordings, "alert", minimum=4)
    told = [
        (f["data"]["data"].get("breaker"), f["data"]["message"])
        for f in shared[0]
        if f["data"]["category"] == "breaker"
    ]
    order = [breaker for breaker, _ in told]
    report.check(
        "the alerts name each trip and each reset, in the order they happened",
        order == ["manual", "daily_loss", "daily_loss", "manual"],
        "; ".join(message for _, message in told),
    )


@scenario(
    "ws_reconnect",
    "a client drops mid-run and resumes from its last seq: exactly the missed events, no gap",
    fast_duration=120.0,
    duration=240.0,
)
async def ws_reconnect(sim: Simulation, report: Report, fast: bool) -> None:
    steady = await sim.monitors.open_recording("steady")
    url = await sim.monitors.url()
    # Not added to sim.monitors.recordings: the run's seq-order check restarts its count at
    # a hello (which carries the hub's current seq), so a resume's replay would read as a
    # step back. Its own order is checked below: consecutive seqs, no gap, no duplicate.
    roaming = Recording("roaming")

    async def listen(query: str, *, until: trio.Event | None) -> None:
        try:
            async with open_hub_client(url + query, token=OPERATOR_TOKEN) as ws:
                while True:
                    if until is not None and until.is_set():
                        return
                    with trio.move_on_after(0.5):
                        roaming.frames.append(json.loads(await ws.get_message()))
        except ConnectionClosed as exc:
            roaming.closed = str(exc.reason)

    drop = trio.Event()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(lambda: listen("", until=drop))
        await trio.sleep(5)
        trading = trio.Event()

        async def trade() -> None:
            await _trade_round(sim, "rc")
            trading.set()

        nursery.start_soon(trade)
        await trio.sleep(10)
        drop.set()
    last_seen = max(f["seq"] for f in _events(roaming))
    cut = len(roaming.frames)
    await trio.sleep(15)  # events go by while it is away
    back = sim.daemon.world.clock.time()
    async with trio.open_nursery() as nursery:
        gone = trio.Event()
        nursery.start_soon(lambda: listen(f"?from_seq={last_seen}", until=gone))
        await trading.wait()
        await trio.sleep(15)
        gone.set()
    after = roaming.frames[cut:]
    report.check(
        "the resumed client got hello and no state recovery",
        bool(after) and after[0]["type"] == "hello" and not roaming.of_type("state_recovery"),
        str([f["type"] for f in after[:3]]),
    )
    mine = [(f["seq"], f["type"]) for f in _events(roaming)]
    low, high = mine[0][0], mine[-1][0]
    theirs = [(f["seq"], f["type"]) for f in _events(steady) if low <= f["seq"] <= high]
    missed = [e for e in theirs if e not in mine]
    extra = [e for e in mine if e not in theirs]
    seqs = [seq for seq, _ in mine]
    report.check(
        "after resuming it holds exactly the always-connected client's events",
        mine == theirs and seqs == list(range(low, high + 1)),
        f"{len(mine)} events seq {low}..{high}; missed {missed[:3]}, extra {extra[:3]}, "
        f"resumed after {last_seen}",
    )
    replayed = [f for f in after if f.get("type") in EVENT_TYPES and f["ts"] < back]
    report.check(
        "events that went by while it was away were replayed",
        bool(replayed) and replayed[0]["seq"] == last_seen + 1,
        f"{len(replayed)} replayed from seq {replayed[0]['seq'] if replayed else None}",
    )


class _Answer:
    """One webhook request's outcome: HTTP status and the JSON body."""

    def __init__(self, label: str, status: int, body: dict[str, Any]) -> None:
        self.label = label
        self.status = status
        self.body = body

    def __repr__(self) -> str:
        return f"{self.label}:{self.status}"


async def _post(
    client: httpx.AsyncClient, label: str, body: dict[str, Any], *, path_secret: bool
) -> _Answer:
    path = f"/webhook/tradingview/{WEBHOOK_SECRET}" if path_secret else "/webhook/tradingview"
    if not path_secret and "passphrase" not in body:
        body = {**body, "passphrase": WEBHOOK_SECRET}
    with trio.fail_after(60):  # virtual seconds: a loopback request never needs this long
        response = await client.post(path, content=json.dumps(body).encode())
    return _Answer(label, response.status_code, response.json())


async def _concurrently(
    client: httpx.AsyncClient, requests: Sequence[tuple[str, dict[str, Any], bool]]
) -> list[_Answer]:
    answers: list[_Answer] = []

    async def one(label: str, body: dict[str, Any], path_secret: bool) -> None:
        answers.append(await _post(client, label, body, path_secret=path_secret))

    async with trio.open_nursery() as nursery:
        for label, body, path_secret in requests:
            nursery.start_soon(one, label, body, path_secret)
    return answers


@scenario(
    "webhook_storm",
    "TradingView alerts over HTTP with retries, duplicates and a burst past the rate limit: "
    "each distinct alert becomes one order, the rest are refused with the right status",
    fast_duration=150.0,
    duration=300.0,
)
async def webhook_storm(sim: Simulation, report: Report, fast: bool) -> None:
    address = await sim.tree.ref("http").ask(GetListenAddress())
    assert isinstance(address, ListenAddress)
    http = sim.daemon.config.gateway.http
    symbols = ("SPY", "QQQ")
    # quantity n identifies alert n at the venue: every distinct alert has its own size
    alerts: dict[str, dict[str, Any]] = {
        f"storm-{n}": {
            "ticker": symbols[n % 2],
            "action": "buy",
            "qty": n,
            "alert_id": f"storm-{n}",
        }
        for n in range(1, 5)
    }
    timed: dict[str, dict[str, Any]] = {
        f"timed-{n}": {
            "symbol": f"NASDAQ:{symbols[n % 2]}",
            "action": "buy",
            "qty": n,
            "time": f"2026-09-21T13:3{n}:00Z",
        }
        for n in (5, 6)
    }
    late: dict[str, dict[str, Any]] = {
        f"late-{n}": {"ticker": symbols[n % 2], "action": "buy", "qty": n, "alert_id": f"late-{n}"}
        for n in (7, 8)
    }
    answers: dict[str, list[_Answer]] = {}
    async with httpx.AsyncClient(base_url=address.url, timeout=None) as client:
        await trio.sleep(5)
        first = []
        for number, (alert_id, body) in enumerate(alerts.items()):
            first.append(await _post(client, alert_id, body, path_secret=number % 2 == 0))
            await trio.sleep(1)
        answers["first"] = first
        forged = {**alerts["storm-1"], "alert_id": "forged", "passphrase": "not-the-secret"}
        answers["forged"] = [await _post(client, "forged", forged, path_secret=False)]
        await trio.sleep(5)  # TradingView resends an alert it thinks failed 5 s later
        answers["retries"] = await _concurrently(
            client, [(alert_id, body, True) for alert_id, body in alerts.items()]
        )
        await trio.sleep(5)
        answers["timed"] = await _concurrently(
            client, [(label, body, False) for label, body in timed.items() for _ in range(2)]
        )
        await trio.sleep(10)  # the bucket refills; every alert is still in the dedupe window
        storm = [(label, body, True) for label, body in late.items()]  # new ones first
        storm += [(alert_id, body, False) for alert_id, body in alerts.items()] * 9
        began = trio.current_time()
        answers["storm"] = await _concurrently(client, storm)
        elapsed = trio.current_time() - began
    await trio.sleep(30)

    report.check(
        "each first delivery was accepted as new",
        all(a.status == 200 and a.body.get("duplicate") is False for a in answers["first"]),
        str(answers["first"]),
    )
    report.check(
        "a wrong secret was refused with 401",
        [a.status for a in answers["forged"]] == [401],
        str(answers["forged"][0].body),
    )
    report.check(
        "retries with the same alert_id were answered as duplicates of the same alert",
        all(
            a.status == 200 and a.body == {"alert_id": a.label, "duplicate": True}
            for a in answers["retries"]
        ),
        str([(a.label, a.status, a.body.get("duplicate")) for a in answers["retries"]]),
    )
    timed_new = [a for a in answers["timed"] if a.status == 200 and not a.body["duplicate"]]
    timed_dup = [a for a in answers["timed"] if a.status == 200 and a.body["duplicate"]]
    report.check(
        "identical alerts without an id sent twice at once: one new, one duplicate each",
        sorted(a.label for a in timed_new) == sorted(timed)
        and sorted(a.label for a in timed_dup) == sorted(timed),
        str([(a.label, a.status, a.body.get("duplicate")) for a in answers["timed"]]),
    )
    storm_answers = answers["storm"]
    limited = [a for a in storm_answers if a.status == 429]
    passed = [a for a in storm_answers if a.status == 200]
    allowance = http.webhook_burst + http.webhook_rate * elapsed
    report.check(
        "a burst beyond the rate limit was refused with 429, the rest answered",
        bool(limited)
        and all("slow down" in str(a.body.get("error")) for a in limited)
        and len(passed) + len(limited) == len(storm_answers)
        and len(passed) <= allowance + 1,
        f"{len(storm_answers)} requests: {len(passed)} answered, {len(limited)} got 429 "
        f"(allowance {allowance:.1f} over {elapsed:.2f} virtual s)",
    )
    report.check(
        "storm retries of known alerts were answered as duplicates",
        all(a.body.get("duplicate") for a in passed if a.label in alerts),
        str(sorted({a.label for a in passed if a.label in alerts})),
    )
    acted = {int(body["qty"]) for body in alerts.values()} | {5, 6}
    acted |= {int(late[a.label]["qty"]) for a in passed if a.label in late}
    orders = [
        r.order
        for r in sim.venue.ledger(sim.account).orders.values()
        if r.order.strategy == "tradingview" and not r.order.reduce_only
    ]
    sizes = sorted(int(o.quantity) for o in orders)
    report.check(
        "each distinct accepted alert reached the venue as exactly one order",
        sizes == sorted(acted),
        f"venue entry sizes {sizes}, accepted alerts' sizes {sorted(acted)}",
    )
