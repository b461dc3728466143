"""The registry: actors by name, and subscriptions by message type.

Actors never hold each other's objects; they hold an :class:`ActorRef`, a
name resolved through the registry. Because mailboxes belong to supervisors
and survive restarts, a ref resolves once and stays valid for the life of the
tree: a ``tell`` to an actor that is restarting is buffered for its next
incarnation, while an ``ask`` fails at once, because nobody is there to
answer.

Publish/subscribe is by message type: a subscription names a message class
(its subclasses match too), the subscriber's mailbox and a delivery policy.
Subscriptions belong to the mailbox, so they also survive restarts.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Hashable, Iterable
from enum import StrEnum
from typing import Any, Final, Generic, TypeVar, final

import msgspec
import trio

from ._mailbox import Lane, Mailbox, MailboxStats, Policy
from ._request import Request
from .errors import (
    ActorUnavailable,
    AskInterrupted,
    AskTimeout,
    DuplicateActorName,
    SubscriptionConflict,
)

__all__ = ["ActorEntry", "ActorInfo", "ActorRef", "ActorStatus", "Registry", "Subscription"]

M = TypeVar("M")


class ActorStatus(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


class ActorInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A read-only view of one actor, for health checks and monitoring."""

    name: str
    supervisor: str
    kind: str
    status: ActorStatus
    incarnation: int
    restarts: int
    last_error: str
    mailbox: MailboxStats | None


@final
class ActorEntry:
    """The registry's record of one actor; supervisors keep its fields current."""

    __slots__ = (
        "incarnation",
        "kind",
        "last_error",
        "mailbox",
        "name",
        "pending",
        "restarts",
        "status",
        "supervisor",
    )

    def __init__(self, name: str, supervisor: str, mailbox: Mailbox | None, kind: str) -> None:
        self.name = name
        self.supervisor = supervisor
        self.mailbox = mailbox
        self.kind = kind
        self.status = ActorStatus.STARTING
        self.incarnation = 0
        self.restarts = 0
        self.last_error = ""
        self.pending: set[Request[Any]] = set()

    def fail_pending(self, why: str) -> None:
        """Fail every outstanding ask: this incarnation will never answer."""
        pending, self.pending = self.pending, set()
        for request in pending:
            request.fail(AskInterrupted(self.name, why))

    def info(self) -> ActorInfo:
        return ActorInfo(
            name=self.name,
            supervisor=self.supervisor,
            kind=self.kind,
            status=self.status,
            incarnation=self.incarnation,
            restarts=self.restarts,
            last_error=self.last_error,
            mailbox=None if self.mailbox is None else self.mailbox.stats(),
        )


@final
class Subscription:
    """One mailbox's interest in one message type, with its delivery policy."""

    __slots__ = ("lane", "mailbox", "message_type", "policy", "refused")

    def __init__(
        self, message_type: type, mailbox: Mailbox, policy: Policy, lane: Lane | None
    ) -> None:
        self.message_type = message_type
        self.mailbox = mailbox
        self.policy = policy
        self.lane = lane
        self.refused = 0


