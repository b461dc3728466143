"""Running a whole tree: ``serve_tree`` forever, or ``open_tree`` around a block.

The root supervisor runs in the caller's task. When it gives up, the tree
ends with a plain :class:`runtime.errors.SupervisorGaveUp` (never wrapped in
an exception group), which a daemon turns into a non-zero exit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, final

import trio

from ._clock import Clock
from ._mailbox import Mailbox, MailboxReader
from ._registry import ActorInfo, ActorRef, ActorStatus, Registry
from ._spec import Subscribe, SupervisorSpec
from ._supervisor import run_supervisor
from ._system import System

__all__ = ["Tree", "open_tree", "serve_tree"]


@final
class Tree:
    """A handle on a running tree, for the daemon's edges and for tests."""

    def __init__(self, system: System, spec: SupervisorSpec) -> None:
        self.system = system
        self.spec = spec

    @property
    def registry(self) -> Registry:
        return self.system.registry

    @property
    def clock(self) -> Clock:
        return self.system.clock

    def ref(self, name: str) -> ActorRef[Any]:
        return self.system.registry.ref(name)

    def actors(self) -> list[ActorInfo]:
        return self.system.registry.actors()

    def inbox(self, name: str, *subscriptions: Subscribe, capacity: int = 1024) -> MailboxReader:
        """A named mailbox outside the tree, read by the caller (a probe, an edge).

        It can be told to by name and receives what it subscribes to; nobody
        supervises it.
        """
        mailbox = Mailbox(name, capacity)
        entry = self.registry.register(name, "", mailbox, kind="inbox")
        entry.status = ActorStatus.RUNNING
        for sub in subscriptions:
            self.registry.subscribe(
                mailbox, sub.message_type, sub.policy, capacity=sub.capacity, key=sub.key
            )
        return mailbox.open_reader()


@final
class _RootReady:
    def __init__(self, tree: Tree, task_status: Any) -> None:
        self.tree = tree
        self.task_status = task_status
        self.started_ok = False

    def started(self, value: Any = None) -> None:
        self.started_ok = True
        self.tree.registry.entry(self.tree.spec.name).status = ActorStatus.RUNNING
        self.task_status.started(self.tree)


async def serve_tree(
    spec: SupervisorSpec,
    *,
    seed: int = 0,
    clock: Clock | None = None,
    task_status: Any = trio.TASK_STATUS_IGNORED,
) -> None:
    """Build and run the tree rooted at ``spec`` until cancelled.

    ``task_status.started(tree)`` is called once every child is ready.
    """
    system = System(seed=seed, clock=clock)
    system.install(spec)
    tree = Tree(system, spec)
    entry = system.registry.entry(spec.name)
    try:
        await run_supervisor(spec, system, "", _RootReady(tree, task_status))
    except BaseException:
        entry.status = ActorStatus.FAILED
        raise
    entry.status = ActorStatus.STOPPED


@asynccontextmanager
async def open_tree(
    spec: SupervisorSpec, *, seed: int = 0, clock: Clock | None = None
) -> AsyncIterator[Tree]:
    """Run the tree for the duration of the block; stop it in order on exit.

    If the root gives up while the block runs, the block is cancelled and
    ``SupervisorGaveUp`` is raised from the ``async with``.
    """
    try:
        async with trio.open_nursery() as nursery:
            tree: Tree = await nursery.start(_serve_then_cancel, spec, seed, clock, nursery)
            try:
                yield tree
            finally:
                nursery.cancel_scope.cancel(reason="tree block exited")
    except BaseExceptionGroup as group:
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise


async def _serve_then_cancel(
    spec: SupervisorSpec,
    seed: int,
    clock: Clock | None,
    nursery: trio.Nursery,
    task_status: Any = trio.TASK_STATUS_IGNORED,
) -> None:
    await serve_tree(spec, seed=seed, clock=clock, task_status=task_status)
    nursery.cancel_scope.cancel(reason="tree ended")
