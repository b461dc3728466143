"""``tradeloop monitor`` against a running hub: it draws the snapshot and follows events."""

from __future__ import annotations

import io
import socket
from functools import partial

import msgspec
import trio
from rich.console import Console

from actors.gateway import hub_actor
from runtime import (
    Actor,
    ActorContext,
    ChildSpec,
    Strategy,
    SupervisorSpec,
    TaskStatus,
    open_tree,
)
from tradeloop._monitor import run_monitor

from ._doubles import portfolio_update, position
from ._wire import ALL_DOUBLES, FAST_HUB, OPERATOR, hub_tree, tree_spec


async def test_monitor_draws_the_snapshot_positions() -> None:
    async with hub_tree() as (_, url):
        out = io.StringIO()
        console = Console(file=out, width=140, force_terminal=True, color_system=None)
        state = await run_monitor(url, OPERATOR, once=True, console=console)
        assert state.status == "live"
        assert "AAPL" in out.getvalue()
        assert "equity 100000" in out.getvalue()


async def test_monitor_follows_events() -> None:
    async with hub_tree() as (tree, url):
        out = io.StringIO()
        console = Console(file=out, width=140, force_terminal=True, color_system=None)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(partial(run_monitor, url, None, console=console, retry_delay=0.05))
            await trio.sleep(0.2)
            tree.registry.publish_nowait(position("NVDA", "4"))
            tree.registry.publish_nowait(portfolio_update("101000"))
            with trio.fail_after(1):
                # the rendered screen is the observable: poll it
                while "NVDA" not in out.getvalue() or "equity 101000" not in out.getvalue():  # noqa: ASYNC110
                    await trio.sleep(0.02)
            nursery.cancel_scope.cancel()


def _free_port() -> int:
    """A port the restarted hub can bind again (port 0 would move on each start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _fuse() -> ChildSpec:
    """A sibling of the hub that crashes when told anything: its supervisor restarts both."""

    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        task_status.started()
        async for message in ctx.mailbox:
            raise RuntimeError(f"fuse blown by {message!r}")

    actor: Actor = run
    return ChildSpec(name="fuse", actor=actor)


async def _shown(out: io.StringIO, start: int, *needles: str) -> None:
    with trio.fail_after(3):
        # the rendered screen is the observable: poll it
        while not all(n in out.getvalue()[start:] for n in needles):  # noqa: ASYNC110
            await trio.sleep(0.02)


async def test_monitor_survives_a_hub_restart_and_resumes() -> None:
    config = msgspec.structs.replace(FAST_HUB, port=_free_port())
    hub = ChildSpec(name="hub", actor=hub_actor(config, operator_token=OPERATOR))
    gateway = SupervisorSpec(name="gateway", strategy=Strategy.ONE_FOR_ALL, children=(hub, _fuse()))
    async with open_tree(tree_spec(gateway, doubles=ALL_DOUBLES)) as tree:
        url = f"ws://127.0.0.1:{config.port}/ws"
        out = io.StringIO()
        console = Console(file=out, width=140, force_terminal=True, color_system=None)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(partial(run_monitor, url, None, console=console, retry_delay=0.05))
            await _shown(out, 0, "live", "AAPL")
            tree.registry.publish_nowait(position("NVDA", "4"))
            await _shown(out, 0, "NVDA")
            restarts = tree.registry.entry("hub").restarts
            mark = len(out.getvalue())
            await tree.ref("fuse").tell("blow")
            await _shown(out, mark, "disconnected")
            with trio.fail_after(3):
                while tree.registry.entry("hub").restarts == restarts:  # noqa: ASYNC110
                    await trio.sleep(0.02)
            mark = len(out.getvalue())
            await _shown(out, mark, "live")
            tree.registry.publish_nowait(position("TSLA", "7"))
            await _shown(out, mark, "TSLA", "live")
            nursery.cancel_scope.cancel()
