"""What a strategy is, and the bookkeeping every built-in shares.

A strategy is plain, synchronous code: market data, fills and alerts go in,
:class:`Signal` wishes come out. It never touches the clock, a mailbox or
another actor, which is what lets its host actor crash and rebuild it, and
what lets a test drive it bar by bar.

:class:`StrategyBase` keeps the parts that are easy to get wrong once and
wrong everywhere:

* **its own position, from its own fills** (``Fill.strategy == name``), so a
  strategy never enters twice in the same direction;
* **intents in flight**: an entry or exit sent but not yet filled is not sent
  again until ``resend_after`` seconds pass (it may have been refused), so
  a level that stays crossed for several bars is one signal, not one per bar;
* **the trading state**: outside ACTIVE only exits (and trades that shrink
  the strategy's own position) are emitted; risk enforces the state too;
* **bars once, in order**: a bar not newer than the last one seen for its
  symbol is ignored, so bars buffered during a restart and also replayed by
  the warm-up are not counted twice;
* **deterministic signal ids** built from the name, symbol, action and the
  bar's close time, so a re-warmed strategy names the same wish the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import ClassVar, Final, Protocol, runtime_checkable

import msgspec

from actors.messages import (
    Bar,
    ExternalAlert,
    Fill,
    OrderType,
    PositionUpdate,
    Quote,
    Side,
    Signal,
    SignalAction,
    TradingState,
)

__all__ = [
    "Holding",
    "Strategy",
    "StrategyBase",
    "StrategyParams",
    "bar_close_time",
    "timeframe_seconds",
]

ZERO: Final = Decimal(0)
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def timeframe_seconds(timeframe: str) -> int:
    """``"1m"`` -> 60: the length of a bar of ``timeframe`` (s, m, h or d)."""
    count, unit = timeframe[:-1], timeframe[-1:]
    if unit not in _UNITS or not count.isdigit() or int(count) == 0:
        raise ValueError(f"timeframe {timeframe!r} is not a count and a unit (s, m, h, d)")
    return int(count) * _UNITS[unit]


def bar_close_time(bar: Bar) -> float:
    """When a bar closed: its open time plus its length; a signal on it is made then."""
    return bar.ts + timeframe_seconds(bar.timeframe)


class StrategyParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Parameters every built-in strategy shares.

    ``quantity`` None lets risk size each entry (from the suggested stop);
    ``resend_after`` is how long an unfilled entry or exit blocks sending the
    same again; ``price_tick`` is the grid suggested stop prices are rounded to.
    """

    quantity: Decimal | None = None
    resend_after: float = 300.0
    price_tick: Decimal = Decimal("0.01")

    def __post_init__(self) -> None:
        if self.quantity is not None and self.quantity <= 0:
            raise ValueError(f"quantity must be positive, not {self.quantity}")
        if self.resend_after <= 0:
            raise ValueError(f"resend_after must be positive, not {self.resend_after}")
        if self.price_tick <= 0:
            raise ValueError(f"price_tick must be positive, not {self.price_tick}")


class Holding(msgspec.Struct, frozen=True):
    """A strategy's own position in one symbol and since when it has been open."""

    quantity: Decimal = ZERO
    since: float | None = None


@runtime_checkable
class Strategy(Protocol):
    """What a strategy actor hosts. Every ``on_*`` returns the signals to send."""

    @property
    def name(self) -> str: ...

    @property
    def symbols(self) -> tuple[str, ...]:
        """The symbols it trades; empty means any (an alert-driven strategy)."""
        ...

    @property
    def lookback(self) -> int:
        """How many bars per symbol rebuild its indicators exactly."""
        ...

    @property
    def uses_market_data(self) -> bool:
        """False when quotes and bars never move it (its mailbox is spared them)."""
        ...

    def warm_up(self, bars: Iterable[Bar]) -> None:
        """Rebuild indicator state from recent bars, emitting nothing."""

    def restore(self, positions: Iterable[PositionUpdate]) -> None:
        """Take back its positions (its portfolio sub-ledger) after a restart."""

    def on_quote(self, quote: Quote) -> Sequence[Signal]: ...

    def on_bar(self, bar: Bar) -> Sequence[Signal]: ...

    def on_fill(self, fill: Fill) -> Sequence[Signal]: ...

    def on_alert(self, alert: ExternalAlert) -> Sequence[Signal]: ...

    def on_trading_state(self, state: TradingState) -> Sequence[Signal]: ...


