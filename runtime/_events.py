"""What the supervisors tell the rest of the system about actors.

Every start, crash (with the exception), restart, stop, give-up and escalation
is published as one of these, so the hub, health checks and tests observe the
tree through the same typed messages as everything else.
"""

from __future__ import annotations

from ._message import Message

__all__ = [
    "ActorCrashed",
    "ActorEvent",
    "ActorRestarting",
    "ActorStarted",
    "ActorStopped",
    "SupervisorEscalated",
    "SupervisorGaveUpEvent",
]


class ActorEvent(Message, frozen=True):
    """Base of the supervision events; ``actor`` is the child the event is about."""

    actor: str
    supervisor: str
    ts: float


class ActorStarted(ActorEvent, frozen=True, tag="actor_started"):
    incarnation: int


class ActorCrashed(ActorEvent, frozen=True, tag="actor_crashed"):
    """An incarnation ended by an exception (``transient``: network or timeout)."""

    incarnation: int
    error_type: str
    error: str
    transient: bool


class ActorRestarting(ActorEvent, frozen=True, tag="actor_restarting"):
    """The actor will be started again after ``delay`` seconds of backoff."""

    attempt: int
    delay: float
    cause: str


class ActorStopped(ActorEvent, frozen=True, tag="actor_stopped"):
    """An incarnation ended without a crash: a normal exit or a stop by its supervisor."""

    incarnation: int
    reason: str
    overran_shutdown: bool = False


class SupervisorGaveUpEvent(ActorEvent, frozen=True, tag="supervisor_gave_up"):
    """Restart intensity exceeded; ``actor`` is the supervisor itself."""

    restarts: int
    period: float
    last_error: str


class SupervisorEscalated(ActorEvent, frozen=True, tag="supervisor_escalated"):
    """A supervisor handed its failure to ``parent`` (empty at the root)."""

    parent: str
