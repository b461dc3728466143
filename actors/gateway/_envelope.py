"""The hub's wire format: server envelopes, event payloads and client messages.

Every server message is ``{"type", "seq", "ts", "data"}`` (DESIGN.md). ``seq``
numbers events; replies, heartbeats and snapshots carry the current ``seq``
without raising it. A frame is encoded once per broadcast with one encoder,
wrapped as a WebSocket frame once (:mod:`._frames`), and the same bytes are
written to every client.

Client messages are a tagged union on ``type``, decoded by one msgspec
decoder. A message that is not JSON, has an unknown type or a wrong field
becomes a :class:`ClientMessageError` whose text names the problem; the hub
answers it with an ``error`` frame and keeps the connection.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from actors.messages import (
    Alert,
    BreakerUpdate,
    Fill,
    OrderUpdate,
    PortfolioUpdate,
    PositionUpdate,
    TradingStateChanged,
)
from runtime import (
    ActorCrashed,
    ActorEvent,
    ActorRestarting,
    ActorStarted,
    ActorStopped,
    SupervisorEscalated,
    SupervisorGaveUpEvent,
)

from ._frames import text_frame

__all__ = [
    "CLIENT_TOPICS",
    "EVENT_MESSAGE_TYPES",
    "EVENT_TYPES",
    "PROTOCOL_VERSION",
    "CancelAllRequest",
    "ClientMessage",
    "ClientMessageError",
    "Envelope",
    "FlattenRequest",
    "OperatorRequest",
    "PauseStrategyRequest",
    "Ping",
    "RebalanceRequest",
    "ResetBreakerRequest",
    "Resume",
    "ResumeStrategyRequest",
    "SubscribeTopics",
    "decode_client_message",
    "encode_frame",
    "event_of",
    "fields_of",
]

PROTOCOL_VERSION: Final = 1

EVENT_TYPES: Final = frozenset(
    {
        "position_update",
        "trade_executed",
        "order_update",
        "portfolio_update",
        "alert",
        "breaker_update",
        "actor_update",
    }
)
CLIENT_TOPICS: Final = EVENT_TYPES | {"heartbeat"}

# What the hub subscribes to; ActorEvent covers every supervision event.
EVENT_MESSAGE_TYPES: Final[tuple[type, ...]] = (
    PositionUpdate,
    Fill,
    OrderUpdate,
    PortfolioUpdate,
    Alert,
    BreakerUpdate,
    TradingStateChanged,
    ActorEvent,
)


class Envelope(msgspec.Struct, frozen=True):
    type: str
    seq: int
    ts: float
    data: Any


_ENCODER: Final = msgspec.json.Encoder()


def encode_frame(type_: str, seq: int, ts: float, data: Any) -> bytes:
    """One server message as a complete WebSocket text frame, ready to write."""
    return text_frame(_ENCODER.encode(Envelope(type_, seq, ts, data)))


def fields_of(message: msgspec.Struct) -> dict[str, Any]:
    """A Struct's fields without its union tag, ready to encode as ``data``."""
    return {name: getattr(message, name) for name in message.__struct_fields__}


_ACTOR_EVENTS: Final[dict[type, str]] = {
    ActorStarted: "start",
    ActorCrashed: "crash",
    ActorRestarting: "restart",
    ActorStopped: "stop",
    SupervisorGaveUpEvent: "give_up",
    SupervisorEscalated: "escalate",
}


def _trade(fill: Fill) -> dict[str, Any]:
    return {
        "order_id": fill.client_order_id,
        "execution_id": fill.execution_id,
        "account": fill.account,
        "symbol": fill.symbol,
        "side": fill.side,
        "quantity": fill.quantity,
        "price": fill.price,
        "value": fill.quantity * fill.price,
        "commission": fill.commission,
        "strategy": fill.strategy,
        "ts": fill.ts,
    }


def event_of(message: object) -> tuple[str, dict[str, Any]] | None:
    """The event type and payload the hub sends for a domain message, or None."""
    if isinstance(message, Fill):
        return "trade_executed", _trade(message)
    if isinstance(message, PositionUpdate):
        return "position_update", fields_of(message)
    if isinstance(message, OrderUpdate):
        data = fields_of(message)
        data["order_id"] = message.client_order_id
        return "order_update", data
    if isinstance(message, PortfolioUpdate):
        return "portfolio_update", fields_of(message)
    if isinstance(message, Alert):
        return "alert", fields_of(message)
    if isinstance(message, BreakerUpdate):
        return "breaker_update", {"kind": "breaker", **fields_of(message)}
    if isinstance(message, TradingStateChanged):
        return "breaker_update", {"kind": "trading_state", **fields_of(message)}
    if isinstance(message, ActorEvent):
        event = _ACTOR_EVENTS.get(type(message), type(message).__name__)
        return "actor_update", {"event": event, **fields_of(message)}
    return None


# -- client messages -----------------------------------------------------------


class ClientMessage(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """Base of what clients send; ``request_id`` is echoed in the reply."""

    request_id: str | None = None


class Resume(ClientMessage, frozen=True, kw_only=True, tag="resume"):
    from_seq: int


class SubscribeTopics(ClientMessage, frozen=True, kw_only=True, tag="subscribe"):
    """Replace the topic filter; an empty list means every topic again."""

    topics: tuple[str, ...]


class Ping(ClientMessage, frozen=True, kw_only=True, tag="ping"):
    pass


class OperatorRequest(ClientMessage, frozen=True, kw_only=True):
    """An operator command; needs the operator token here or on the connection."""

    token: str | None = None


class ResetBreakerRequest(OperatorRequest, frozen=True, kw_only=True, tag="reset_breaker"):
    name: str
    code: str


class FlattenRequest(OperatorRequest, frozen=True, kw_only=True, tag="flatten"):
    account: str | None = None


class CancelAllRequest(OperatorRequest, frozen=True, kw_only=True, tag="cancel_all"):
    account: str | None = None
    symbol: str | None = None


class PauseStrategyRequest(OperatorRequest, frozen=True, kw_only=True, tag="pause_strategy"):
    name: str


class ResumeStrategyRequest(OperatorRequest, frozen=True, kw_only=True, tag="resume_strategy"):
    name: str


class RebalanceRequest(OperatorRequest, frozen=True, kw_only=True, tag="rebalance"):
    mode: str = "weights"


_ClientUnion = (
    Resume
    | SubscribeTopics
    | Ping
    | ResetBreakerRequest
    | FlattenRequest
    | CancelAllRequest
    | PauseStrategyRequest
    | ResumeStrategyRequest
    | RebalanceRequest
)
_DECODER: Final = msgspec.json.Decoder(_ClientUnion)
KNOWN_TYPES: Final = (
    "resume, subscribe, ping, reset_breaker, flatten, cancel_all, "
    "pause_strategy, resume_strategy, rebalance"
)


class ClientMessageError(ValueError):
    """A client message that could not be understood; the text says why."""


def decode_client_message(raw: str | bytes) -> ClientMessage:
    try:
        message: ClientMessage = _DECODER.decode(raw)
    except msgspec.ValidationError as exc:
        text = str(exc)
        if "`$.type`" in text:
            text += f" (known types: {KNOWN_TYPES})"
        raise ClientMessageError(text) from None
    except msgspec.DecodeError as exc:
        raise ClientMessageError(f"not valid JSON: {exc}") from None
    if isinstance(message, SubscribeTopics):
        unknown = sorted(set(message.topics) - CLIENT_TOPICS)
        if unknown:
            raise ClientMessageError(
                f"unknown topics {unknown}; topics are {sorted(CLIENT_TOPICS)}"
            )
    return message