class StrategyBase(ABC):
    """The shared bookkeeping; subclasses implement ``_observe`` and ``_decide``.

    ``_observe(bar)`` updates the indicators and says whether there is a
    fresh reading to act on; ``_decide(bar, now)`` turns it into signals
    through ``_open`` and ``_close``. Warm-up runs only ``_observe``, so a
    decision must depend on nothing but indicator state and positions.
    """

    kind: ClassVar[str] = ""

    def __init__(self, name: str, symbols: Iterable[str], params: StrategyParams) -> None:
        self._name = name
        self._symbols = tuple(symbols)
        self._params = params
        self._holdings: dict[str, Holding] = {}
        self._intents: dict[str, tuple[SignalAction, float]] = {}
        self._last_bar: dict[str, float] = {}
        self._state = TradingState.ACTIVE

    @property
    def name(self) -> str:
        return self._name

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    @property
    def lookback(self) -> int:
        return 0

    @property
    def uses_market_data(self) -> bool:
        return True

    @property
    def trading_state(self) -> TradingState:
        return self._state

    def holding(self, symbol: str) -> Holding:
        return self._holdings.get(symbol, Holding())

    def position(self, symbol: str) -> Decimal:
        return self.holding(symbol).quantity

    def trades(self, symbol: str) -> bool:
        return not self._symbols or symbol in self._symbols

    # -- the Strategy protocol ------------------------------------------------

    def warm_up(self, bars: Iterable[Bar]) -> None:
        for bar in sorted(bars, key=lambda b: b.ts):
            if self._fresh(bar):
                self._observe(bar)

    def restore(self, positions: Iterable[PositionUpdate]) -> None:
        for update in positions:
            if update.strategy == self._name and self.trades(update.symbol):
                since = update.ts if update.quantity else None
                self._holdings[update.symbol] = Holding(update.quantity, since)

    def on_quote(self, quote: Quote) -> Sequence[Signal]:
        return ()

    def on_bar(self, bar: Bar) -> Sequence[Signal]:
        if not self._fresh(bar) or not self._observe(bar):
            return ()
        return self._decide(bar, bar_close_time(bar))

    def on_fill(self, fill: Fill) -> Sequence[Signal]:
        if fill.strategy != self._name:
            return ()
        before = self.holding(fill.symbol)
        quantity = before.quantity + fill.side.sign * fill.quantity
        if not quantity:
            since = None
        elif before.quantity and (before.quantity > 0) == (quantity > 0):
            since = before.since
        else:
            since = fill.ts  # opened, or flipped through zero
        self._holdings[fill.symbol] = Holding(quantity, since)
        intent = self._intents.get(fill.symbol)
        if intent is not None and self._satisfied(intent[0], quantity):
            del self._intents[fill.symbol]
        return ()

    def on_alert(self, alert: ExternalAlert) -> Sequence[Signal]:
        return ()

    def on_trading_state(self, state: TradingState) -> Sequence[Signal]:
        self._state = state
        return ()

    # -- for subclasses -------------------------------------------------------

    @abstractmethod
    def _observe(self, bar: Bar) -> bool: ...

    @abstractmethod
    def _decide(self, bar: Bar, now: float) -> list[Signal]: ...

    def _can_open(self, symbol: str, side: Side, now: float) -> bool:
        """Entering ``side`` now is allowed: trading ACTIVE, not already in, not in flight."""
        if self._state is not TradingState.ACTIVE:
            return False
        if self.position(symbol) * side.sign > 0:
            return False
        return not self._in_flight(symbol, _ENTRY[side], now)

    def _open(
        self,
        symbol: str,
        side: Side,
        now: float,
        reason: str,
        *,
        stop_price: Decimal | None = None,
        quantity: Decimal | None = None,
    ) -> Signal | None:
        """An entry signal, or None when ``_can_open`` says no."""
        if not self._can_open(symbol, side, now):
            return None
        action = _ENTRY[side]
        self._intents[symbol] = (action, now)
        return self._signal(
            symbol,
            action,
            now,
            reason,
            quantity=self._params.quantity if quantity is None else quantity,
            stop_price=stop_price,
        )

    def _close(self, symbol: str, now: float, reason: str) -> Signal | None:
        """An exit of the whole position, or None when flat or an exit is in flight."""
        if not self.position(symbol) or self._in_flight(symbol, SignalAction.CLOSE, now):
            return None
        self._intents[symbol] = (SignalAction.CLOSE, now)
        return self._signal(symbol, SignalAction.CLOSE, now, reason)

    def _signal(
        self,
        symbol: str,
        action: SignalAction,
        now: float,
        reason: str,
        *,
        signal_id: str | None = None,
        quantity: Decimal | None = None,
        order_type: OrderType = OrderType.MARKET,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
    ) -> Signal:
        return Signal(
            signal_id=signal_id or f"{self._name}:{symbol}:{action}:{round(now * 1000)}",
            strategy=self._name,
            symbol=symbol,
            action=action,
            ts=now,
            quantity=quantity,
            order_type=order_type,
            limit_price=limit_price,
            stop_price=stop_price,
            reason=reason,
        )

    def _price(self, value: float | Decimal) -> Decimal:
        """A price from an indicator, on the tick grid."""
        tick = self._params.price_tick
        return (Decimal(value) / tick).quantize(Decimal(1), ROUND_HALF_EVEN) * tick

    # -- internals ------------------------------------------------------------

    def _fresh(self, bar: Bar) -> bool:
        if not self.trades(bar.symbol):
            return False
        last = self._last_bar.get(bar.symbol)
        if last is not None and bar.ts <= last:
            return False
        self._last_bar[bar.symbol] = bar.ts
        return True

    def _in_flight(self, symbol: str, action: SignalAction, now: float) -> bool:
        intent = self._intents.get(symbol)
        return (
            intent is not None
            and intent[0] is action
            and now - intent[1] < self._params.resend_after
        )

    @staticmethod
    def _satisfied(action: SignalAction, quantity: Decimal) -> bool:
        if action is SignalAction.BUY:
            return quantity > 0
        if action is SignalAction.SELL:
            return quantity < 0
        return not quantity


_ENTRY: Final = {Side.BUY: SignalAction.BUY, Side.SELL: SignalAction.SELL}
