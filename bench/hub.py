"""Hub fan-out on loopback, side by side with a plain ``send_message`` loop.

Run: ``.venv/bin/python bench/hub.py [--clients 1,100,500] [--events N] [--profile]``
or ``... [--clients 0,500] --trading ALERTS [--rounds R] [--profile]``.

The clients live in a second process (this script with ``--client``): raw
sockets in one epoll loop that parse frame headers only, so the figures are
the server's (a trio task per client cost the client process more per
delivery than the hub, and its scheduling showed up as latency). For
each client count, two servers:

* **hub**: the real hub actor in a tree; events are ``Alert`` messages
  published with ``publish_nowait`` (its mailbox and outboxes sized so none is
  dropped or cut, to measure fan-out alone).
* **plain**: a minimal trio-websocket server that encodes each event once and
  awaits ``send_message`` on every client in turn.

Columns: events/s delivered (deliveries over the time from the first to the
last delivery, seen by the clients), the server's CPU per delivery
(``time.process_time`` of the server process over the run / deliveries), and
delivery latency p50/p99 at a paced 20 events/s (publish time carried in the
event, read on arrival; both processes share the machine's clock).
``--profile`` adds the hub run's cProfile, by own time.

``--trading ALERTS`` measures what the clients cost the trading path instead:
the whole default daemon runs live (a 20 ms synthetic market, so the hub has
the events of every tick to send: positions, portfolio, orders, fills), the
given number of clients hold connections and read everything, and an alert
is told to the alert strategy ten times a second; the figure is the time
from the alert to its fill (strategy, risk, broker session, paper venue),
p50/p99/max, for each client count. The machine is shared, so its load
drifts: ``--rounds R`` runs the client counts in turn R times (a fresh daemon
each), prints each round and then every count's alerts pooled, and the
ratio of the pooled p99s. The p99 of one round's 100 alerts is its second
slowest: single rounds of the same code ranged from x1.06 to x1.32, so the
figure reported is ``--trading 100 --clients 0,500 --rounds 8`` (800 alerts
per count, about five minutes). Each round also shows the hub's events/s, the CPU
share of the trio thread (``loop``), of the daemon process and of the client
process, and the garbage collections during the alerts (count, total, slowest).
The client process runs at ``--client-nice`` (19 by default): its 500 sockets
stand for browsers elsewhere, and on a two-core machine a Python process
reading them at normal priority takes a core's worth of time from the daemon
(its time, not the hub's, was most of what the clients added to the latency).
``--fanout-share`` overrides the hub's ``fanout_share``; ``--data-dir``
says where each round's daemon keeps its journal and venue state (on this
machine's disk an fsync now and then takes 100-600 ms, in either arm: a
tmpfs such as /dev/shm leaves only what the clients cost). Once the daemon
is up its heap is frozen out of the collector's way, as ``tradeloop run`` does.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import msgspec
import trio
from trio_websocket import ConnectionClosed, WebSocketConnection, WebSocketRequest, serve_websocket

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actors.gateway import (
    GatewayConfig,
    GetHubStats,
    GetListenAddress,
    HttpConfig,
    HubConfig,
    HubStats,
    ListenAddress,
    Tokens,
    hub_actor,
)
from actors.messages import (
    Alert,
    AlertSeverity,
    ExternalAlert,
    Fill,
    GetPortfolio,
    PortfolioSnapshot,
    SignalAction,
)
from adapters.market import SyntheticConfig
from runtime import (
    ChildSpec,
    Subscribe,
    SupervisorSpec,
    configure_logging,
    freeze_heap,
    open_tree,
)
from tradeloop._config import Config, JournalConfig, MarketConfig
from tradeloop._daemon import open_daemon

PACED_RATE = 20.0
PACED_SECONDS = 3.0
TRADING_RATE = 10.0  # alerts per second in --trading
PAD = "x" * 200  # a realistic event size: ~350 bytes on the wire

# -- the client process ----------------------------------------------------------------


class _Counter:
    def __init__(self) -> None:
        self.deliveries = 0
        self.first = 0.0
        self.last = 0.0
        self.latencies: list[float] = []


_ALERT = b'{"type":"alert"'
_PING = 0x9


def _pong(payload: bytes) -> bytes:
    """A pong frame echoing ``payload`` (< 126 bytes), masked as a client's must be."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes((0x8A, 0x80 | len(payload))) + mask + masked


