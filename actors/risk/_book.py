"""Risk's view of the account: positions, open orders, money, prices, stops, stats.

It is fed by what others publish and is pure and synchronous:

* positions per strategy and per symbol: a :class:`Fill` moves them at once
  (so the next signal sees it) and the portfolio's :class:`PositionUpdate`
  then sets them absolutely; the broker publishes a fill before the
  portfolio can publish the position it produced, and mailboxes are FIFO, so
  the two agree once both have arrived;
* open orders from :class:`OrderUpdate`: risk leaves the client order id
  empty (the broker session assigns it) and names each order with an
  ``intent_id`` the session echoes, so an update naming a new id is matched
  to its intent exactly (orders without one fall back to the oldest intent
  with the same strategy, symbol, side and quantity); an update matching
  nothing (after a restart) is kept as ``unknown`` and may be adopted as a
  position's stop;
* equity and cash from :class:`PortfolioUpdate`; last trade, mid and mark
  prices; the ATR per symbol from bars;
* closed-trade P&L per strategy, from the portfolio's per-strategy realized
  P&L between a position's opening and its return to flat.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Final, final

import msgspec

from actors.messages import (
    Bar,
    Fill,
    Instrument,
    OrderUpdate,
    PortfolioUpdate,
    PositionUpdate,
    Side,
)

from ._stops import Atr

__all__ = ["Intent", "OpenOrder", "RiskBook", "StopState"]

ZERO: Final = Decimal(0)
_SEEN_FILLS: Final = 10_000

Key = tuple[str, str]  # (strategy, symbol)


class Intent(msgspec.Struct, frozen=True, kw_only=True):
    """An order risk sent whose client order id is not known yet."""

    strategy: str
    symbol: str
    side: Side
    quantity: Decimal
    kind: str  # entry, exit, stop
    serial: int = 0  # a stop's placement number
    intent_id: str = ""  # echoed by the broker session on the order's updates


class OpenOrder(msgspec.Struct, kw_only=True):
    client_order_id: str
    strategy: str
    symbol: str
    side: Side
    remaining: Decimal
    kind: str  # entry, exit, stop, unknown
    serial: int = 0


class StopState(msgspec.Struct, kw_only=True):
    """A position's protective stop: where it is and which resting order holds it."""

    long: bool
    quantity: Decimal
    level: Decimal
    serial: int
    order_id: str | None = None  # known once the broker's update names it
    failed: bool = False


