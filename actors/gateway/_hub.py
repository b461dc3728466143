"""The monitoring hub: every event to every WebSocket client, never slowing trading.

The hub's mailbox takes events through drop-oldest lanes, so a publisher never
waits on it (a burst it cannot keep up with is dropped and counted there, and
the gap shows as missing seqs to nobody: seqs are assigned after the lane).
Each event gets the next ``seq``, is encoded once into a WebSocket frame, kept
in a bounded replay buffer and handed to the fan-out (:mod:`._fanout`), which
writes every client what came since its last pass in one write, without
waiting. A client that falls behind by a full outbox is cut off with close
code 1013 and a reason naming the seq to resume from. Snapshots and operator
commands are asked of the owning actors with short timeouts, in the client's
own tasks, never in the hub's loop.
"""

from __future__ import annotations

import random
import secrets
from collections import deque
from functools import partial
from typing import Any, final
from urllib.parse import parse_qs, urlsplit

import structlog
import trio
from trio_websocket import ConnectionClosed, WebSocketRequest, serve_websocket

from actors.messages import PortfolioUpdate
from runtime import (
    Actor,
    ActorContext,
    Clock,
    Policy,
    Registry,
    Request,
    Subscribe,
    TaskStatus,
)

from ._client import (
    CLOSE_GOING_AWAY,
    CLOSE_POLICY_VIOLATION,
    Client,
    Recover,
    Replay,
    Snapshot,
)
from ._commands import CommandFailed, forward, route_request
from ._config import HubConfig
from ._envelope import (
    EVENT_MESSAGE_TYPES,
    PROTOCOL_VERSION,
    ClientMessage,
    ClientMessageError,
    OperatorRequest,
    Ping,
    Resume,
    SubscribeTopics,
    decode_client_message,
    encode_frame,
    event_of,
)
from ._fanout import FanOut, send, serve_writer
from ._frames import abort
from ._queries import GetHubStats, GetListenAddress, HubStats, ListenAddress
from ._snapshot import build_snapshot
from ._tokens import bearer_token, token_matches

__all__ = ["hub_actor", "hub_subscriptions"]

WS_PATH = "/ws"
HEARTBEAT_SLICE = 32  # clients offered a heartbeat between two checkpoints


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def hub_subscriptions(config: HubConfig) -> tuple[Subscribe, ...]:
    """The hub's event subscriptions: drop-oldest, so trading never waits on monitoring."""
    return tuple(
        Subscribe(t, Policy.DROP_OLDEST, capacity=config.mailbox_capacity)
        for t in EVENT_MESSAGE_TYPES
    )


def hub_actor(
    config: HubConfig,
    *,
    operator_token: str,
    read_token: str | None = None,
    default_account: str = "paper",
) -> Actor:
    """The hub actor (daemon name ``"hub"``); serves ``ws://<host>:<port>/ws``.

    Answers :class:`GetListenAddress` (the bound port, for ``port = 0``) and
    :class:`GetHubStats`.
    """

    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        for sub in hub_subscriptions(config):
            ctx.subscribe(sub.message_type, sub.policy, capacity=sub.capacity)
        hub = _Hub(
            ctx.registry, ctx.clock, config, operator_token, read_token, default_account, ctx.rng
        )
        async with trio.open_nursery() as nursery:
            server = await nursery.start(
                partial(
                    serve_websocket,
                    hub.handle,
                    config.host,
                    config.port,
                    None,
                    handler_nursery=nursery,
                    max_message_size=config.max_message_size,
                    connect_timeout=config.close_timeout,
                    disconnect_timeout=config.close_timeout,
                )
            )
            hub.port = server.port
            ctx.log.info("hub listening", url=hub.url)
            nursery.start_soon(hub.fanout.serve)
            nursery.start_soon(hub.serve_heartbeats)
            nursery.start_soon(hub.serve_portfolio_refresh)
            task_status.started()
            async for message in ctx.mailbox:
                if isinstance(message, Request):
                    hub.answer(message)
                else:
                    hub.publish(message)

    return run