class _Conn:
    """One client socket: the handshake reply, then frames counted as they arrive."""

    def __init__(self, sock: socket.socket, expect: int) -> None:
        self.sock = sock
        self.buf = b""
        self.upgraded = False
        self.left = expect

    def feed(self, data: bytes, now: float, latency: bool, counter: _Counter) -> bool:
        """Count the alert frames in ``data`` (arrived at ``now``); True once all came."""
        buf = self.buf + data
        if not self.upgraded:
            if b"\r\n\r\n" not in buf:
                self.buf = buf
                return False
            self.upgraded = True
            buf = buf.split(b"\r\n\r\n", 1)[1]
        at, size = 0, len(buf)
        while size - at >= 2:
            length = buf[at + 1] & 0x7F
            head = 2
            if length == 126:
                if size - at < 4:
                    break
                length, head = int.from_bytes(buf[at + 2 : at + 4], "big"), 4
            elif length == 127:
                if size - at < 10:
                    break
                length, head = int.from_bytes(buf[at + 2 : at + 10], "big"), 10
            if size - at < head + length:
                break
            if buf[at] & 0x0F == _PING:  # answered as a browser does, or the hub cuts it
                self.sock.send(_pong(buf[at + head : at + head + length]))
            elif buf.startswith(_ALERT, at + head):
                self.left -= 1
                counter.deliveries += 1
                counter.first = counter.first or now
                counter.last = now
                if latency:
                    payload = buf[at + head : at + head + length]
                    sent = float(json.loads(payload)["data"]["message"].split()[0])
                    counter.latencies.append(now - sent)
            at += head + length
        self.buf = buf[at:]
        return self.left <= 0


def client_main(url: str, clients: int, expect: int, latency: bool) -> None:
    """Every client socket in one epoll loop: a few µs per read, so the server is measured.

    ``expect`` 0 holds the connections, reading everything, until killed.
    """
    hold = expect == 0
    expect = expect or sys.maxsize
    host, port = url.split("//")[1].split("/")[0].split(":")
    counter = _Counter()
    selector = selectors.DefaultSelector()
    for _ in range(clients):
        sock = socket.create_connection((host, int(port)))
        sock.sendall(
            f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, _Conn(sock, expect))
        time.sleep(0.001)  # within the server's listen backlog
    print("connecting", flush=True)  # the server waits for the handshakes to finish
    left = clients
    while left:
        for key, _ in selector.select():
            conn: _Conn = key.data
            data = conn.sock.recv(1 << 20)
            if not data and not hold:
                raise SystemExit("the server closed a client connection")
            if not data or conn.feed(data, time.time(), latency, counter):
                selector.unregister(conn.sock)
                conn.sock.close()
                left -= 1
    result = {
        "deliveries": counter.deliveries,
        "seconds": counter.last - counter.first,
        "latencies": counter.latencies,
    }
    print(json.dumps(result), flush=True)


# -- the servers --------------------------------------------------------------------------

Publish = Callable[[Alert], Awaitable[None]]


def _alert(n: int) -> Alert:
    return Alert(
        severity=AlertSeverity.INFO,
        category="bench",
        message=f"{time.time():.6f} {n} {PAD}",
        ts=time.time(),
    )


@asynccontextmanager
async def hub_server(events: int) -> AsyncIterator[tuple[str, Publish, Callable[[], int]]]:
    config = HubConfig(
        port=0,
        mailbox_capacity=events + 100,
        outbox_size=events + 100,
        replay_buffer=1000,
        heartbeat_interval=60.0,
        ping_interval=60.0,
    )
    hub = ChildSpec(name="hub", actor=hub_actor(config, operator_token="bench"))
    async with open_tree(SupervisorSpec(name="root", children=(hub,))) as tree:
        address = await tree.ref("hub").ask(GetListenAddress())
        assert isinstance(address, ListenAddress)

        async def publish(alert: Alert) -> None:
            tree.registry.publish_nowait(alert)
            await trio.lowlevel.checkpoint()

        yield address.url, publish, lambda: 0


