"""The kernel's exceptions.

The tree::

    KernelError
    ├── ActorUnavailable       the actor is not running (crashed, restarting, stopped,
    │   │                      unknown, or its mailbox is closed for good)
    │   └── AskInterrupted     the callee's incarnation ended before it answered
    ├── DuplicateActorName     two actors registered under one name
    ├── MailboxClosed          a mailbox handle was used after it was revoked
    ├── SubscriptionConflict   one mailbox subscribed twice to a type with other terms
    ├── SupervisorGaveUp       restart intensity exceeded; raised to the parent
    └── ConfigError            a config file is missing, malformed or wrong

    trio.TooSlowError
    └── AskTimeout             no answer within the ask's timeout (transient)

``AskTimeout`` derives from ``trio.TooSlowError`` rather than ``KernelError`` so
that the supervisor classifies an actor that dies of a timed-out request as a
transient failure, like any other timeout.
"""

from __future__ import annotations

import trio

__all__ = [
    "ActorUnavailable",
    "AskInterrupted",
    "AskTimeout",
    "ConfigError",
    "DuplicateActorName",
    "KernelError",
    "MailboxClosed",
    "SubscriptionConflict",
    "SupervisorGaveUp",
]


class KernelError(Exception):
    """Base of the kernel's own errors."""


class ActorUnavailable(KernelError):
    """The addressed actor cannot take the message now (or ever)."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"actor {name!r} is unavailable: {why}")
        self.name = name
        self.why = why


class AskInterrupted(ActorUnavailable):
    """The callee stopped or crashed while a request to it was outstanding."""


class AskTimeout(trio.TooSlowError):
    """The callee did not answer within the ask's timeout."""

    def __init__(self, name: str, timeout: float, message_type: str) -> None:
        super().__init__(f"actor {name!r} did not answer {message_type} within {timeout:g} s")
        self.name = name
        self.timeout = timeout


class DuplicateActorName(KernelError):
    def __init__(self, name: str) -> None:
        super().__init__(f"an actor named {name!r} is already registered")
        self.name = name


class MailboxClosed(KernelError):
    """A mailbox handle was used after its incarnation was stopped."""


class SubscriptionConflict(KernelError):
    """A mailbox subscribed to the same message type twice with other terms."""


class SupervisorGaveUp(KernelError):
    """A supervisor exceeded its restart intensity, stopped its children and quit.

    The parent supervisor receives this as its child's failure and applies its
    own policy; at the root it ends the daemon.
    """

    def __init__(self, supervisor: str, restarts: int, period: float, last_error: str) -> None:
        super().__init__(
            f"supervisor {supervisor!r} gave up: more than {restarts} restarts within "
            f"{period:g} s; last failure: {last_error}"
        )
        self.supervisor = supervisor
        self.restarts = restarts
        self.period = period
        self.last_error = last_error


class ConfigError(KernelError):
    """A configuration problem, named by its key path (``hub.port``) and reason."""

    def __init__(self, source: str, key_path: str, reason: str) -> None:
        where = f"{source}: {key_path}" if key_path else source
        super().__init__(f"{where}: {reason}")
        self.source = source
        self.key_path = key_path
        self.reason = reason
