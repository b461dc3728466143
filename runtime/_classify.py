"""Which failures are transient: waited out with backoff, not counted as bugs.

Network errors and timeouts say nothing about the actor's code: the broker
was down, the socket closed, the request was slow. Everything else is treated
as a defect and counts toward the supervisor's restart intensity. So is a
callee that is not there (``ActorUnavailable``, ``AskInterrupted``): an actor
whose dependency is restarting (the journal after a failed write, say) must
wait it out with backoff, not crash-loop into its supervisor's limit. Actors that
use their own nurseries raise exception groups; a group is transient only when
every exception in it is.
"""

from __future__ import annotations

import httpx
import trio
import trio_websocket

from .errors import ActorUnavailable

__all__ = ["TRANSIENT_ERRORS", "is_transient"]

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    httpx.TransportError,
    OSError,
    trio.TooSlowError,
    trio_websocket.ConnectionClosed,
    trio_websocket.HandshakeError,
    ActorUnavailable,
)


def is_transient(error: BaseException) -> bool:
    if isinstance(error, BaseExceptionGroup):
        matched, rest = error.split(TRANSIENT_ERRORS)
        return matched is not None and rest is None
    return isinstance(error, TRANSIENT_ERRORS)
