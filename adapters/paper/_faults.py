"""Fault injection: the ways a real venue and the road to it misbehave, on a schedule.

A :class:`FaultPlan` is data (decodable from JSON or TOML, so a chaos
scenario can carry one); :class:`Faults` arms it against the venue's clock
and its own seeded generator. Every rule has a window ``[start, end)`` in
seconds after the moment it was armed (``end`` None: for ever). Request
faults fire either for the ``next_n`` matching requests or, when ``next_n``
is 0, each with ``probability``. Scripts add rules while the venue runs with
:meth:`Faults.schedule`.
"""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, TypeAlias

import msgspec

import runtime
from adapters.broker import BrokerRejected, BrokerUnavailable
from runtime.errors import ConfigError

__all__ = [
    "DuplicateUpdates",
    "FaultPlan",
    "FaultRule",
    "Faults",
    "Operation",
    "Outage",
    "Reject",
    "ReorderUpdates",
    "StopPartial",
    "Timeout",
    "TimeoutMode",
    "load_fault_plan",
]

Operation: TypeAlias = Literal[
    "submit",
    "cancel",
    "replace",
    "get_order",
    "open_orders",
    "fills",
    "positions",
    "get_account",
    "open_updates",
]
TimeoutMode: TypeAlias = Literal["lost_ack", "timeout_before"]
Probability = Annotated[float, msgspec.Meta(ge=0, le=1)]
Seconds = Annotated[float, msgspec.Meta(ge=0)]
Count = Annotated[int, msgspec.Meta(ge=0)]


class _Rule(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="kind"
):
    start: Seconds = 0.0
    end: Seconds | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end <= self.start:
            raise ValueError(
                f"{type(self).__name__}: end {self.end} is not after start {self.start}"
            )


class _RequestRule(_Rule, frozen=True):
    probability: Probability = 0.0
    next_n: Count = 0
    operations: frozenset[Operation] = frozenset({"submit"})

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.probability == 0 and self.next_n == 0:
            raise ValueError(f"{type(self).__name__}: give a probability or next_n")


class Outage(_Rule, frozen=True, tag="outage"):
    """Connection refused: every request raises BrokerUnavailable, streams drop."""


class Timeout(_RequestRule, frozen=True, tag="timeout"):
    """No answer in time. ``lost_ack``: the venue did the request, the reply was
    lost; ``timeout_before``: the request never got there. Either way the
    client waits ``request_timeout`` and raises BrokerTimeout."""

    mode: TimeoutMode = "lost_ack"


class Reject(_RequestRule, frozen=True, tag="reject"):
    """The venue refuses the request (BrokerRejected) and changes nothing."""

    reason: str = "rejected by the venue (injected fault)"


class DuplicateUpdates(_Rule, frozen=True, tag="duplicate_updates"):
    """Each stream event is delivered twice with ``probability``."""

    probability: Probability = 1.0


class ReorderUpdates(_Rule, frozen=True, tag="reorder_updates"):
    """With ``probability`` a stream event is held back and delivered after the
    next one (or at the next market event, whichever comes first)."""

    probability: Probability = 1.0


class StopPartial(_Rule, frozen=True, tag="stop_partial"):
    """The next ``next_n`` orders (in ``symbol``, or any) to execute fill only
    ``fraction`` of their quantity (at least one lot) and then never again:
    they stay partially filled and open until canceled."""

    symbol: str | None = None
    next_n: Annotated[int, msgspec.Meta(ge=1)] = 1
    fraction: Decimal = Decimal("0.5")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 < self.fraction < 1:
            raise ValueError(f"StopPartial: fraction {self.fraction} is not between 0 and 1")


FaultRule: TypeAlias = Outage | Timeout | Reject | DuplicateUpdates | ReorderUpdates | StopPartial


