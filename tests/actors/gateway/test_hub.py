"""The hub over real sockets: hello and snapshot, ordered events, resume, filters, errors."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
import trio
from trio_websocket import ConnectionClosed

from actors.gateway import PROTOCOL_VERSION, GetHubStats, HubStats, open_hub_client
from actors.messages import Alert, AlertSeverity, Fill, Side
from runtime import ActorCrashed, Tree

from ._doubles import T0, portfolio_update, position
from ._wire import FAST_HUB, OPERATOR, hub_tree, receive, receive_type, send


def fill(n: int) -> Fill:
    return Fill(
        execution_id=f"x{n}",
        client_order_id=f"paper-{n:010d}",
        account="paper",
        symbol="AAPL",
        side=Side.BUY,
        quantity=Decimal("3"),
        price=Decimal("190.25"),
        commission=Decimal("0.35"),
        ts=T0,
        strategy="momentum",
    )


async def test_hello_then_snapshot_from_the_owning_actors() -> None:
    async with hub_tree() as (_, url), open_hub_client(url) as ws:
        hello = await receive(ws)
        assert hello["type"] == "hello"
        assert hello["data"]["protocol"] == PROTOCOL_VERSION
        assert set(hello) == {"type", "seq", "ts", "data"}
        snapshot = await receive(ws)
        assert snapshot["type"] == "snapshot"
        data = snapshot["data"]
        assert data["portfolio"]["equity"] == "100000"
        assert [p["symbol"] for p in data["positions"]] == ["AAPL"]
        assert [o["client_order_id"] for o in data["orders"]] == ["paper-0000000001"]
        assert data["breakers"]["state"] == "halted"
        assert [s["name"] for s in data["strategies"]] == ["tradingview"]
        assert {"hub", "portfolio", "risk"} <= {a["name"] for a in data["actors"]}
        assert data["unavailable"] == {}


async def test_a_missing_actor_leaves_its_part_empty_and_named() -> None:
    async with (
        hub_tree(doubles=("breakers", "risk")) as (_, url),
        open_hub_client(url) as ws,
    ):
        snapshot = await receive_type(ws, "snapshot")
        assert snapshot["data"]["portfolio"] is None
        assert "no actor has that name" in snapshot["data"]["unavailable"]["portfolio"]
        assert snapshot["data"]["breakers"]["state"] == "halted"


async def test_events_arrive_in_seq_order_with_their_payloads() -> None:
    async with hub_tree() as (tree, url), open_hub_client(url) as ws:
        await receive_type(ws, "snapshot")
        registry = tree.registry
        registry.publish_nowait(fill(1))
        registry.publish_nowait(position())
        registry.publish_nowait(
            Alert(severity=AlertSeverity.WARNING, category="recon", message="diff", ts=T0)
        )
        registry.publish_nowait(
            ActorCrashed(
                actor="risk",
                supervisor="root",
                ts=T0,
                incarnation=1,
                error_type="RuntimeError",
                error="boom",
                transient=False,
            )
        )
        got = [await receive_type(ws, "trade_executed")]
        got += [await receive(ws) for _ in range(3)]
        assert [m["type"] for m in got] == [
            "trade_executed",
            "position_update",
            "alert",
            "actor_update",
        ]
        first = got[0]["seq"]
        assert [m["seq"] for m in got] == [first, first + 1, first + 2, first + 3]
        trade = got[0]["data"]
        assert trade["order_id"] == "paper-0000000001"
        assert (trade["side"], trade["quantity"], trade["price"]) == ("buy", "3", "190.25")
        assert trade["value"] == "570.75"
        assert trade["commission"] == "0.35"
        assert trade["strategy"] == "momentum"
        assert got[3]["data"]["event"] == "crash"


async def test_portfolio_is_resent_at_least_every_interval() -> None:
    async with hub_tree() as (tree, url), open_hub_client(url) as ws:
        await receive_type(ws, "snapshot")
        tree.registry.publish_nowait(portfolio_update("100500"))
        first = await receive_type(ws, "portfolio_update")
        again = await receive_type(ws, "portfolio_update", within=FAST_HUB.portfolio_interval * 3)
        assert again["data"]["equity"] == first["data"]["equity"] == "100500"
        assert again["seq"] == first["seq"] + 1


async def _hub_reached(tree: Tree, seq: int) -> None:
    """Wait until the hub has numbered ``seq`` events (published with publish_nowait)."""
    with trio.fail_after(5):
        while True:
            stats: HubStats = await tree.ref("hub").ask(GetHubStats())
            if stats.seq >= seq:
                return
            await trio.sleep(0.005)  # the hub publishes nothing to wait on for this


async def test_resume_in_the_url_replays_exactly_the_missed_events() -> None:
    async with hub_tree() as (tree, url):
        async with open_hub_client(url) as ws:
            await receive_type(ws, "snapshot")
            tree.registry.publish_nowait(fill(1))
            last = (await receive_type(ws, "trade_executed"))["seq"]
        for n in range(2, 6):
            tree.registry.publish_nowait(fill(n))
        await _hub_reached(tree, last + 4)
        async with open_hub_client(f"{url}?from_seq={last}") as ws:
            assert (await receive(ws))["type"] == "hello"
            replayed = [await receive(ws) for _ in range(4)]
            assert [m["seq"] for m in replayed] == [last + 1, last + 2, last + 3, last + 4]
            assert [m["data"]["order_id"][-1] for m in replayed] == ["2", "3", "4", "5"]
            tree.registry.publish_nowait(fill(6))
            assert (await receive_type(ws, "trade_executed"))["seq"] == last + 5


async def test_resume_message_fills_the_gap_in_order_without_repeats() -> None:
    async with hub_tree() as (tree, url):
        for n in range(1, 4):
            tree.registry.publish_nowait(fill(n))
        await _hub_reached(tree, 3)
        async with open_hub_client(url) as ws:
            await receive_type(ws, "snapshot")
            await send(ws, {"type": "resume", "from_seq": 1})
            seqs = [(await receive_type(ws, "trade_executed"))["seq"] for _ in range(2)]
            tree.registry.publish_nowait(fill(4))
            seqs.append((await receive_type(ws, "trade_executed"))["seq"])
            assert seqs == [2, 3, 4]


async def test_resume_from_too_old_a_seq_recovers_with_a_fresh_snapshot() -> None:
    async with hub_tree() as (tree, url):
        for n in range(FAST_HUB.replay_buffer + 10):
            tree.registry.publish_nowait(fill(n))
            await trio.lowlevel.checkpoint()
        await _hub_reached(tree, FAST_HUB.replay_buffer + 10)
        seq = (await tree.ref("hub").ask(GetHubStats())).seq
        async with open_hub_client(f"{url}?from_seq=3") as ws:
            assert (await receive(ws))["type"] == "hello"
            recovery = await receive(ws)
            assert recovery["type"] == "state_recovery"
            assert recovery["data"]["missed"] == seq - 3
            assert recovery["data"]["disconnected_since"] is not None
            assert (await receive(ws))["type"] == "snapshot"


async def test_topic_filter_keeps_only_the_chosen_types() -> None:
    async with hub_tree() as (tree, url), open_hub_client(url) as ws:
        await receive_type(ws, "snapshot")
        await send(ws, {"type": "subscribe", "topics": ["alert"], "request_id": "s1"})
        ack = await receive_type(ws, "subscribed")
        assert ack["data"] == {"request_id": "s1", "topics": ["alert"]}
        tree.registry.publish_nowait(fill(1))
        tree.registry.publish_nowait(
            Alert(severity=AlertSeverity.INFO, category="x", message="only me", ts=T0)
        )
        message = await receive(ws)
        assert (message["type"], message["data"]["message"]) == ("alert", "only me")


async def test_ping_pong_and_heartbeats_carry_the_current_seq() -> None:
    async with hub_tree() as (tree, url), open_hub_client(url) as ws:
        await receive_type(ws, "snapshot")
        tree.registry.publish_nowait(fill(1))
        await receive_type(ws, "trade_executed")
        await send(ws, {"type": "ping", "request_id": "p"})
        pong = await receive_type(ws, "pong")
        seq = (await tree.ref("hub").ask(GetHubStats())).seq
        assert (pong["seq"], pong["data"]["request_id"]) == (seq, "p")
        heartbeat = await receive_type(ws, "heartbeat")
        assert heartbeat["seq"] == seq


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("{not json", "not valid JSON"),
        ('{"type": "launch_rockets"}', "known types"),
        ('{"type": "resume", "from_seq": "x"}', "$.from_seq"),
        ('{"type": "subscribe", "topics": ["gossip"]}', "unknown topics"),
    ],
)
async def test_bad_messages_get_an_error_and_the_connection_stays(raw: str, says: str) -> None:
    async with hub_tree() as (_, url), open_hub_client(url) as ws:
        await receive_type(ws, "snapshot")
        await ws.send_message(raw)
        error = await receive_type(ws, "error")
        assert says in error["data"]["error"]
        await send(ws, {"type": "ping"})
        assert (await receive_type(ws, "pong"))["type"] == "pong"


async def _handshake(url: str, **headers: str) -> httpx.Response:
    """A WebSocket upgrade request, to read a refusal's status and reason."""
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        **headers,
    }
    async with httpx.AsyncClient(timeout=1.0) as http:
        return await http.get(url.replace("ws://", "http://"), headers=upgrade)


