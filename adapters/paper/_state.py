"""The venue's persisted state, and its one file.

Everything a restart must not lose lives here: each account's cash, positions,
orders (resting ones keep working after a restart) and executions, plus the
id counters so that an execution id is never reused. The file is JSON,
written atomically (a temporary file, fsync, ``os.replace``) after every
change, and validated with msgspec when read: a file that does not decode is
refused with its path and the failing field, and never overwritten.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import msgspec

from actors.messages import Fill, Order, OrderStatus, OrderUpdate

from .errors import PaperStateError

__all__ = ["AccountState", "OrderRecord", "PositionRecord", "StateFile", "VenueState"]

STATE_VERSION = 1


class OrderRecord(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One order at the venue; ``order`` carries its current terms (after replaces)."""

    order: Order
    venue_order_id: str
    status: OrderStatus
    ts: float
    filled_quantity: Decimal = Decimal(0)
    filled_notional: Decimal = Decimal(0)
    commission: Decimal = Decimal(0)
    triggered: bool = False
    expires_at: float | None = None
    stop_after: Decimal | None = None
    reason: str = ""

    def update(self) -> OrderUpdate:
        """The order's state as the venue reports it."""
        average = self.filled_notional / self.filled_quantity if self.filled_quantity else None
        order = self.order
        return OrderUpdate(
            client_order_id=order.client_order_id,
            account=order.account,
            symbol=order.symbol,
            side=order.side,
            status=self.status,
            quantity=order.quantity,
            filled_quantity=self.filled_quantity,
            ts=self.ts,
            venue_order_id=self.venue_order_id,
            average_price=average,
            reason=self.reason,
            strategy=order.strategy,
        )

    @property
    def remaining(self) -> Decimal:
        return self.order.quantity - self.filled_quantity


class PositionRecord(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A signed position and its signed cost (quantity × price × multiplier).

    Cost, not an average price, is what is kept: the average is a division
    that may not terminate, the cost is exact, so the ledger identity
    ``cash + Σ cost = initial − commissions + realized`` (stocks) holds to the
    last digit.
    """

    quantity: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)


class AccountState(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    initial_cash: Decimal
    cash: Decimal
    realized: Decimal = Decimal(0)
    commissions: Decimal = Decimal(0)
    positions: dict[str, PositionRecord] = msgspec.field(default_factory=dict)
    orders: dict[str, OrderRecord] = msgspec.field(default_factory=dict)
    fills: list[Fill] = msgspec.field(default_factory=list)
    submissions: dict[str, int] = msgspec.field(default_factory=dict)


class VenueState(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    version: int = STATE_VERSION
    next_execution: int = 1
    next_order: int = 1
    accounts: dict[str, AccountState] = msgspec.field(default_factory=dict)


class StateFile:
    """Where the state lives: read once at start, rewritten whole after changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._encoder = msgspec.json.Encoder()

    def load(self) -> VenueState:
        """The stored state, a fresh one if there is no file yet."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return VenueState()
        except OSError as exc:
            raise PaperStateError(self.path, f"cannot be read: {exc.strerror or exc}") from None
        try:
            state = msgspec.json.decode(data, type=VenueState)
        except msgspec.DecodeError as exc:
            raise PaperStateError(self.path, str(exc)) from None
        if state.version != STATE_VERSION:
            raise PaperStateError(
                self.path, f"version {state.version} is not {STATE_VERSION} - at `$.version`"
            )
        return state

    def save(self, state: VenueState) -> None:
        self.write(self.encode(state))

    def encode(self, state: VenueState) -> bytes:
        return self._encoder.encode(state)

    def write(self, data: bytes) -> None:
        """Replace the file with ``data``, durably (safe to run in a worker thread)."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
