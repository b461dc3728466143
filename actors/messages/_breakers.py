"""What the circuit breakers read from the broker sessions and take from operators.

The decisions the breakers publish (``BreakerUpdate``, ``TradingStateChanged``)
and answer (``BreakerStatus``) live with risk's in ``_decisions``; this module
holds the operator's trip command and the reply to a reset (the broker
sessions' ``BrokerRequestFailed`` is in ``_broker``).
"""

from __future__ import annotations

from runtime import Message

from ._decisions import TradingState

__all__ = ["ResetResult", "TripBreaker"]


class TripBreaker(Message, frozen=True, tag="trip_breaker"):
    """An operator trips a breaker by hand.

    ``name`` is ``manual`` (the operator's own breaker), any account-wide
    breaker (``drawdown``...) or a per-symbol one (``price_shock:AAPL``, which
    halts new entries in that symbol only).
    """

    name: str
    reason: str


class ResetResult(Message, frozen=True, tag="reset_result"):
    """The answer to a ``ResetBreaker`` ask: reset, or refused and why."""

    name: str
    reset: bool
    reason: str
    state: TradingState
    ts: float