async def test_read_token_is_required_when_set() -> None:
    async with hub_tree(read_token="reader") as (_, url):
        missing = await _handshake(url)
        assert (missing.status_code, missing.text) == (401, "a read token is required")
        wrong = await _handshake(f"{url}?token=wrong")
        assert (wrong.status_code, wrong.text) == (401, "the token is not valid")
        async with open_hub_client(f"{url}?token=reader") as ws:
            assert (await receive(ws))["data"]["operator"] is False
        async with open_hub_client(url, token=OPERATOR) as ws:
            assert (await receive(ws))["data"]["operator"] is True


async def test_unknown_path_is_refused() -> None:
    async with hub_tree() as (_, url):
        response = await _handshake(url.replace("/ws", "/other"))
        assert response.status_code == 404


async def test_operator_commands_need_the_operator_token_and_are_forwarded() -> None:
    async with hub_tree() as (tree, url), open_hub_client(url) as ws:
        probe = tree.inbox("risk-probe")
        await receive_type(ws, "snapshot")
        await send(ws, {"type": "pause_strategy", "name": "momentum", "request_id": "c1"})
        refused = await receive_type(ws, "error")
        assert "operator token" in refused["data"]["error"]
        command = {"type": "pause_strategy", "name": "momentum", "token": OPERATOR}
        await send(ws, command)
        result = await receive_type(ws, "command_result")
        assert result["data"]["ok"] is True
        with trio.fail_after(1):
            told = await probe.receive()
        assert type(told).__name__ == "PauseStrategy"
        assert told.name == "momentum"
        await send(
            ws, {"type": "reset_breaker", "name": "daily_loss", "code": "OK", "token": OPERATOR}
        )
        reset = await receive_type(ws, "command_result")
        assert reset["data"]["result"]["state"] == "active"
        await send(ws, {"type": "flatten", "account": "ghost", "token": OPERATOR})
        failed = await receive_type(ws, "command_result")
        assert failed["data"]["ok"] is False
        assert "broker-ghost" in failed["data"]["error"]


async def test_a_client_that_never_reads_is_cut_off_while_others_keep_up() -> None:
    async with (
        hub_tree() as (tree, url),
        open_hub_client(url) as fast,
        open_hub_client(url, message_queue_size=1) as slow,
    ):
        await receive_type(fast, "snapshot")
        big = "x" * 65_536
        seqs: list[int] = []
        for _ in range(400):
            refused = tree.registry.publish_nowait(
                Alert(severity=AlertSeverity.INFO, category="bulk", message=big, ts=T0)
            )
            assert refused == 0  # the publisher never waits and is never refused
            seqs.append((await receive_type(fast, "alert"))["seq"])
            stats = await tree.ref("hub").ask(GetHubStats())
            assert isinstance(stats, HubStats)
            if stats.cut_slow:
                break
        assert stats.cut_slow == 1
        assert stats.clients == 1
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        with trio.fail_after(2), pytest.raises(ConnectionClosed):  # noqa: PT012
            while True:
                await slow.get_message()
