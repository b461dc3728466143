"""What an actor is given: its context.

An actor is an async callable ``run(ctx, task_status)``. It reads
``ctx.mailbox``, handles one message at a time, owns its state, and calls
``task_status.started()`` once it is ready to serve, so its supervisor can
start the next child only then. The context gives it everything else it may
touch: its name, the registry (to reach others by name), the clock, a seeded
random generator and a logger bound to its name.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from typing import Any, Protocol, TypeAlias, final

import structlog

from ._clock import Clock
from ._mailbox import MailboxReader, Policy
from ._registry import ActorRef, Registry, Subscription

__all__ = ["Actor", "ActorContext", "TaskStatus", "current_context"]


class TaskStatus(Protocol):
    """The readiness callback handed to an actor (trio's ``task_status``)."""

    def started(self, value: Any = None) -> None: ...


@final
class ActorContext:
    """One incarnation's view of the system."""

    __slots__ = (
        "_mailbox_reader",
        "_refs",
        "clock",
        "incarnation",
        "log",
        "name",
        "registry",
        "rng",
        "supervisor",
    )

    def __init__(
        self,
        *,
        name: str,
        supervisor: str,
        incarnation: int,
        mailbox: MailboxReader,
        registry: Registry,
        clock: Clock,
        rng: random.Random,
        log: structlog.typing.FilteringBoundLogger,
    ) -> None:
        self.name = name
        self.supervisor = supervisor
        self.incarnation = incarnation
        self._mailbox_reader = mailbox
        self.registry = registry
        self.clock = clock
        self.rng = rng
        self.log = log
        self._refs: dict[str, ActorRef[Any]] = {}

    @property
    def mailbox(self) -> MailboxReader:
        return self._mailbox_reader

    def ref(self, name: str) -> ActorRef[Any]:
        """A ref by name, made once and kept: a ref stays valid for the tree's life.

        A kept ref has resolved its mailbox already, and helpers such as the
        journal port ask for a ref at every call.
        """
        ref = self._refs.get(name)
        if ref is None:
            ref = self._refs[name] = self.registry.ref(name)
        return ref

    def subscribe(
        self,
        message_type: type,
        policy: Policy = Policy.BLOCK,
        *,
        capacity: int = 1024,
        key: Callable[[Any], Hashable] | None = None,
    ) -> Subscription:
        """Subscribe this actor's mailbox; it outlives the incarnation (idempotent)."""
        mailbox = self.registry.entry(self.name).mailbox
        assert mailbox is not None
        return self.registry.subscribe(mailbox, message_type, policy, capacity=capacity, key=key)

    async def publish(self, message: object) -> None:
        await self.registry.publish(message)

    def publish_nowait(self, message: object) -> int:
        return self.registry.publish_nowait(message)


Actor: TypeAlias = Callable[[ActorContext, TaskStatus], Awaitable[None]]


_CURRENT: ContextVar[ActorContext] = ContextVar("tradeloop_actor_context")


def current_context() -> ActorContext:
    """The context of the actor whose task (or child task) is running.

    It lets a helper handed to an actor from outside (a loader wired at
    start-up, say) reach the registry as that actor, without the actor having
    to pass its context along. Raises ``RuntimeError`` outside any actor.
    """
    try:
        return _CURRENT.get()
    except LookupError:
        raise RuntimeError("current_context() called outside an actor") from None


def enter_context(ctx: ActorContext) -> None:
    """Make ``ctx`` current for this task and the tasks it starts (the supervisor's job)."""
    _CURRENT.set(ctx)
