"""A whole daemon in one block: the world, then the tree, stopped in order.

``tradeloop run`` serves it until a signal; scenarios, the simulation
harness and the tests open it in virtual time under ``MockClock`` and reach
into ``world`` to inject faults, exactly as the live daemon would meet them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import trio

from actors.gateway import Tokens, resolve_tokens
from runtime import Clock, Tree, freeze_heap, open_tree, serve_tree
from runtime.journal import JournalFaults

from ._app import build_tree
from ._config import Config
from ._world import World, open_world

__all__ = ["Daemon", "open_daemon", "serve_daemon"]


class Daemon:
    """A running daemon: its tree (actors) and its world (market, venue)."""

    def __init__(self, config: Config, data_dir: Path, world: World, tree: Tree) -> None:
        self.config = config
        self.data_dir = data_dir
        self.world = world
        self.tree = tree


def _tokens(config: Config, data_dir: Path, tokens: Tokens | None) -> Tokens:
    return tokens if tokens is not None else resolve_tokens(config.gateway, data_dir)


@asynccontextmanager
async def open_daemon(
    config: Config,
    data_dir: Path,
    *,
    clock: Clock | None = None,
    tokens: Tokens | None = None,
    journal_faults: JournalFaults | None = None,
) -> AsyncIterator[Daemon]:
    """Run the daemon for the block; on exit the tree stops first, then the world."""
    clock = clock or Clock()
    async with open_world(config, data_dir, clock=clock) as world:
        spec = build_tree(
            config,
            world,
            data_dir=data_dir,
            tokens=_tokens(config, data_dir, tokens),
            journal_faults=journal_faults,
        )
        async with open_tree(spec, seed=config.runtime.seed, clock=clock) as tree:
            yield Daemon(config, data_dir, world, tree)


async def serve_daemon(
    config: Config, data_dir: Path, *, task_status: Any = trio.TASK_STATUS_IGNORED
) -> None:
    """Run the daemon until cancelled (``task_status.started()`` once it is ready).

    Once the tree is up, what start-up built is frozen out of the garbage
    collector's way (:func:`runtime.freeze_heap`).
    """
    clock = Clock()
    async with open_world(config, data_dir, clock=clock) as world:
        spec = build_tree(config, world, data_dir=data_dir, tokens=_tokens(config, data_dir, None))
        async with trio.open_nursery() as nursery:
            await nursery.start(partial(serve_tree, spec, seed=config.runtime.seed, clock=clock))
            freeze_heap()
            task_status.started()