class FaultPlan(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The faults armed when the venue starts (TOML: ``[[rules]]`` with ``kind``)."""

    rules: tuple[FaultRule, ...] = ()


def load_fault_plan(path: Path | str) -> FaultPlan:
    """Read a plan from a ``.toml`` or ``.json`` file; ConfigError names the bad key."""
    path = Path(path)
    if path.suffix == ".toml":
        return runtime.load_config(path, FaultPlan)
    try:
        return msgspec.json.decode(path.read_bytes(), type=FaultPlan)
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot be read: {exc.strerror or exc}") from None
    except msgspec.DecodeError as exc:
        raise ConfigError(str(path), "", str(exc)) from None


class _Armed:
    __slots__ = ("origin", "remaining", "rule")

    def __init__(self, rule: FaultRule, origin: float) -> None:
        self.rule = rule
        self.origin = origin
        self.remaining = getattr(rule, "next_n", 0)

    def live(self, now: float) -> bool:
        elapsed = now - self.origin
        end = self.rule.end
        return elapsed >= self.rule.start and (end is None or elapsed < end)


class Faults:
    """The armed rules, and the venue's questions to them.

    ``injected`` counts what actually fired, by rule kind, so a scenario can
    report (and a test can check) which faults the run went through.
    """

    def __init__(self, plan: FaultPlan, *, rng: random.Random, clock: runtime.Clock) -> None:
        self._rng = rng
        self._clock = clock
        self._armed: list[_Armed] = []
        self.injected: Counter[str] = Counter()
        self.schedule(*plan.rules)

    def schedule(self, *rules: FaultRule) -> None:
        """Arm ``rules`` now: their windows count from this moment."""
        origin = self._clock.time()
        self._armed.extend(_Armed(rule, origin) for rule in rules)

    def clear(self) -> None:
        """Disarm every rule (the venue behaves again)."""
        self._armed.clear()

    @property
    def any_armed(self) -> bool:
        """Some rule is armed (a venue with none need not ask about each event)."""
        return bool(self._armed)

    def in_outage(self) -> bool:
        if not self._armed:  # the venue asks at every market event
            return False
        now = self._clock.time()
        return any(isinstance(a.rule, Outage) and a.live(now) for a in self._armed)

    def check_request(self, operation: Operation) -> TimeoutMode | None:
        """Raise for an outage or an injected rejection; say whether to time out."""
        if self.in_outage():
            self.injected["outage"] += 1
            raise BrokerUnavailable("connection refused: the venue is down (outage)")
        reject = self._fire(Reject, operation)
        if isinstance(reject, Reject):
            self.injected["reject"] += 1
            raise BrokerRejected(reject.reason)
        timeout = self._fire(Timeout, operation)
        if isinstance(timeout, Timeout):
            self.injected[f"timeout:{timeout.mode}"] += 1
            return timeout.mode
        return None

    def duplicate(self) -> bool:
        return self._chance(DuplicateUpdates, "duplicate_updates")

    def reorder(self) -> bool:
        return self._chance(ReorderUpdates, "reorder_updates")

    def stop_partial(self, symbol: str) -> Decimal | None:
        """The fraction to fill if the order about to execute is to stop part way."""
        now = self._clock.time()
        for armed in self._armed:
            rule = armed.rule
            if (
                isinstance(rule, StopPartial)
                and armed.remaining > 0
                and armed.live(now)
                and rule.symbol in (None, symbol)
            ):
                armed.remaining -= 1
                self.injected["stop_partial"] += 1
                return rule.fraction
        return None

    def _fire(self, kind: type[_RequestRule], operation: Operation) -> _RequestRule | None:
        now = self._clock.time()
        for armed in self._armed:
            rule = armed.rule
            if not (isinstance(rule, kind) and operation in rule.operations and armed.live(now)):
                continue
            if rule.next_n:
                if armed.remaining > 0:
                    armed.remaining -= 1
                    return rule
            elif self._rng.random() < rule.probability:
                return rule
        return None

    def _chance(self, kind: type[DuplicateUpdates | ReorderUpdates], name: str) -> bool:
        now = self._clock.time()
        for armed in self._armed:
            rule = armed.rule
            if isinstance(rule, kind) and armed.live(now) and self._rng.random() < rule.probability:
                self.injected[name] += 1
                return True
        return False
