"""``tradeloop monitor`` against a running hub: it draws the snapshot and follows events."""

from __future__ import annotations

import io
from functools import partial

import trio
from rich.console import Console

from tradeloop._monitor import run_monitor

from ._doubles import portfolio_update, position
from ._wire import OPERATOR, hub_tree


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