@asynccontextmanager
async def plain_server(events: int) -> AsyncIterator[tuple[str, Publish, Callable[[], int]]]:
    clients: set[WebSocketConnection] = set()
    encoder = msgspec.json.Encoder()
    seq = 0

    async def handle(request: WebSocketRequest) -> None:
        conn = await request.accept()
        clients.add(conn)
        try:
            await conn.get_message()  # until the client goes
        except ConnectionClosed:
            pass
        finally:
            clients.discard(conn)

    async def publish(alert: Alert) -> None:
        nonlocal seq
        seq += 1
        data = {f: getattr(alert, f) for f in alert.__struct_fields__}
        text = encoder.encode({"type": "alert", "seq": seq, "ts": time.time(), "data": data})
        message = text.decode()
        for conn in tuple(clients):
            try:
                await conn.send_message(message)
            except ConnectionClosed:
                clients.discard(conn)

    async with trio.open_nursery() as nursery:
        server = await nursery.start(partial(serve_websocket, handle, "127.0.0.1", 0, None))
        yield f"ws://127.0.0.1:{server.port}/ws", publish, lambda: len(clients)
        nursery.cancel_scope.cancel()


async def _run(
    server: Any, clients: int, events: int, paced: bool, profiler: cProfile.Profile | None = None
) -> tuple[dict[str, Any], float]:
    async with server(events) as (url, publish, _):
        args = [sys.executable, __file__, "--client", url, str(clients), str(events)]
        if paced:
            args.append("--latency")
        async with trio.open_nursery() as nursery:
            process = await nursery.start(
                partial(trio.run_process, args, stdout=subprocess.PIPE, check=True)
            )
            assert process.stdout is not None
            lines = _lines(process.stdout)
            assert await lines.__anext__() == "connecting"
            await trio.sleep(0.5 + clients * 0.003)  # every handshake done
            cpu = time.process_time()
            if profiler is not None:
                profiler.enable()
            for n in range(events):
                await publish(_alert(n))
                if paced:
                    await trio.sleep(1 / PACED_RATE)
            result = json.loads(await lines.__anext__())
            cpu = time.process_time() - cpu
            if profiler is not None:
                profiler.disable()
        return result, cpu


async def _lines(stream: trio.abc.ReceiveStream) -> AsyncIterator[str]:
    buf = b""
    async for chunk in stream:
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line.decode()


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def server_main(counts: list[int], events: int, profile: bool) -> None:
    configure_logging(level="warning")
    print(
        f"{'clients':>7} {'server':>6} {'events/s':>10} {'cpu/deliv':>10} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'delivered':>10}"
    )
    for clients in counts:
        rates: dict[str, float] = {}
        for name, server in (("plain", plain_server), ("hub", hub_server)):
            profiler = cProfile.Profile() if profile and name == "hub" else None
            result, cpu = await _run(server, clients, events, paced=False, profiler=profiler)
            if profiler is not None:
                stats = pstats.Stats(profiler)
                stats.sort_stats("tottime").print_stats(30)
                stats.sort_stats("cumulative").print_stats(30)
            paced, _ = await _run(server, clients, int(PACED_RATE * PACED_SECONDS), paced=True)
            rate = result["deliveries"] / result["seconds"] if result["seconds"] else float("nan")
            rates[name] = rate
            latencies = paced["latencies"]
            print(
                f"{clients:>7} {name:>6} {rate:>10,.0f} "
                f"{cpu / max(result['deliveries'], 1) * 1e6:>8.1f}µs "
                f"{_pct(latencies, 50) * 1e3:>8.2f} {_pct(latencies, 99) * 1e3:>8.2f} "
                f"{result['deliveries']:>10}"
            )
        print(f"{clients:>7}  hub/plain rate x{rates['hub'] / rates['plain']:.1f}")


# -- the trading path with clients attached -----------------------------------------------


def _daemon_config(share: float | None) -> Config:
    """The default daemon, its order throttle opened for 10 alerts/s."""
    hub = HubConfig(port=0) if share is None else HubConfig(port=0, fanout_share=share)
    config = Config()
    return msgspec.structs.replace(
        config,
        risk=msgspec.structs.replace(config.risk, throttle_orders=1_000_000),
        journal=JournalConfig(io="thread"),
        market=MarketConfig(synthetic=SyntheticConfig(tick_interval=0.02)),
        gateway=GatewayConfig(hub=hub, http=HttpConfig(port=0)),
    )


