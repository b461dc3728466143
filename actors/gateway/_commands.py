"""Operator commands: which actor gets which command, and how the answer comes back.

The WebSocket hub and the HTTP API share this routing, so a command means the
same thing on both: breaker resets are asked of ``breakers`` (its answer is
relayed), flatten and cancel-all are told to the broker session of the account
(``broker-<account>``), strategy pause/resume and rebalancing are told to
``risk``. Nothing here waits without a bound.
"""

from __future__ import annotations

from typing import Any, final

import msgspec
import trio

from actors.messages import (
    CancelAll,
    FlattenAccount,
    PauseStrategy,
    Rebalance,
    ResetBreaker,
    ResumeStrategy,
)
from runtime import Message, Registry
from runtime.errors import ActorUnavailable, AskTimeout

from ._envelope import (
    CancelAllRequest,
    FlattenRequest,
    OperatorRequest,
    PauseStrategyRequest,
    RebalanceRequest,
    ResetBreakerRequest,
    ResumeStrategyRequest,
)

__all__ = ["CommandFailed", "Route", "forward", "route_request"]


@final
class Route:
    """Where a command goes: ``ask`` waits for and relays the answer."""

    __slots__ = ("ask", "message", "target")

    def __init__(self, target: str, message: Message, *, ask: bool = False) -> None:
        self.target = target
        self.message = message
        self.ask = ask


class CommandFailed(Exception):
    """A command could not be delivered or answered; ``status`` is the HTTP equivalent."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def broker_name(account: str | None, default_account: str) -> str:
    return f"broker-{account or default_account}"


def route_request(request: OperatorRequest, default_account: str) -> Route:
    """The actor and domain message of a WebSocket operator request."""
    if isinstance(request, ResetBreakerRequest):
        return Route("breakers", ResetBreaker(name=request.name, code=request.code), ask=True)
    if isinstance(request, FlattenRequest):
        return Route(
            broker_name(request.account, default_account), FlattenAccount(account=request.account)
        )
    if isinstance(request, CancelAllRequest):
        return Route(
            broker_name(request.account, default_account),
            CancelAll(account=request.account, symbol=request.symbol),
        )
    if isinstance(request, PauseStrategyRequest):
        return Route("risk", PauseStrategy(name=request.name))
    if isinstance(request, ResumeStrategyRequest):
        return Route("risk", ResumeStrategy(name=request.name))
    assert isinstance(request, RebalanceRequest), request
    return Route("risk", Rebalance(mode=request.mode))


async def forward(registry: Registry, route: Route, *, timeout: float) -> Any:  # noqa: ASYNC109
    """Deliver ``route`` within ``timeout``; the relayed answer (as builtins) or None."""
    ref = registry.ref(route.target)
    try:
        if route.ask:
            answer = await ref.ask(route.message, timeout=timeout)
            return msgspec.to_builtins(answer)
        with trio.fail_after(timeout):
            await ref.tell(route.message)
    except AskTimeout as exc:
        raise CommandFailed(str(exc), 504) from None
    except ActorUnavailable as exc:
        raise CommandFailed(str(exc), 503) from None
    except trio.TooSlowError:
        raise CommandFailed(
            f"actor {route.target!r} is not taking messages (mailbox full for {timeout:g} s)", 503
        ) from None
    return None
