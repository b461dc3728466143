"""Trees and clients for the gateway tests: real sockets on 127.0.0.1, port 0."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import trio
from trio_websocket import WebSocketConnection

from actors.gateway import GetListenAddress, HubConfig, ListenAddress, hub_actor
from runtime import ChildSpec, SupervisorSpec, Tree, open_tree

from ._doubles import double

OPERATOR = "op-secret-token"
FAST_HUB = HubConfig(
    port=0,
    heartbeat_interval=0.2,
    portfolio_interval=0.3,
    ping_interval=0.35,
    ping_timeout=0.5,
    close_timeout=0.3,
    snapshot_timeout=0.2,
    replay_buffer=50,
    outbox_size=64,
    mailbox_capacity=256,
)


def tree_spec(*children: ChildSpec | SupervisorSpec, doubles: tuple[str, ...]) -> SupervisorSpec:
    return SupervisorSpec(name="root", children=(*(double(n) for n in doubles), *children))


ALL_DOUBLES = ("portfolio", "breakers", "risk", "broker-paper")


@asynccontextmanager
async def hub_tree(
    config: HubConfig = FAST_HUB,
    *,
    read_token: str | None = None,
    doubles: tuple[str, ...] = ALL_DOUBLES,
) -> AsyncIterator[tuple[Tree, str]]:
    hub = ChildSpec(
        name="hub",
        actor=hub_actor(config, operator_token=OPERATOR, read_token=read_token),
        mailbox_capacity=64,
    )
    async with open_tree(tree_spec(hub, doubles=doubles)) as tree:
        address = await tree.ref("hub").ask(GetListenAddress())
        assert isinstance(address, ListenAddress)
        yield tree, address.url


async def receive(ws: WebSocketConnection, *, within: float = 1.0) -> dict[str, Any]:
    with trio.fail_after(within):
        message = await ws.get_message()
    decoded = json.loads(message)
    assert isinstance(decoded, dict)
    return decoded


async def receive_type(
    ws: WebSocketConnection, type_: str, *, within: float = 1.0
) -> dict[str, Any]:
    """The next message of ``type_``, skipping heartbeats and other types."""
    with trio.fail_after(within):
        while True:
            message = await receive(ws, within=within)
            if message["type"] == type_:
                return message


async def send(ws: WebSocketConnection, message: dict[str, Any]) -> None:
    await ws.send_message(json.dumps(message))