@final
class RiskBook:
    def __init__(
        self, account: str, instruments: Mapping[str, Instrument], trade_window: int, atr: int
    ) -> None:
        self.account = account
        self.instruments = instruments
        self.equity: Decimal | None = None
        self.cash: Decimal | None = None
        self.positions: dict[Key, Decimal] = {}
        self.net: dict[str, Decimal] = {}
        self.last_trade: dict[str, Decimal] = {}
        self.mid: dict[str, Decimal] = {}
        self.mark: dict[str, Decimal] = {}
        self.orders: dict[str, OpenOrder] = {}
        # Open entry orders summed per symbol, kept as orders change so the
        # limits checked on every signal cost one step per symbol, not per
        # order (at saturation hundreds wait at the broker): Σ remaining, and
        # per strategy (how many, Σ signed remaining).
        self._entry_remaining: dict[str, Decimal] = {}
        self._entry_signed: dict[str, dict[str, tuple[int, Decimal]]] = {}
        self.stops: dict[Key, StopState] = {}
        self.atr: dict[str, Atr] = {}
        self._atr_period = atr
        # sent, not yet seen on an update: by intent id, oldest first
        self._intents: dict[str, Intent] = {}
        self._seen: set[str] = set()
        self._seen_order: deque[str] = deque()
        self._trades: dict[str, deque[Decimal]] = {}
        self._trade_window = trade_window
        self._opened_realized: dict[Key, Decimal] = {}

    # -- inputs ------------------------------------------------------------------

    def apply_portfolio(self, update: PortfolioUpdate) -> None:
        self.equity = update.equity
        self.cash = update.cash

    def apply_position(self, update: PositionUpdate) -> Key | None:
        """Set a position absolutely; returns its (strategy, symbol) for a sub-ledger."""
        if update.account != self.account:
            return None
        self.mark[update.symbol] = update.market_price
        if not update.strategy:
            self.net[update.symbol] = update.quantity
            return None
        key = (update.strategy, update.symbol)
        before = self._opened_realized.get(key)
        if before is None and update.quantity != 0:
            self._opened_realized[key] = update.realized_pnl
        elif before is not None and update.quantity == 0:
            del self._opened_realized[key]
            trades = self._trades.setdefault(update.strategy, deque(maxlen=self._trade_window))
            trades.append(update.realized_pnl - before)
        self.positions[key] = update.quantity
        return key

    def apply_fill(self, fill: Fill) -> Key | None:
        """Book an execution once (by execution id); returns the position it moved."""
        if fill.account != self.account or fill.execution_id in self._seen:
            return None
        self._seen.add(fill.execution_id)
        self._seen_order.append(fill.execution_id)
        if len(self._seen_order) > _SEEN_FILLS:
            self._seen.discard(self._seen_order.popleft())
        delta = fill.side.sign * fill.quantity
        key = (fill.strategy, fill.symbol)
        self.positions[key] = self.positions.get(key, ZERO) + delta
        self.net[fill.symbol] = self.net.get(fill.symbol, ZERO) + delta
        self.last_trade.setdefault(fill.symbol, fill.price)
        return key

    def expect(self, intent: Intent) -> None:
        self._intents[intent.intent_id] = intent

    def apply_order_update(self, update: OrderUpdate) -> tuple[OpenOrder, Intent | None] | None:
        """Track an order; returns it (and the intent it was matched to, if new)."""
        if update.account != self.account:
            return None
        order = self.orders.get(update.client_order_id)
        intent = None
        if order is not None:
            self._count_entry(order, -1)
        else:
            intent = self._match(update)
            order = OpenOrder(
                client_order_id=update.client_order_id,
                strategy=update.strategy,
                symbol=update.symbol,
                side=update.side,
                remaining=update.remaining,
                kind="unknown" if intent is None else intent.kind,
                serial=0 if intent is None else intent.serial,
            )
        order.remaining = update.remaining
        if update.status.is_terminal:
            self.orders.pop(update.client_order_id, None)
        else:
            self.orders[update.client_order_id] = order
            self._count_entry(order, 1)
        return order, intent

    def _count_entry(self, order: OpenOrder, sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) an open order's part in the entry sums."""
        if order.kind != "entry":
            return
        symbol, strategy = order.symbol, order.strategy
        total = self._entry_remaining.get(symbol, ZERO) + sign * order.remaining
        strategies = self._entry_signed.setdefault(symbol, {})
        count, signed = strategies.get(strategy, (0, ZERO))
        count, signed = count + sign, signed + sign * order.side.sign * order.remaining
        if count:
            strategies[strategy] = (count, signed)
            self._entry_remaining[symbol] = total
            return
        del strategies[strategy]
        if not strategies:
            del self._entry_signed[symbol]
            del self._entry_remaining[symbol]
        else:
            self._entry_remaining[symbol] = total

    def _match(self, update: OrderUpdate) -> Intent | None:
        """The intent an order's first update answers.

        An update that carries an intent id answers that intent or none: a
        repeated report of an order already closed must not take the intent
        of a later order on the same terms. Only an update without one (an
        order from elsewhere) is matched by its terms, oldest intent first.
        """
        if update.intent_id:
            return self._intents.pop(update.intent_id, None)
        for key, intent in self._intents.items():
            if (
                intent.strategy == update.strategy
                and intent.symbol == update.symbol
                and intent.side is update.side
                and intent.quantity == update.quantity
            ):
                del self._intents[key]
                return intent
        return None

    def apply_bar(self, bar: Bar) -> None:
        atr = self.atr.get(bar.symbol)
        if atr is None:
            atr = self.atr[bar.symbol] = Atr(self._atr_period)
        atr.update(bar.high, bar.low, bar.close)

    # -- figures -----------------------------------------------------------------

    def price(self, symbol: str) -> Decimal | None:
        """The best known price: last trade, else mid quote, else the portfolio's mark."""
        for table in (self.last_trade, self.mid, self.mark):
            price = table.get(symbol)
            if price is not None:
                return price
        return None

    def open_entries(self, symbol: str | None = None) -> Iterable[OpenOrder]:
        return (
            o
            for o in self.orders.values()
            if o.kind == "entry" and (symbol is None or o.symbol == symbol)
        )

    def intended(self, symbol: str) -> dict[str, Decimal]:
        """Each strategy's signed position in ``symbol`` plus its open entry orders."""
        result = {s: q for (s, sym), q in self.positions.items() if sym == symbol and q != 0}
        for strategy, (_, signed) in self._entry_signed.get(symbol, {}).items():
            result[strategy] = result.get(strategy, ZERO) + signed
        return result

    def _notional(self, symbol: str, quantity: Decimal) -> Decimal:
        price = self.price(symbol)
        instrument = self.instruments.get(symbol)
        if price is None or instrument is None:
            return ZERO
        return abs(instrument.notional(price, quantity))

    def gross_exposure(self) -> Decimal:
        """Σ |net position notional| + Σ open entry orders' notional."""
        gross = sum((self._notional(s, q) for s, q in self.net.items()), ZERO)
        # Remaining quantities are never negative: Σ |notional| is |notional(Σ)|.
        return gross + sum((self._notional(s, q) for s, q in self._entry_remaining.items()), ZERO)

    def reserved(self, margin: Mapping[str, Decimal]) -> Decimal:
        """Buying power held by open entry orders (notional × margin rate per symbol)."""
        return sum(
            (self._notional(s, q) * margin[s] for s, q in self._entry_remaining.items()),
            ZERO,
        )

    def heat(self, default_distance: Callable[[str, Decimal], Decimal]) -> Decimal:
        """Σ open risk to the stops: |q| × |price − stop| × multiplier.

        A position without a known stop counts at ``default_distance(symbol, price)``.
        """
        total = ZERO
        for (strategy, symbol), quantity in self.positions.items():
            price = self.price(symbol)
            instrument = self.instruments.get(symbol)
            if quantity == 0 or price is None or instrument is None:
                continue
            stop = self.stops.get((strategy, symbol))
            distance = abs(price - stop.level) if stop else default_distance(symbol, price)
            total += abs(quantity) * distance * instrument.multiplier
        return total

    def trades(self, strategy: str) -> tuple[Decimal, ...]:
        """The strategy's recent closed-trade P&Ls, oldest first."""
        return tuple(self._trades.get(strategy, ()))