class _GcPauses:
    """Every collection while enabled: its generation and how long it held the thread."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._started = 0.0
        self._on = False

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if not self._on:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._started))

    def __enter__(self) -> _GcPauses:
        self._on = True
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._on = False
        gc.callbacks.remove(self)


class _Round(msgspec.Struct):
    clients: int
    latencies: list[float]
    events: int  # hub events during the alerts
    seconds: float
    loop_cpu: float  # the trio thread's CPU seconds during the alerts
    process_cpu: float  # the daemon process's, every thread (journal, fan-out writes)
    client_cpu: float  # the client process's (it shares the machine's cores)
    gc: list[tuple[int, float]]


async def _alert_to_fill(
    clients: int, alerts: int, options: _Options, profiler: cProfile.Profile | None
) -> _Round:
    """Seconds from each alert's arrival to its fill, the whole daemon running live.

    The alert is told to the alert strategy as the webhook does (HTTP itself left
    out); each buys one AAPL share, one at a time (round trips at this rate make
    risk's protective stops race the exits, which is not what is measured here).
    """
    tokens = Tokens(operator="bench", read=None, webhook_secret="bench")
    latencies: list[float] = []
    with tempfile.TemporaryDirectory(dir=options.data_dir) as tmp:
        async with open_daemon(_daemon_config(options.share), Path(tmp), tokens=tokens) as daemon:
            freeze_heap()  # as `tradeloop run` does once the tree is up (thawed after the round)
            tree = daemon.tree
            fills = tree.inbox("bench-fills", Subscribe(Fill))
            hub = await tree.ref("hub").ask(GetListenAddress())
            assert isinstance(hub, ListenAddress)
            with trio.fail_after(10):
                while True:  # risk sizes nothing before the account's money is known
                    snapshot = await tree.ref("portfolio").ask(GetPortfolio())
                    assert isinstance(snapshot, PortfolioSnapshot)
                    if snapshot.portfolio.equity > 0:
                        break
                    await trio.sleep(0.05)
            async with trio.open_nursery() as nursery:
                if clients:
                    nice = ["nice", "-n", str(options.client_nice)] if options.client_nice else []
                    args = [*nice, sys.executable, __file__, "--client", hub.url, str(clients), "0"]
                    process = await nursery.start(
                        partial(trio.run_process, args, stdout=subprocess.PIPE, check=False)
                    )
                    assert await _lines(process.stdout).__anext__() == "connecting"
                    await trio.sleep(0.5 + clients * 0.003)
                before = await tree.ref("hub").ask(GetHubStats())
                started_run = time.perf_counter()
                loop_cpu, process_cpu = time.thread_time(), time.process_time()
                client_cpu = _cpu_of(process.pid) if clients else 0.0
                if profiler is not None:
                    profiler.enable()
                with _GcPauses() as pauses:
                    for n in range(alerts):
                        alert = ExternalAlert(
                            alert_id=f"bench-{n}",
                            source="bench",
                            strategy="tradingview",
                            symbol="AAPL",
                            action=SignalAction.BUY,
                            ts=daemon.world.clock.time(),
                            quantity=Decimal(1),
                        )
                        started = time.perf_counter()
                        await tree.ref("strategy-tradingview").tell(alert)
                        with trio.fail_after(10):
                            fill = await fills.receive()
                        latencies.append(time.perf_counter() - started)
                        assert (fill.strategy, fill.quantity) == ("tradingview", 1), fill
                        await trio.sleep(1 / TRADING_RATE)
                        assert len(fills) == 0, "one alert, one fill"
                if profiler is not None:
                    profiler.disable()
                seconds = time.perf_counter() - started_run
                loop_cpu = time.thread_time() - loop_cpu
                process_cpu = time.process_time() - process_cpu
                client_cpu = _cpu_of(process.pid) - client_cpu if clients else 0.0
                after = await tree.ref("hub").ask(GetHubStats())
                assert isinstance(before, HubStats)
                assert isinstance(after, HubStats)
                assert after.clients == clients, f"{clients - after.clients} clients were cut"
                nursery.cancel_scope.cancel()  # the clients go before the daemon stops
            gc.unfreeze()
    return _Round(
        clients,
        latencies,
        after.seq - before.seq,
        seconds,
        loop_cpu,
        process_cpu,
        client_cpu,
        pauses.pauses,
    )


def _cpu_of(pid: int) -> float:
    """CPU seconds a process has used so far (Linux: utime + stime in /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _round_line(label: str, latencies: list[float], extra: str = "") -> str:
    return (
        f"{label:>9} {_pct(latencies, 50) * 1e3:>8.2f} {_pct(latencies, 99) * 1e3:>8.2f} "
        f"{max(latencies) * 1e3:>8.2f}{extra}"
    )


class _Options(msgspec.Struct, frozen=True):
    share: float | None  # the hub's fanout_share, None for the default
    client_nice: int  # niceness of the client process
    data_dir: Path | None  # where each round's daemon keeps its data, None: the system's temp


async def trading_main(
    counts: list[int], alerts: int, rounds: int, profile: bool, options: _Options
) -> None:
    """The client counts alternate, round after round, so drift on a shared machine hits all."""
    configure_logging(level="warning")
    share = HubConfig().fanout_share if options.share is None else options.share
    print(
        f"alert-to-fill, {alerts} alerts at {TRADING_RATE:g}/s through the whole daemon, "
        f"{rounds} round(s) of clients {','.join(map(str, counts))}, "
        f"fanout_share {share:g}, clients at nice {options.client_nice}"
    )
    print(
        f"{'clients':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'events/s':>9} "
        f"{'loop cpu':>8} {'proc cpu':>8} {'clients cpu':>11} gc"
    )
    pooled: dict[int, list[float]] = {c: [] for c in counts}
    for _ in range(rounds):
        for clients in counts:
            profiler = cProfile.Profile() if profile else None
            result = await _alert_to_fill(clients, alerts, options, profiler)
            if profiler is not None:
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            pooled[clients] += result.latencies
            slowest = max(result.gc, key=lambda p: p[1], default=(0, 0.0))
            gc_text = (
                f" {len(result.gc)} took {sum(p for _, p in result.gc) * 1e3:.1f} ms,"
                f" slowest gen{slowest[0]} {slowest[1] * 1e3:.2f} ms"
            )
            print(
                _round_line(
                    str(clients),
                    result.latencies,
                    f" {result.events / result.seconds:>9.0f}"
                    f" {result.loop_cpu / result.seconds:>8.0%}"
                    f" {result.process_cpu / result.seconds:>8.0%}"
                    f" {result.client_cpu / result.seconds:>11.0%}{gc_text}",
                )
            )
    print("pooled")
    for clients, latencies in pooled.items():
        print(_round_line(str(clients), latencies))
    if len(counts) == 2:
        base, other = (_pct(pooled[c], 99) for c in counts)
        print(f"p99 with {counts[1]} clients / with {counts[0]}: x{other / base:.2f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        url, clients, expect = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        client_main(url, clients, expect, "--latency" in sys.argv)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="1,100,500")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="cProfile the hub's runs")
    parser.add_argument(
        "--trading", type=int, metavar="ALERTS", help="alert-to-fill p99 with the clients attached"
    )
    parser.add_argument("--rounds", type=int, default=1, help="--trading: rounds of the counts")
    parser.add_argument("--fanout-share", type=float, help="--trading: the hub's fanout_share")
    parser.add_argument(
        "--data-dir", type=Path, help="--trading: where the daemons keep journal and venue state"
    )
    parser.add_argument(
        "--client-nice",
        type=int,
        default=19,
        help="--trading: niceness of the client process (0: compete with the daemon)",
    )
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    if args.trading:
        options = _Options(
            share=args.fanout_share, client_nice=args.client_nice, data_dir=args.data_dir
        )
        trio.run(trading_main, counts, args.trading, args.rounds, args.profile, options)
    else:
        trio.run(server_main, counts, args.events, args.profile)


if __name__ == "__main__":
    main()