@final
class _Hub:
    def __init__(
        self,
        registry: Registry,
        clock: Clock,
        config: HubConfig,
        operator_token: str,
        read_token: str | None,
        default_account: str,
        rng: random.Random,
    ) -> None:
        self.registry = registry
        self.rng = rng
        self.clock = clock
        self.config = config
        self.operator_token = operator_token
        self.read_token = read_token
        self.default_account = default_account
        self.session = secrets.token_hex(8)  # seqs restart with each incarnation
        self.port = 0
        self.seq = 0
        self.buffer: deque[tuple[int, str, float, bytes]] = deque(maxlen=config.replay_buffer)
        self.clients: set[Client] = set()
        self.fanout = FanOut(
            config.fanout_share, self.clients, outbox_size=config.outbox_size, on_cut=self._cut
        )
        self.latest_portfolio: PortfolioUpdate | None = None
        self.portfolio_sent_at = -float("inf")
        self.connections = 0
        self.frames_dropped = 0
        self.cut_slow = 0
        self.cut_dead = 0
        self.rejected = 0
        self.log = structlog.get_logger("gateway.hub")

    @property
    def url(self) -> str:
        return f"ws://{self.config.host}:{self.port}{WS_PATH}"

    # -- the actor's loop ------------------------------------------------------------

    def answer(self, request: Request[Any]) -> None:
        question = request.message
        if isinstance(question, GetListenAddress):
            request.reply(ListenAddress(host=self.config.host, port=self.port, url=self.url))
        elif isinstance(question, GetHubStats):
            request.reply(self.stats())
        else:
            request.fail(ValueError(f"the hub does not answer {type(question).__name__}"))

    def stats(self) -> HubStats:
        return HubStats(
            seq=self.seq,
            clients=len(self.clients),
            connections=self.connections,
            events=self.seq,
            frames_dropped=self.frames_dropped,
            cut_slow=self.cut_slow,
            cut_dead=self.cut_dead,
            rejected=self.rejected,
            buffered=len(self.buffer),
        )

    def publish(self, message: object) -> None:
        event = event_of(message)
        if event is None:
            return
        if isinstance(message, PortfolioUpdate):
            self.latest_portfolio = message
            self.portfolio_sent_at = self.clock.monotonic()
        self.broadcast_event(*event)

    def broadcast_event(self, type_: str, data: dict[str, Any]) -> None:
        """Number, encode once, buffer and hand to the fan-out (no work per client here)."""
        self.seq = seq = self.seq + 1
        ts = self.clock.time()
        frame = encode_frame(type_, seq, ts, data)
        self.buffer.append((seq, type_, ts, frame))
        self.fanout.publish(seq, type_, frame)

    def _cut(self, client: Client) -> None:
        self.frames_dropped += 1
        if client in self.clients:
            self.clients.discard(client)
            self.cut_slow += 1

    async def serve_heartbeats(self) -> None:
        """A heartbeat to every client, offered in slices: 500 at once held the thread 1.5 ms."""
        while True:
            await trio.sleep(self.config.heartbeat_interval)
            frame = self.reply("heartbeat", {"clients": len(self.clients)})
            for n, client in enumerate(tuple(self.clients), 1):
                if client.closed is None and client.wants("heartbeat"):
                    self.fanout.offer(client, frame)
                if n % HEARTBEAT_SLICE == 0:
                    await trio.lowlevel.checkpoint()

    async def serve_portfolio_refresh(self) -> None:
        """Re-send the latest portfolio when a second went by without one."""
        interval = self.config.portfolio_interval
        while True:
            await trio.sleep_until(self.portfolio_sent_at + interval)
            now = self.clock.monotonic()
            if now < self.portfolio_sent_at + interval:
                continue  # a fresh one went out meanwhile
            if self.latest_portfolio is None:
                self.portfolio_sent_at = now
                continue
            self.publish(self.latest_portfolio)

    def reply(self, type_: str, data: Any) -> bytes:
        """A non-event frame: carries the current seq without raising it."""
        return encode_frame(type_, self.seq, self.clock.time(), data)

    # -- resume ------------------------------------------------------------------

    def resume_item(self, client: Client, from_seq: int) -> Replay | Recover:
        """Replay after ``from_seq`` from the buffer, or recover when it cannot."""
        oldest = self.buffer[0][0] if self.buffer else self.seq + 1
        if from_seq > self.seq or from_seq + 1 < oldest:
            since = None
            reason = "the hub restarted (seq is behind yours)"
            if from_seq <= self.seq:
                reason = f"events after seq {from_seq} are no longer buffered (oldest {oldest})"
            missed = max(0, self.seq - from_seq) if from_seq <= self.seq else None
            if from_seq <= self.seq and self.buffer:
                since = self.buffer[0][2]
            data = {"disconnected_since": since, "missed": missed, "reason": reason}
            return Recover(self.seq, self.reply("state_recovery", data))
        frames = [
            (seq, frame)
            for seq, type_, _, frame in self.buffer
            if seq > from_seq and client.wants(type_)
        ]
        return Replay(from_seq, frames)

    # -- connections -------------------------------------------------------------

    async def handle(self, request: WebSocketRequest) -> None:
        target = urlsplit(request.path)
        query = parse_qs(target.query)
        if target.path != WS_PATH:
            self.rejected += 1
            await request.reject(404, body=f"no such path; the hub is at {WS_PATH}".encode())
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.headers}
        token = _first(query, "token") or bearer_token(headers.get("authorization"))
        operator = token_matches(token, self.operator_token)
        if self.read_token is not None and not (operator or token_matches(token, self.read_token)):
            self.rejected += 1
            reason = "a read token is required" if token is None else "the token is not valid"
            await request.reject(401, body=reason.encode())
            return
        from_seq: int | None = None
        raw_seq = _first(query, "from_seq")
        if raw_seq is not None:
            try:
                from_seq = int(raw_seq)
            except ValueError:
                self.rejected += 1
                await request.reject(400, body=b"from_seq must be an integer")
                return
        conn = await request.accept()
        client = Client(conn, outbox_size=self.config.outbox_size, operator=operator)
        # no checkpoint from here to registration: the replay and live events line up
        hello = {
            "protocol": PROTOCOL_VERSION,
            "session": self.session,
            "server_time": self.clock.time(),
            "seq": self.seq,
            "operator": operator,
        }
        client.queued = self.seq  # the snapshot or replay covers what came before
        self.fanout.offer(client, self.reply("hello", hello))
        first = Snapshot(self.seq) if from_seq is None else self.resume_item(client, from_seq)
        self.fanout.offer(client, first)
        self.clients.add(client)
        self.connections += 1
        try:
            await self._serve_client(client)
        finally:
            self.clients.discard(client)

    async def _serve_client(self, client: Client) -> None:
        config = self.config
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(serve_writer, client, self._snapshot)
                nursery.start_soon(self._read, client)
                nursery.start_soon(self._ping, client)
                await client.done.wait()
                # let a send in progress finish: cancelling it would corrupt the frame
                with trio.move_on_after(config.close_timeout):
                    await client.writer_done.wait()
                nursery.cancel_scope.cancel()
        finally:
            if not client.partial:
                code, reason = client.closed or (CLOSE_GOING_AWAY, "hub shutting down")
                with trio.move_on_after(config.close_timeout, shield=True):
                    await client.conn.aclose(code, reason)
            else:
                # a write was cut mid-frame: a close frame now would follow half a
                # frame, so the peer (which is not reading) only sees TCP close
                await abort(client.conn)

    async def _snapshot(self, client: Client, item: Snapshot | Recover) -> None:
        if isinstance(item, Recover):
            await send(client, item.frame)
        snapshot = await build_snapshot(self.registry, timeout=self.config.snapshot_timeout)
        await send(client, self.reply_at("snapshot", item.seq, snapshot))
        client.lo, client.hi = item.seq + 1, item.seq

    def reply_at(self, type_: str, seq: int, data: Any) -> bytes:
        return encode_frame(type_, seq, self.clock.time(), data)

    async def _read(self, client: Client) -> None:
        while True:
            try:
                raw = await client.conn.get_message()
            except ConnectionClosed:
                client.close(CLOSE_GOING_AWAY, "closed by the client")
                return
            try:
                message = decode_client_message(raw)
            except ClientMessageError as exc:
                self._send_reply(client, "error", {"error": str(exc)})
                continue
            await self._on_message(client, message)

    def _send_reply(self, client: Client, type_: str, data: dict[str, Any]) -> None:
        self.fanout.offer(client, self.reply(type_, data))

    async def _on_message(self, client: Client, message: ClientMessage) -> None:
        rid = {"request_id": message.request_id}
        if isinstance(message, Ping):
            self._send_reply(client, "pong", rid)
        elif isinstance(message, Resume):
            self.fanout.offer(client, self.resume_item(client, message.from_seq))
        elif isinstance(message, SubscribeTopics):
            client.topics = frozenset(message.topics) or None
            topics = sorted(client.topics) if client.topics else "all"
            self._send_reply(client, "subscribed", {**rid, "topics": topics})
        elif isinstance(message, OperatorRequest):
            await self._command(client, message)

    async def _command(self, client: Client, request: OperatorRequest) -> None:
        tag = type(request).__struct_config__.tag
        result: dict[str, Any] = {"request_id": request.request_id, "command": tag}
        if not (client.operator or token_matches(request.token, self.operator_token)):
            self._send_reply(
                client, "error", {**result, "error": "operator commands need the operator token"}
            )
            return
        try:
            answer = await forward(
                self.registry,
                route_request(request, self.default_account),
                timeout=self.config.command_timeout,
            )
        except CommandFailed as exc:
            self._send_reply(client, "command_result", {**result, "ok": False, "error": exc.reason})
            return
        self.log.info("operator command", command=tag)
        self._send_reply(client, "command_result", {**result, "ok": True, "result": answer})

    async def _ping(self, client: Client) -> None:
        """Detect dead peers: a ping not answered within ``ping_timeout`` ends the client.

        The first ping comes at a random point of the first interval: clients that
        connected together (a reconnect storm after a restart) were pinged
        together for ever, 500 pings and their pongs in one pass of the scheduler
        that held trading's next hop for 27 ms.
        """
        delay = self.rng.uniform(0.0, self.config.ping_interval)
        while True:
            await trio.sleep(delay)
            delay = self.config.ping_interval
            with trio.move_on_after(self.config.ping_timeout):
                try:
                    await client.conn.ping()
                except ConnectionClosed:
                    client.close(CLOSE_GOING_AWAY, "connection closed")
                    return
                continue
            self.cut_dead += 1
            client.close(CLOSE_POLICY_VIOLATION, f"no pong within {self.config.ping_timeout:g} s")
            return
