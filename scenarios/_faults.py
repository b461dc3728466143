"""A fault schedule: timed faults over the whole daemon, as data.

A schedule is a list of faults, each at ``at`` seconds after the simulation
started. It is plain msgspec (a tagged union on ``kind``), so a failing
schedule that hypothesis found is printed as JSON and replays with
``tradeloop scenario replay --seed N --faults FILE``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, TypeAlias

import msgspec

__all__ = [
    "ActorCrash",
    "BrokerOutage",
    "BrokerTimeout",
    "DeadClient",
    "DuplicateUpdates",
    "Fault",
    "FaultSchedule",
    "FeedDisconnect",
    "FeedStall",
    "JournalWriteFailure",
    "PriceShock",
    "ReorderUpdates",
    "SlowClient",
    "StopPartial",
    "StrategyCrash",
    "load_schedule",
]

Seconds = Annotated[float, msgspec.Meta(ge=0)]
Duration = Annotated[float, msgspec.Meta(gt=0)]


class _Fault(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="kind"
):
    at: Seconds


class BrokerOutage(_Fault, frozen=True, tag="broker_outage"):
    """The venue refuses connections for ``duration`` seconds."""

    duration: Duration


class BrokerTimeout(_Fault, frozen=True, tag="broker_timeout"):
    """The next ``count`` requests of ``operation`` time out (``lost_ack``: done, reply lost)."""

    count: Annotated[int, msgspec.Meta(ge=1)] = 1
    mode: Literal["lost_ack", "timeout_before"] = "lost_ack"
    operation: Literal["submit", "cancel", "get_order"] = "submit"


class DuplicateUpdates(_Fault, frozen=True, tag="duplicate_updates"):
    """Every order update and fill is streamed twice for ``duration`` seconds."""

    duration: Duration


class ReorderUpdates(_Fault, frozen=True, tag="reorder_updates"):
    """Stream events arrive out of order for ``duration`` seconds."""

    duration: Duration


class StopPartial(_Fault, frozen=True, tag="stop_partial"):
    """The next ``count`` orders to execute fill ``fraction`` and then stop."""

    count: Annotated[int, msgspec.Meta(ge=1)] = 1
    fraction: Decimal = Decimal("0.5")
    symbol: str | None = None


class FeedDisconnect(_Fault, frozen=True, tag="feed_disconnect"):
    duration: Duration


class FeedStall(_Fault, frozen=True, tag="feed_stall"):
    """The feed stays connected but goes quiet (stale data)."""

    duration: Duration


class PriceShock(_Fault, frozen=True, tag="price_shock"):
    """``symbol`` drops by ``drop`` over ``over`` seconds (a flash crash at 0.2)."""

    symbol: str
    drop: Annotated[float, msgspec.Meta(gt=0, lt=1)] = 0.2
    over: Duration = 30.0


class StrategyCrash(_Fault, frozen=True, tag="strategy_crash"):
    """The strategy instance ``strategy`` raises inside its actor."""

    strategy: str


class ActorCrash(_Fault, frozen=True, tag="actor_crash"):
    """The actor ``actor`` (any leaf of the tree) raises inside its task."""

    actor: str


class JournalWriteFailure(_Fault, frozen=True, tag="journal_write_failure"):
    """The next ``count`` journal commits fail with a disk error."""

    count: Annotated[int, msgspec.Meta(ge=1)] = 1


class SlowClient(_Fault, frozen=True, tag="slow_client"):
    """A monitoring client connects and never reads."""


class DeadClient(_Fault, frozen=True, tag="dead_client"):
    """A monitoring client connects, then its connection dies without a close."""


Fault: TypeAlias = (
    BrokerOutage
    | BrokerTimeout
    | DuplicateUpdates
    | ReorderUpdates
    | StopPartial
    | FeedDisconnect
    | FeedStall
    | PriceShock
    | StrategyCrash
    | ActorCrash
    | JournalWriteFailure
    | SlowClient
    | DeadClient
)


class FaultSchedule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    faults: tuple[Fault, ...] = ()

    def ordered(self) -> list[Fault]:
        return sorted(self.faults, key=lambda fault: fault.at)

    def to_json(self) -> str:
        return msgspec.json.encode(self).decode()

    @property
    def quiet_after(self) -> float:
        """When the last fault window closes (faults stop)."""
        return max((fault.at + getattr(fault, "duration", 0.0) for fault in self.faults), default=0)


def load_schedule(path: Path | str) -> FaultSchedule:
    """Read a schedule from JSON; a bad file raises ValueError naming the path and the field."""
    path = Path(path)
    try:
        return msgspec.json.decode(path.read_bytes(), type=FaultSchedule)
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except msgspec.DecodeError as exc:
        raise ValueError(f"{path}: {exc}") from None
