"""How a tree is described: child specs, supervisor specs and their policies.

The specs are plain frozen data; nothing runs until a tree is opened. The
policy parts (:class:`Backoff`) are msgspec Structs so that a config file can
carry them directly.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import msgspec

from ._context import Actor
from ._mailbox import Policy

__all__ = ["Backoff", "ChildSpec", "Restart", "Strategy", "Subscribe", "SupervisorSpec"]


class Strategy(StrEnum):
    """Which children restart when one fails (Erlang/OTP's restart strategies)."""

    ONE_FOR_ONE = "one_for_one"  # only the failed child
    ONE_FOR_ALL = "one_for_all"  # every running child
    REST_FOR_ONE = "rest_for_one"  # the failed child and those started after it


class Restart(StrEnum):
    """When a child is restarted (Erlang/OTP's restart types)."""

    PERMANENT = "permanent"  # always, even after a normal exit
    TRANSIENT = "transient"  # only after a crash
    TEMPORARY = "temporary"  # never, not even as part of a group restart


class Backoff(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Delay before restarting after a transient failure (network error, timeout).

    The n-th consecutive transient restart of a child (n from 0) waits
    ``min(max, initial * multiplier**n) * (1 + jitter * u)`` seconds, with
    ``u`` uniform in [-1, 1) from the supervisor's seeded generator. A child
    that stayed up ``reset_after`` seconds starts again from n = 0.
    """

    initial: float = 0.5
    multiplier: float = 2.0
    max: float = 30.0
    jitter: float = 0.1
    reset_after: float = 60.0

    def __post_init__(self) -> None:
        if not (self.initial >= 0 and self.multiplier >= 1 and self.max >= self.initial):
            raise ValueError("backoff needs initial >= 0, multiplier >= 1 and max >= initial")
        if not 0 <= self.jitter < 1:
            raise ValueError("backoff jitter must be in [0, 1)")
        if self.reset_after < 0:
            raise ValueError("backoff reset_after must be >= 0")

    def delay(self, attempt: int, rng: random.Random) -> float:
        capped = min(self.max, self.initial * self.multiplier ** min(attempt, 64))
        if self.jitter:
            capped *= 1 + self.jitter * (2 * rng.random() - 1)
        return capped


@dataclass(frozen=True)
class Subscribe:
    """A subscription declared with the child, in force before anything starts."""

    message_type: type
    policy: Policy = Policy.BLOCK
    capacity: int = 1024
    key: Callable[[Any], Hashable] | None = None


@dataclass(frozen=True, kw_only=True)
class ChildSpec:
    """A worker actor under a supervisor.

    ``start_timeout`` bounds the wait for ``task_status.started()``;
    ``shutdown_timeout`` bounds the wait for the actor to finish once
    cancelled (trio cannot kill a task, so each actor bounds its own cleanup).
    """

    name: str
    actor: Actor
    restart: Restart = Restart.PERMANENT
    shutdown_timeout: float = 5.0
    start_timeout: float = 30.0
    mailbox_capacity: int = 1024
    mailbox_batch: int = 64
    subscriptions: tuple[Subscribe, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SupervisorSpec:
    """A supervisor and its children, in start order (stopped in reverse).

    More than ``intensity`` counted restarts within ``period`` seconds make
    it give up: it stops its children in reverse order and raises
    :class:`runtime.errors.SupervisorGaveUp` to its parent. Transient
    failures are not counted: they wait out ``backoff`` instead.
    """

    name: str
    children: tuple[ChildSpec | SupervisorSpec, ...]
    strategy: Strategy = Strategy.ONE_FOR_ONE
    intensity: int = 3
    period: float = 5.0
    backoff: Backoff = field(default_factory=Backoff)
    restart: Restart = Restart.PERMANENT
    shutdown_timeout: float = math.inf
    start_timeout: float = math.inf

    def __post_init__(self) -> None:
        names = [child.name for child in self.children]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"supervisor {self.name!r}: duplicate child names {duplicates}")
        if self.intensity < 0 or self.period <= 0:
            raise ValueError(f"supervisor {self.name!r}: needs intensity >= 0 and period > 0")