@final
class ActorRef(Generic[M]):
    """A handle on an actor by name; cheap to copy, valid across its restarts."""

    __slots__ = ("_box", "_entry", "_registry", "name")

    def __init__(self, registry: Registry, name: str) -> None:
        self._registry = registry
        self.name = name
        self._entry: ActorEntry | None = None
        self._box: Mailbox | None = None  # resolved once: mailboxes outlive incarnations

    def _mailbox(self) -> Mailbox:
        box = self._box
        if box is not None:
            return box
        entry = self._entry
        if entry is None:
            entry = self._entry = self._registry.entry(self.name)
        mailbox = entry.mailbox
        if mailbox is None:
            raise ActorUnavailable(self.name, f"it is a {entry.kind} and takes no messages")
        self._box = mailbox
        return mailbox

    @property
    def status(self) -> ActorStatus:
        return self._registry.entry(self.name).status

    def tell(self, message: M) -> Coroutine[Any, Any, None]:
        """Send without waiting for an answer; waits for room, never drops.

        ``await ref.tell(message)``. It hands back the mailbox's own ``send``
        coroutine rather than wrapping it in another, which saves a frame per
        message on the hottest path of the system; an unknown name raises
        when called.
        """
        box = self._box
        return (box if box is not None else self._mailbox()).send(message)

    def tell_nowait(self, message: M) -> None:
        """Send now, or raise ``trio.WouldBlock`` when the mailbox is full."""
        self._mailbox().send_nowait(message)

    async def ask(self, message: M, *, timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        # the timeout is part of the contract: it becomes an AskTimeout naming the callee
        """Send ``message`` as a :class:`Request` and wait for the answer.

        Raises :class:`ActorUnavailable` at once when the actor is not
        running, :class:`AskInterrupted` when it stops or crashes before
        answering, and :class:`AskTimeout` after ``timeout`` seconds.
        """
        mailbox = self._mailbox()
        entry = self._entry
        assert entry is not None
        if entry.status is not ActorStatus.RUNNING:
            raise ActorUnavailable(self.name, f"it is {entry.status}")
        request: Request[M] = Request(message)
        entry.pending.add(request)
        try:
            with trio.move_on_after(timeout) as scope:
                await mailbox.send(request)
                return await request.wait()
        finally:
            entry.pending.discard(request)
            request.fail(ActorUnavailable(self.name, "the asker gave up"))
        assert scope.cancelled_caught
        raise AskTimeout(self.name, timeout, type(message).__name__)

    def __repr__(self) -> str:
        return f"ActorRef({self.name!r})"


_PUBLISH_BATCH: Final = 64


@final
class Registry:
    """Names to actors, and message types to subscriptions, for one actor tree."""

    def __init__(self) -> None:
        self._entries: dict[str, ActorEntry] = {}
        self._subscriptions: list[Subscription] = []
        self._routes: dict[type, tuple[Subscription, ...]] = {}
        self._published = 0

    # -- actors ------------------------------------------------------------------

    def register(
        self, name: str, supervisor: str, mailbox: Mailbox | None, kind: str = "actor"
    ) -> ActorEntry:
        if name in self._entries:
            raise DuplicateActorName(name)
        entry = ActorEntry(name, supervisor, mailbox, kind)
        self._entries[name] = entry
        return entry

    def entry(self, name: str) -> ActorEntry:
        try:
            return self._entries[name]
        except KeyError:
            raise ActorUnavailable(name, "no actor has that name") from None

    def ref(self, name: str) -> ActorRef[Any]:
        """A ref by name; the name is resolved on first use, so order of start is free."""
        return ActorRef(self, name)

    def actors(self) -> list[ActorInfo]:
        return [entry.info() for entry in self._entries.values()]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    # -- publish / subscribe -------------------------------------------------------

    def subscribe(
        self,
        mailbox: Mailbox,
        message_type: type,
        policy: Policy = Policy.BLOCK,
        *,
        capacity: int = 1024,
        key: Callable[[Any], Hashable] | None = None,
    ) -> Subscription:
        """Deliver every published ``message_type`` (and subclass) to ``mailbox``.

        Idempotent for the same terms, so an actor may subscribe again in each
        incarnation; other terms for the same pair raise SubscriptionConflict.
        """
        for existing in self._subscriptions:
            if existing.mailbox is mailbox and existing.message_type is message_type:
                if existing.policy is not policy:
                    raise SubscriptionConflict(
                        f"mailbox {mailbox.name!r} already subscribes to "
                        f"{message_type.__name__} as {existing.policy}, not {policy}"
                    )
                return existing
        lane = None
        if policy is not Policy.BLOCK:
            lane = mailbox.lane(f"{policy}:{message_type.__name__}", policy, capacity, key)
        subscription = Subscription(message_type, mailbox, policy, lane)
        self._subscriptions.append(subscription)
        self._routes.clear()
        return subscription

    def unsubscribe_all(self, mailbox: Mailbox) -> None:
        self._subscriptions = [s for s in self._subscriptions if s.mailbox is not mailbox]
        self._routes.clear()

    def _route(self, message_type: type) -> tuple[Subscription, ...]:
        route = self._routes.get(message_type)
        if route is None:
            route = tuple(
                s for s in self._subscriptions if issubclass(message_type, s.message_type)
            )
            self._routes[message_type] = route
        return route

    def subscribers(self, message_type: type) -> Iterable[Subscription]:
        return self._route(message_type)

    async def publish(self, message: object) -> None:
        """Deliver to every subscriber; waits on full ``block`` subscribers.

        Subscribers with room all get the message before the publisher yields:
        otherwise one that reacts to it (the portfolio publishing the position
        a fill produced) could overtake it at a later subscriber (risk, which
        would then count the fill twice). The fairness checkpoint comes once
        every ``_PUBLISH_BATCH`` publishes, after the whole fan-out.
        """
        full: list[Mailbox] = []
        for subscription in self._route(type(message)):
            mailbox = subscription.mailbox
            if mailbox.closed:
                continue
            lane = subscription.lane
            if lane is not None:
                lane.offer(message)
                continue
            try:
                mailbox.send_nowait(message)
            except trio.WouldBlock:
                full.append(mailbox)
        for mailbox in full:
            if not mailbox.closed:
                await mailbox.send(message)
        self._published += 1
        if self._published >= _PUBLISH_BATCH:
            self._published = 0
            await trio.lowlevel.checkpoint()

    def publish_nowait(self, message: object) -> int:
        """Deliver to every subscriber without waiting.

        A ``block`` subscriber that is full at this moment does not get the
        message; the refusal is counted on its subscription and its mailbox
        and the number of refusals is returned. Publishers whose messages must
        never be skipped use :meth:`publish`.
        """
        refused = 0
        for subscription in self._route(type(message)):
            mailbox = subscription.mailbox
            if mailbox._closed:
                continue
            lane = subscription.lane
            if lane is not None:
                key_of = lane._key
                if key_of is not None:
                    # Lane.offer's hot case inlined (market data: most quotes replace
                    # the one still queued for their symbol), a call saved per lane.
                    queued = lane._slots.get(key_of(message))
                    if queued is not None:
                        queued.value = message
                        lane.conflated += 1
                        continue
                lane.offer(message)
                continue
            try:
                mailbox.send_nowait(message)
            except trio.WouldBlock:
                subscription.refused += 1
                mailbox.refused += 1
                refused += 1
        return refused
